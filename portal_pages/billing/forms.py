"""Forms of the customer billing screens (input parsing only; writes go through portal_models.services)."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal_models.models import Account, Contact
from portal_models.phones import PhoneTextField
from portal_models.services.billing import ACCOUNT_ADDRESS_FIELDS, CONTACT_FIELDS

MAX_STATEMENT_DAYS = 366 * 5


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
        # typed as people write them; the contact reads them in the tenant's region and keeps E.164
        field_classes = {"business_phone": PhoneTextField, "cell_phone": PhoneTextField}


class CompanyAddressForm(forms.ModelForm):
    required = ("address_1", "city", "state", "postal_code", "country")

    class Meta:
        model = Account
        fields = ACCOUNT_ADDRESS_FIELDS
        labels = {"address_1": _("Address 1"), "address_2": _("Address 2"), "address_3": _("Address 3")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required:
            self.fields[name].required = True


class StatementForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def initial_range(cls) -> dict:
        today = timezone.localdate()
        return {"date_from": date(today.year, 1, 1), "date_to": today}

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("The end date must be on or after the start date."))
            elif end - start > timedelta(days=MAX_STATEMENT_DAYS):
                self.add_error("date_from", _("A statement covers at most five years."))
        return data
