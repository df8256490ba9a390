"""Phone numbers: parsed with django-phonenumber-field (libphonenumber) in the tenant's default region, stored in
E.164 (``+15203607987``). Seed 003's formats are accepted: ``1(520)360-7987``, ``+1 520 360 7987``,
``520-360-7987``."""

from __future__ import annotations

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

DEFAULT_REGION = "US"


def validate_phone_region(value: str) -> None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            _("“%(value)s” is not a country code for phone numbers (two letters, e.g. US, GB, DE)."),
            params={"value": value},
        )


def phone_parse(value, *, region: str | None) -> PhoneNumber | None:
    """``value`` (text or a PhoneNumber) as a valid PhoneNumber, numbers without a country code read in ``region``;
    None for an empty value. Raises ValidationError with an example when it is not a phone number."""
    if value in (None, ""):
        return None
    raw = value.raw_input if isinstance(value, PhoneNumber) and not value.is_valid() else str(value)
    if isinstance(value, PhoneNumber) and value.is_valid():
        return value
    try:
        number = PhoneNumber.from_string(raw.strip(), region=region or DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not number.is_valid():
        example = phonenumbers.example_number(region or DEFAULT_REGION)
        raise ValidationError(
            _("Enter a valid phone number, e.g. %(national)s or %(international)s."),
            code="invalid_phone_number",
            params={
                "national": phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL),
                "international": phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
            },
        )
    return number


def phone_e164(value, *, region: str | None) -> str:
    """``value`` in E.164, or "" when empty; raises ValidationError like :func:`phone_parse`."""
    number = phone_parse(value, region=region)
    return number.as_e164 if number is not None else ""


class PhoneTextField(forms.CharField):
    """A phone number as typed, for model forms of :class:`~phonenumber_field.modelfields.PhoneNumberField`: the
    model reads it in its tenant's region and reports a wrong one next to the field (``Contact.clean_fields``)."""

    def __init__(self, *, region=None, max_length=None, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(max_length=40, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, PhoneNumber) and value.is_valid():
            return value.as_international
        return super().prepare_value(value)
