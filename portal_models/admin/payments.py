"""Staff: refunds of card payments through the gateway, the payment inspect view's Stripe details
(Stripe ids, fee, allocations, events) and the reconciliation report (the gateway's charges against the
recorded payments). The Payment modeladmin itself lives in admin/billing.py."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal_models.models import Account, Payment
from portal_models.services import payments as svc
from portal_models.staff_access import staff_tenant_ids

from . import (
    checks,  # noqa: F401  (Billing › Promised checks)
    scoping,
)

INSPECT_TEMPLATE = "portal_models/admin/payment_inspect.html"
INSPECT_FIELDS = (
    "number",
    "tenant",
    "account",
    "status",
    "method",
    "amount",
    "fee_amount",
    "refunded_amount",
    "currency",
    "received_at",
    "reference",
    "payer_name",
    "card_brand",
    "card_last4",
    "stripe_payment_intent_id",
    "stripe_charge_id",
    "failure_reason",
    "reversed_at",
    "reversed_by",
    "reversal_reason",
    "notes",
)


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Amount to refund"), max_digits=14, decimal_places=2)


REFUND_PERMISSION = "portal_models.refund_payment"


def refund_view(request, pk):
    if not request.user.has_perm(REFUND_PERMISSION):
        raise PermissionDenied
    payments = scoping.admin_queryset(request, Payment.objects.select_related("account", "tenant"))
    payment = get_object_or_404(payments, pk=pk)
    refundable = payment.amount - payment.refunded_amount
    form = RefundForm(request.POST or None, initial={"amount": refundable})
    if request.method == "POST" and form.is_valid():
        try:
            svc.payment_refund(payment=payment, amount=form.cleaned_data["amount"])
        except ValidationError as exc:
            form.add_error("amount", " ".join(exc.messages))
        except svc.PaymentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The refund was made."))
            return redirect(reverse("portal_models_payment_modeladmin_inspect", args=[payment.pk]))
    return TemplateResponse(
        request,
        "portal_models/admin/payment_refund.html",
        {"payment": payment, "form": form, "refundable": refundable},
        status=400 if form.errors else 200,
    )


RECONCILE_PERMISSION = "portal_models.view_payment"


class ReconcileForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=gettext_lazy("To (included)"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until") or timezone.localdate()
        if since and since > until:
            self.add_error("since", _("The period must start on or before its last day."))
        elif since and (until - since).days > 92:
            self.add_error("since", _("Reconcile at most three months at a time."))
        data["until"] = until
        return data


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def reconcile_view(request):
    """The differences between the charges the gateway reports for a period and the recorded card payments,
    for the staff member's tenants only (superusers: every tenant)."""
    if not request.user.has_perm(RECONCILE_PERMISSION):
        raise PermissionDenied
    today = timezone.localdate()
    form = ReconcileForm(request.GET or {"since": today - timedelta(days=1), "until": today})
    differences, accounts, error = None, {}, ""
    if form.is_valid():
        tenant_ids = staff_tenant_ids(request.user)
        try:
            differences = svc.payments_reconcile(
                since=_day_start(form.cleaned_data["since"]),
                until=_day_start(form.cleaned_data["until"] + timedelta(days=1)),
                tenant_ids=None if tenant_ids is None else sorted(tenant_ids),
            )
        except svc.PaymentError as exc:
            error = str(exc) or _("The payment service did not answer. Try again in a moment.")
        else:
            ids = {d.account_id for d in differences if d.account_id}
            scoped = scoping.admin_queryset(request, Account.objects.filter(pk__in=ids).select_related("tenant"))
            accounts = {a.pk: a for a in scoped}
    rows = [(d, accounts.get(d.account_id)) for d in differences or ()]
    return TemplateResponse(
        request,
        "portal_models/admin/payment_reconcile.html",
        {"form": form, "rows": rows, "checked": differences is not None, "error": error},
        status=400 if form.errors else 200,
    )


class ReconcileMenuItem(MenuItem):
    """ "Reconcile payments" in the Billing menu, for staff who may see payments."""

    def __init__(self, order: int):
        super().__init__(_("Reconcile payments"), reverse("portal_payment_reconcile"), icon_name="tasks", order=order)

    def is_shown(self, request):
        return request.user.has_perm(RECONCILE_PERMISSION)


@hooks.register("register_admin_urls")
def payment_admin_urls():
    return [
        path("payments/<int:pk>/refund/", refund_view, name="portal_payment_refund"),
        path("payments/reconcile/", reconcile_view, name="portal_payment_reconcile"),
    ]
