"""The admin's "New portal" form: a tenant, its branding and policies, validated field by field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.images.fields import WagtailImageField

from portal_models.models import Tenant
from portal_models.models.tenants import slug_validator

from ..branding import brand_contrast_warnings
from ..models import hex_colour
from ..provisioning import DEFAULT_ACCENT, DEFAULT_PRIMARY


class ColourInput(forms.TextInput):
    input_type = "color"


class NewPortalForm(forms.ModelForm):
    primary_color = forms.CharField(
        label=_("Primary colour"),
        initial=DEFAULT_PRIMARY,
        max_length=7,
        validators=[hex_colour],
        widget=ColourInput,
        help_text=_("Top bar, buttons and links."),
    )
    accent_color = forms.CharField(
        label=_("Accent colour"),
        initial=DEFAULT_ACCENT,
        max_length=7,
        validators=[hex_colour],
        widget=ColourInput,
        help_text=_("Highlights and badges."),
    )
    slug = forms.CharField(
        label=_("Address"),
        max_length=60,
        help_text=_("The portal is served at /<address>/: lower-case letters, digits and hyphens."),
    )
    logo = WagtailImageField(label=_("Logo"), required=False)

    class Meta:
        model = Tenant
        fields = [
            "name",
            "slug",
            "support_email",
            "card_fee_percent",
            "card_fee_threshold",
            "card_only",
            "two_factor_policy",
        ]
        labels = {"name": _("Portal name"), "support_email": _("Support email")}
        help_texts = {
            "name": _("The company or brand customers see, e.g. “QT9 Software”."),
            "support_email": _("Customers' questions and registration requests go here."),
            "two_factor_policy": _("Whether customers must set up two-factor authentication."),
        }

    field_order = [
        "name",
        "slug",
        "support_email",
        "primary_color",
        "accent_color",
        "logo",
        "card_fee_percent",
        "card_fee_threshold",
        "card_only",
        "two_factor_policy",
    ]
    fieldsets = (
        (_("Portal"), ("name", "slug", "support_email")),
        (_("Branding"), ("primary_color", "accent_color", "logo")),
        (_("Payment policy"), ("card_fee_percent", "card_fee_threshold", "card_only")),
        (_("Security"), ("two_factor_policy",)),
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip().lower()
        slug_validator(slug)
        return slug

    def clean_primary_color(self):
        return self.cleaned_data["primary_color"].lower()

    def clean_accent_color(self):
        return self.cleaned_data["accent_color"].lower()

    def grouped_fields(self):
        return [
            {"id": f"new-portal-{i}", "title": title, "fields": [self[name] for name in names]}
            for i, (title, names) in enumerate(self.fieldsets, 1)
        ]

    def contrast_warnings(self) -> list[str]:
        data = self.cleaned_data
        if not (data.get("primary_color") and data.get("accent_color")):
            return []
        return brand_contrast_warnings(primary=data["primary_color"], accent=data["accent_color"])
