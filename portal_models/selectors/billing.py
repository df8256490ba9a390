"""Reads of billing records for the portal and the admin."""

from decimal import Decimal

from django.db.models import Sum

from portal_models.models import Account, Invoice
from portal_models.money import ZERO


def account_balance(*, account: Account) -> Decimal:
    """What the account owes: the amount due of its open invoices."""
    return Invoice.objects.filter(account=account).payable().aggregate(s=Sum("amount_due"))["s"] or ZERO
