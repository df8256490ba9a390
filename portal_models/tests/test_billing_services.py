from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portal_models.models import InvoiceStatus, Payment
from portal_models.selectors.billing import account_balance
from portal_models.services import billing
from portal_models.tests.factories import AccountFactory

SEED_LINES = [
    {"description": "QMS Web Subscription", "unit_price": "1600.00"},
    {"description": "QMS Software Training Package", "unit_price": "3000.00"},
    {"description": "QMS Initial Implementation & Configuration", "unit_price": "1500.00"},
]


@pytest.fixture
def invoice(db):
    return billing.invoice_create(
        account=AccountFactory(),
        number="10020",
        lines=SEED_LINES,
        invoice_date=date(2022, 8, 26),
        due_date=date(2022, 9, 26),
    )


def test_totals_of_seed_invoice(invoice):
    assert invoice.subtotal == Decimal("6100.00")
    assert invoice.total == invoice.amount_due == Decimal("6100.00")
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.is_overdue


def test_partial_then_full_payment(invoice):
    billing.payment_record(
        account=invoice.account, method=Payment.Method.CHECK, amount=Decimal("100"), invoices=[invoice]
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == (InvoiceStatus.PARTIALLY_PAID, Decimal("6000.00"))
    billing.payment_record(
        account=invoice.account, method=Payment.Method.CHECK, amount=Decimal("6000"), invoices=[invoice]
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due, invoice.amount_paid) == (InvoiceStatus.PAID, 0, Decimal("6100.00"))
    assert account_balance(account=invoice.account) == 0


def test_overpayment_is_refused_and_changes_nothing(invoice):
    with pytest.raises(ValidationError):
        billing.payment_record(account=invoice.account, method="check", amount=Decimal("7000"), invoices=[invoice])
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("6100.00") and not Payment.objects.exists()


def test_payment_cannot_touch_another_accounts_invoice(invoice):
    with pytest.raises(ValidationError):
        billing.payment_record(account=AccountFactory(), method="check", amount=Decimal("10"), invoices=[invoice])


def test_fee_line_and_credit_memo(invoice):
    billing.invoice_add_fee_line(invoice=invoice, amount=Decimal("183.00"))
    invoice.refresh_from_db()
    assert invoice.total == Decimal("6283.00")
    billing.credit_memo_apply(invoice=invoice, number="CM-1", amount=Decimal("283.00"))
    invoice.refresh_from_db()
    assert (invoice.credit_total, invoice.amount_due) == (Decimal("283.00"), Decimal("6000.00"))


def test_void_only_without_payments(invoice):
    invoice = billing.invoice_void(invoice=invoice)
    assert invoice.status == InvoiceStatus.VOID
    assert account_balance(account=invoice.account) == 0
