"""Staff: refunds of card payments through the gateway, and the payment inspect view's Stripe details
(Stripe ids, fee, allocations, events). The Payment modeladmin itself lives in admin/billing.py."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from portal_models.models import Payment
from portal_models.services import payments as svc

from . import scoping

INSPECT_TEMPLATE = "portal_models/admin/payment_inspect.html"
INSPECT_FIELDS = (
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


@hooks.register("register_admin_urls")
def payment_admin_urls():
    return [path("payments/<int:pk>/refund/", refund_view, name="portal_payment_refund")]
