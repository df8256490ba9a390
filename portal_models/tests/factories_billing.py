"""Billing records for tests. Invoices go through the services so totals are real."""

from datetime import date, timedelta
from decimal import Decimal

from portal_models.models import Invoice, InvoiceStatus
from portal_models.services import billing

SEED_LINES = [
    {"description": "QMS Web Subscription", "unit_price": "1600.00"},
    {"description": "QMS Software Training Package", "unit_price": "3000.00"},
    {"description": "QMS Initial Implementation & Configuration", "unit_price": "1500.00"},
]


def seed_invoice(account, number="10020"):
    """Seed 000's invoice 10020: 08/26/2022, due 09/26/2022, Net 30, $6,100.00."""
    return billing.invoice_create(
        account=account, number=number, lines=SEED_LINES, invoice_date=date(2022, 8, 26), due_date=date(2022, 9, 26)
    )


def bulk_invoices(account, count: int, *, start: int = 50000) -> None:
    """Many open invoices at once (stored totals set directly; for query-count tests)."""
    today = date.today()
    Invoice.objects.bulk_create(
        Invoice(
            tenant=account.tenant,
            account=account,
            number=str(start + i),
            status=InvoiceStatus.OPEN,
            invoice_date=today - timedelta(days=i),
            due_date=today - timedelta(days=i) + timedelta(days=30),
            subtotal=Decimal("100.00"),
            total=Decimal("100.00"),
            amount_due=Decimal("100.00"),
        )
        for i in range(count)
    )
