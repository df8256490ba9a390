"""Forms of the payment wizard and the payment methods page."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException


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


def iban_clean(value: str) -> str:
    """An IBAN in its compact form, checked before any call to Stripe: the country's length and format and the
    ISO 13616 mod-97 check digits (schwifty), and in the SEPA zone (SEPA Direct Debit takes nothing else)."""
    try:
        iban = IBAN(value or "")
    except SchwiftyException:
        raise forms.ValidationError(
            _("This IBAN is not valid. Check it against your bank statement (e.g. DE89 3704 0044 0532 0130 00).")
        ) from None
    if not iban.in_sepa_zone:
        raise forms.ValidationError(_("Direct debit takes bank accounts in the SEPA zone only."))
    return iban.compact


class BankAccountForm(forms.Form):
    """A bank account for SEPA Direct Debit: the holder, the IBAN (validated here, before Stripe sees it) and the
    mandate, which must be accepted. The browser then confirms it with Stripe.js and sends ``payment_method``."""

    account_holder = forms.CharField(label=_("Account holder"), max_length=200)
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    mandate = forms.BooleanField(
        label=_("I accept the direct debit mandate above."),
        error_messages={"required": _("Accept the mandate to pay by direct debit.")},
    )
    payment_method = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_holder"].widget.attrs["autocomplete"] = "name"
        self.fields["iban"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters", "inputmode": "text"}
        )

    def clean_iban(self):
        return iban_clean(self.cleaned_data.get("iban", ""))

    def clean_account_holder(self):
        name = " ".join(self.cleaned_data.get("account_holder", "").split())
        if len(name) < 2:
            raise forms.ValidationError(_("Enter the name the bank account is held in."))
        return name


class CheckForm(forms.Form):
    """A business check the customer has mailed: its number, amount and mailing date."""

    check_number = forms.CharField(label=_("Check number"), max_length=40)
    amount = forms.DecimalField(label=_("Check amount"), max_digits=14, decimal_places=2, min_value=0)
    mailed_on = forms.DateField(label=_("Date mailed"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_mailed_on(self):
        mailed = self.cleaned_data["mailed_on"]
        if mailed > timezone.localdate():
            raise forms.ValidationError(_("The mailing date cannot be in the future."))
        return mailed


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
            "I authorize charging my default card (including any card convenience fee) or debiting my default bank "
            "account under its mandate for each invoice on its due date, until I turn autopay off."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("enabled") and not data.get("authorize"):
            self.add_error("authorize", _("Check this box to authorize automatic payments."))
        return data
