"""Staff: Integrations in the admin — the tenant's webhook endpoints, their deliveries (failures first to hand,
re-send one) and imports of accounts, contacts and invoices from CSV or XLSX. Every record through
``scoping.admin_queryset``: another tenant's endpoint, delivery or import answers 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from portal_models.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from portal_models.services import outgoing_webhooks as webhooks
from portal_models.staff_access import staff_tenants

from . import imports as imports_admin
from . import scoping

VIEW_ENDPOINTS = "portal_models.view_webhookendpoint"
ADD_ENDPOINT = "portal_models.add_webhookendpoint"
CHANGE_ENDPOINT = "portal_models.change_webhookendpoint"
VIEW_DELIVERIES = "portal_models.view_webhookdelivery"
RESEND_DELIVERY = "portal_models.change_webhookdelivery"


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


class EndpointForm(forms.Form):
    tenant = forms.ModelChoiceField(label=gettext_lazy("Portal"), queryset=None, empty_label=None)
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("An https address of your system that answers 2xx when it has the event."),
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args, user, endpoint: WebhookEndpoint | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = staff_tenants(user).order_by("name")
        if endpoint is not None:
            del self.fields["tenant"]  # an endpoint stays with its portal

    def clean_url(self):
        try:
            return webhooks.webhook_url_check(url=self.cleaned_data["url"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from exc


def _endpoints(request):
    return scoping.admin_queryset(request, WebhookEndpoint.objects.select_related("tenant"))


def _deliveries(request):
    return scoping.admin_queryset(request, WebhookDelivery.objects.select_related("endpoint__tenant"))


def endpoints_view(request):
    _require(request, VIEW_ENDPOINTS)
    rows = list(_endpoints(request).order_by("tenant__name", "url", "pk"))
    return TemplateResponse(
        request,
        "portal_models/admin/webhook_endpoints.html",
        {"rows": rows, "may_add": request.user.has_perm(ADD_ENDPOINT)},
    )


def _secret_page(request, endpoint: WebhookEndpoint, secret: str):
    """The signing secret, shown this once (the page is not cached; reloading it does not show it again)."""
    response = TemplateResponse(
        request, "portal_models/admin/webhook_secret.html", {"endpoint": endpoint, "secret": secret}
    )
    response["Cache-Control"] = "no-store"
    return response


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def endpoint_create_view(request):
    _require(request, ADD_ENDPOINT)
    form = EndpointForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = webhooks.webhook_endpoint_create(
                tenant=data["tenant"],
                url=data["url"],
                events=data["events"],
                description=data["description"],
                is_active=data["is_active"],
                by=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return _secret_page(request, endpoint, secret)
    return TemplateResponse(
        request,
        "portal_models/admin/webhook_endpoint_form.html",
        {"form": form, "title": _("Add webhook endpoint"), "endpoint": None},
    )


def endpoint_edit_view(request, pk: int):
    endpoint = get_object_or_404(_endpoints(request), pk=pk)
    _require(request, VIEW_ENDPOINTS)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(None, user=request.user, endpoint=endpoint, initial=initial)
    if request.method == "POST":
        _require(request, CHANGE_ENDPOINT)
        if request.POST.get("action") == "rotate":
            return _secret_page(request, endpoint, webhooks.webhook_endpoint_rotate_secret(endpoint=endpoint))
        form = EndpointForm(request.POST, user=request.user, endpoint=endpoint)
        if form.is_valid():
            data = form.cleaned_data
            try:
                webhooks.webhook_endpoint_update(
                    endpoint=endpoint,
                    url=data["url"],
                    events=data["events"],
                    description=data["description"],
                    is_active=data["is_active"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Webhook endpoint %(url)s saved.") % {"url": endpoint.url})
                return redirect(reverse("portal_webhook_endpoints"))
    recent = list(_deliveries(request).filter(endpoint=endpoint)[:10])
    return TemplateResponse(
        request,
        "portal_models/admin/webhook_endpoint_form.html",
        {
            "form": form,
            "title": _("Webhook endpoint"),
            "endpoint": endpoint,
            "recent": recent,
            "may_change": request.user.has_perm(CHANGE_ENDPOINT),
        },
    )


DELIVERY_FILTERS = {
    "failed": {"status": WebhookDelivery.Status.FAILED},
    "retrying": {"status": WebhookDelivery.Status.PENDING, "attempt_count__gt": 0},
    "delivered": {"status": WebhookDelivery.Status.DELIVERED},
}


def deliveries_view(request):
    _require(request, VIEW_DELIVERIES)
    status = request.GET.get("status", "")
    rows = _deliveries(request)
    if status in DELIVERY_FILTERS:
        rows = rows.filter(**DELIVERY_FILTERS[status])
    else:
        status = ""
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(endpoint__url__icontains=query) | rows.filter(event__icontains=query)
    return TemplateResponse(
        request,
        "portal_models/admin/webhook_deliveries.html",
        {
            "rows": list(rows.order_by("-created_at", "-pk")[:200]),
            "status": status,
            "statuses": [
                ("", _("All")),
                ("failed", _("Failed")),
                ("retrying", _("Retrying")),
                ("delivered", _("Delivered")),
            ],
            "query": query,
        },
    )


def delivery_view(request, pk: int):
    delivery = get_object_or_404(
        _deliveries(request).prefetch_related(Prefetch("attempts", WebhookAttempt.objects.order_by("number"))), pk=pk
    )
    _require(request, VIEW_DELIVERIES)
    if request.method == "POST":
        _require(request, RESEND_DELIVERY)
        try:
            delivery = webhooks.webhook_delivery_resend(delivery=delivery)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The event was sent again; its attempt is listed below."))
        return redirect(reverse("portal_webhook_delivery", args=[delivery.pk]))
    return TemplateResponse(
        request,
        "portal_models/admin/webhook_delivery.html",
        {"delivery": delivery, "may_resend": request.user.has_perm(RESEND_DELIVERY)},
    )


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class IntegrationsMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return any(item.is_shown(request) for item in self.menu.registered_menu_items)


@hooks.register("register_admin_urls")
def integration_urls():
    return [
        path("integrations/webhooks/", endpoints_view, name="portal_webhook_endpoints"),
        path("integrations/webhooks/new/", endpoint_create_view, name="portal_webhook_endpoint_create"),
        path("integrations/webhooks/<int:pk>/", endpoint_edit_view, name="portal_webhook_endpoint_edit"),
        path("integrations/deliveries/", deliveries_view, name="portal_webhook_deliveries"),
        path("integrations/deliveries/<int:pk>/", delivery_view, name="portal_webhook_delivery"),
        *imports_admin.urlpatterns,
    ]


@hooks.register("register_admin_menu_item")
def integrations_menu():
    items = [
        PermissionMenuItem(
            _("Webhook endpoints"),
            reverse("portal_webhook_endpoints"),
            icon_name="link",
            order=1,
            permission=VIEW_ENDPOINTS,
        ),
        PermissionMenuItem(
            _("Webhook deliveries"),
            reverse("portal_webhook_deliveries"),
            icon_name="history",
            order=2,
            permission=VIEW_DELIVERIES,
        ),
        PermissionMenuItem(
            _("Imports"),
            reverse("portal_imports"),
            icon_name="upload",
            order=3,
            permission=imports_admin.VIEW_IMPORTS,
        ),
    ]
    return IntegrationsMenuItem(_("Integrations"), Menu(items=items), icon_name="cogs", name="integrations", order=9050)
