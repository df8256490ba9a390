"""Demo data for online payments: seed 000's open invoice 10020 ($6,100.00) for Test Inc. at QT9 (if missing)."""

from datetime import timedelta

from django.utils import timezone

from portal_models.models import Account, Invoice
from portal_models.services.billing import invoice_create

SEED_LINES = [
    {"description": "QMS Web Subscription", "unit_price": "1600.00"},
    {"description": "QMS Software Training Package", "unit_price": "3000.00"},
    {"description": "QMS Initial Implementation & Configuration", "unit_price": "1500.00"},
]


def load() -> list[str]:
    account = Account.objects.filter(tenant__slug="qt9", number="C-1001").first()
    if account is None or Invoice.objects.filter(tenant=account.tenant, number="10020").exists():
        return []
    today = timezone.localdate()
    invoice_create(
        account=account,
        number="10020",
        lines=SEED_LINES,
        invoice_date=today - timedelta(days=5),
        due_date=today + timedelta(days=25),
    )
    return [
        "Payments: pay invoice 10020 by card 4242 4242 4242 4242 (any future expiry, any CVC) — "
        "4000 0000 0000 0002 is declined, 4000 0025 0000 3155 asks for 3-D Secure."
    ]
