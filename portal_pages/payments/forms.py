"""Forms of the payment wizard and the payment methods page."""

from django import forms
from django.utils.translation import gettext_lazy as _


class BillingForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address_1 = forms.CharField(label=_("Address 1"), max_length=200)
    address_2 = forms.CharField(label=_("Address 2"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    state = forms.CharField(label=_("State"), max_length=100)
    postal_code = forms.CharField(label=_("ZIP / Postal code"), max_length=20)
    country = forms.CharField(label=_("Country"), max_length=100)

    AUTOCOMPLETE = {
        "first_name": "given-name",
        "last_name": "family-name",
        "email": "email",
        "phone": "tel",
        "address_1": "address-line1",
        "address_2": "address-line2",
        "city": "address-level2",
        "state": "address-level1",
        "postal_code": "postal-code",
        "country": "country-name",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = value


class CardChoiceForm(forms.Form):
    """The card to charge: a saved card of the account, or the new card the browser just confirmed."""

    source = forms.CharField(widget=forms.HiddenInput, required=False)
    payment_method = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("payment_method"):
            raise forms.ValidationError(_("Enter your card details, or choose a saved card."))
        return data


class ConfirmForm(forms.Form):
    authorize = forms.BooleanField(
        label=_("Payment details are correct and I authorize this payment."),
        error_messages={"required": _("Check this box to authorize the payment.")},
    )
    save_card = forms.BooleanField(label=_("Save this card for future payments."), required=False)
    nonce = forms.CharField(widget=forms.HiddenInput)


class AutopayForm(forms.Form):
    enabled = forms.BooleanField(required=False)
    authorize = forms.BooleanField(
        required=False,
        label=_(
            "I authorize charging my default card for each invoice on its due date, "
            "including any card convenience fee, until I turn autopay off."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("enabled") and not data.get("authorize"):
            self.add_error("authorize", _("Check this box to authorize automatic payments."))
        return data
