"""Staff: the integration API keys of their tenants (Settings › API keys). A new key's secret is shown once, on
the page that answers its creation, and never again; a key is revoked for good."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal_models.admin import scoping
from portal_models.models import ApiKey, ApiScope
from portal_models.services.api_keys import api_key_create, api_key_revoke
from portal_models.staff_access import staff_tenants

VIEW_PERMISSION = "portal_models.view_apikey"
CREATE_PERMISSION = "portal_models.add_apikey"
REVOKE_PERMISSION = "portal_models.change_apikey"


class ApiKeyForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Portal"), empty_label=None)
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("Which system uses the key, e.g. ERP sync.")
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=ApiScope.choices,
        initial=[ApiScope.READ],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = staff_tenants(user)


def _keys(request):
    return scoping.admin_queryset(request, ApiKey.objects.select_related("tenant", "created_by", "revoked_by"))


def api_keys_view(request):
    """The keys of the staff member's tenants; a POST makes one and shows its secret once, or revokes one."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    may_create = request.user.has_perm(CREATE_PERMISSION)
    form = ApiKeyForm(user=request.user)
    secret = new_key = None
    if request.method == "POST" and "revoke" in request.POST:
        return _revoke(request)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        form = ApiKeyForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                new_key, secret = api_key_create(
                    tenant=form.cleaned_data["tenant"],
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    by=request.user,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form = ApiKeyForm(user=request.user)
    response = TemplateResponse(
        request,
        "portal_api/admin/api_keys.html",
        {
            "keys": list(_keys(request).order_by("revoked_at", "tenant__name", "name")[:500]),
            "form": form,
            "may_create": may_create,
            "may_revoke": request.user.has_perm(REVOKE_PERMISSION),
            "new_key": new_key,
            "secret": secret,
            "docs_url": reverse("api:docs"),
        },
    )
    response["Cache-Control"] = "no-store"  # the page with a secret is never kept by a browser or proxy
    return response


def _revoke(request):
    """POST ``revoke``: a key of the staff member's tenants (another tenant's key: 404), revoked for good."""
    pk = request.POST.get("revoke", "")
    key = get_object_or_404(_keys(request), pk=int(pk) if pk.isdigit() else 0)
    if not request.user.has_perm(REVOKE_PERMISSION):
        raise PermissionDenied
    try:
        api_key_revoke(key=key, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The key “%(name)s” is revoked: its requests are refused from now on.") % {"name": key.name}
        )
    return redirect("portal_api_keys")
