"""The page editor's form for the portal's pages: its drop-downs and choosers accept the staff user's tenants'
records only (the tenant of a portal home, the images of their collections); a portal home's modules are ticked
boxes of the features it offers."""

from __future__ import annotations

from django import forms
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry

from portal_models.models import Tenant
from portal_models.staff_access import staff_scope, staff_tenant_ids

from ..modules import module_choices


class PortalPageForm(WagtailAdminPageForm):
    """A portal page's edit form: a tenant field offers the user's tenants, an image field takes an image the user
    may choose (another tenant's image id posted by hand is refused as an invalid choice)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "modules_off" in self.fields:
            self._modules_as_checkboxes()
        user = self.for_user
        if user is None or staff_tenant_ids(user) is None:
            return
        images = get_image_model()
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            if queryset.model is Tenant:
                field.queryset = staff_scope(user=user, queryset=queryset)
            elif queryset.model is images:
                policy = policy_registry.get_by_type(images)
                field.queryset = policy.instances_user_has_any_permission_for(user, ["choose", "change"])

    def _modules_as_checkboxes(self):
        """The portal's modules as ticked boxes of the features offered (stored as the ones not offered)."""
        old = self.fields["modules_off"]
        off = set(self.initial.get("modules_off") or [])
        self.fields["modules_off"] = forms.MultipleChoiceField(
            label=old.label,
            help_text=old.help_text,
            required=False,
            choices=module_choices(),
            widget=forms.CheckboxSelectMultiple,
            initial=[key for key, _label in module_choices() if key not in off],
        )
        self.initial["modules_off"] = [key for key, _label in module_choices() if key not in off]

    def clean_modules_off(self):
        offered = set(self.cleaned_data.get("modules_off") or [])
        return [key for key, _label in module_choices() if key not in offered]
