"""Reads about payments for every page, email and PDF that shows one: how its method is named."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal_models.gateways import stripe as gateway
from portal_models.models import Payment


def payment_method_description(payment: Payment) -> str:
    """The real method of a payment, as a receipt names it: "Visa •••• 4242", "Bank account •••• 3000 (SEPA
    Direct Debit)", "Business check no. 1234", "Bank transfer REF-9" (never "Card" for a bank debit)."""
    last4 = payment.card_last4 or ""
    if payment.method == Payment.Method.CHECK:
        if payment.reference:
            return _("Business check no. %(number)s") % {"number": payment.reference}
        return _("Business check")
    if payment.method in Payment.MANUAL_METHODS:
        label = str(payment.get_method_display())
        return f"{label} {payment.reference}" if payment.reference else label
    kind = gateway.ledger_method_type(ledger_method=payment.method, currency=payment.currency)
    if kind is not None and kind.scheme:  # a bank account, named with its scheme
        if last4:
            return _("Bank account •••• %(last4)s (%(scheme)s)") % {"last4": last4, "scheme": kind.scheme}
        return _("Bank account (%(scheme)s)") % {"scheme": kind.scheme}
    if last4:
        brand = (payment.card_brand or "").title() or _("Card")
        return f"{brand} •••• {last4}"
    return str(payment.get_method_display())
