from datetime import UTC, date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.transaction import TransactionManagementError

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


def test_a_payment_derives_the_same_totals_as_a_full_recalculation(invoice):
    """A payment derives only paid, due and status from the stored total; the result is what recomputing the
    invoice from its lines, credit memos and allocations gives."""
    billing.credit_memo_apply(invoice=invoice, number="CM-1", amount=Decimal("250.00"), reason="Goodwill")
    for amount in (Decimal("100"), Decimal("5750")):
        billing.payment_record(account=invoice.account, method="check", amount=amount, invoices=[invoice])
        invoice.refresh_from_db()
        stored = (invoice.subtotal, invoice.credit_total, invoice.total, invoice.amount_paid, invoice.amount_due)
        assert stored == tuple(vars(billing.invoice_totals(invoice=invoice)).values())
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (InvoiceStatus.PAID, Decimal("5850.00"), 0)


def test_overpayment_is_refused_and_changes_nothing(invoice):
    with pytest.raises(ValidationError):
        billing.payment_record(account=invoice.account, method="check", amount=Decimal("7000"), invoices=[invoice])
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("6100.00") and not Payment.objects.exists()


def test_payment_cannot_touch_another_accounts_invoice(invoice):
    with pytest.raises(ValidationError):
        billing.payment_record(account=AccountFactory(), method="check", amount=Decimal("10"), invoices=[invoice])


def test_payment_record_locks_the_invoices_once_in_its_own_savepoint(invoice, django_assert_num_queries):
    """payment_record (staff, autopay): a savepoint, the lock, the payment, one data_version bump, the allocation,
    the invoice's payment sum (its lines and credits did not change) and update, the audit event, and the
    tenant's next receipt number (one UPDATE ... RETURNING once the tenant has its first)."""
    billing.payment_record(account=invoice.account, method="check", amount=Decimal("1"), invoices=[invoice])
    with django_assert_num_queries(10) as queries:
        billing.payment_record(account=invoice.account, method="check", amount=Decimal("100"), invoices=[invoice])
    sql = [q["sql"] for q in queries.captured_queries]
    assert [s.split(" ")[0] for s in sql].count("SAVEPOINT") == 1
    assert sum(s.startswith('UPDATE "portal_models_account"') for s in sql) == 1
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == (InvoiceStatus.PARTIALLY_PAID, Decimal("5999.00"))


def test_payment_record_locked_takes_only_this_accounts_invoices(invoice):
    with pytest.raises(ValidationError):
        billing.payment_record_locked(
            account=AccountFactory(), method="check", amount=Decimal("10"), allocations={invoice: Decimal("10")}
        )
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_payment_record_locked_needs_the_transaction_of_the_lock():
    invoice = billing.invoice_create(account=AccountFactory(), number="1", lines=SEED_LINES, due_date=date(2022, 9, 26))
    with pytest.raises(TransactionManagementError):
        billing.payment_record_locked(
            account=invoice.account, method="check", amount=Decimal("10"), allocations={invoice: Decimal("10")}
        )
    assert not Payment.objects.exists()


def test_issuing_a_draft_stores_its_status_and_issue_time(db):
    draft = billing.invoice_create(
        account=AccountFactory(), number="D-1", lines=SEED_LINES, due_date=date(2022, 9, 26), status="draft"
    )
    assert draft.issued_at is None
    billing.invoice_issue(invoice=draft)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.OPEN and draft.issued_at is not None and draft.amount_due == Decimal("6100")


def test_fee_line_and_credit_memo(invoice):
    billing.invoice_add_fee_line(invoice=invoice, amount=Decimal("183.00"))
    invoice.refresh_from_db()
    assert invoice.total == Decimal("6283.00")
    billing.credit_memo_apply(invoice=invoice, number="CM-1", amount=Decimal("283.00"), reason="Goodwill")
    invoice.refresh_from_db()
    assert (invoice.credit_total, invoice.amount_due) == (Decimal("283.00"), Decimal("6000.00"))


def test_void_only_without_payments(invoice):
    invoice = billing.invoice_void(invoice=invoice, reason="Issued in error")
    assert invoice.status == InvoiceStatus.VOID
    assert account_balance(account=invoice.account) == 0


# --- selectors and services added for the billing screens -----------------------------------------
def test_statement_of_account(invoice):
    from datetime import datetime

    from portal_models.selectors.billing import statement_of_account

    account = invoice.account
    later = billing.invoice_create(
        account=account,
        number="10021",
        lines=[{"description": "Support", "unit_price": "400.00"}],
        invoice_date=date(2022, 10, 5),
        due_date=date(2022, 11, 4),
    )
    billing.credit_memo_apply(invoice=later, number="CM-1", amount=Decimal("50.00"), reason="Goodwill")
    billing.payment_record(
        account=account,
        method="check",
        amount=Decimal("1000"),
        invoices=[invoice],
        received_at=datetime(2022, 9, 15, 12, tzinfo=UTC),
    )
    void = billing.invoice_create(
        account=account,
        number="V-1",
        lines=[{"description": "x", "unit_price": "999"}],
        due_date=date(2022, 10, 1),
        invoice_date=date(2022, 9, 20),
    )
    billing.invoice_void(invoice=void, reason="Issued in error")
    s = statement_of_account(account=account, date_from=date(2022, 9, 1), date_to=date(2022, 12, 31))
    assert s.opening_balance == Decimal("6100.00")
    assert [line.kind for line in s.lines] == ["payment", "invoice"]  # the credit memo is dated today, outside
    assert s.closing_balance == Decimal("5500.00")
    s_all = statement_of_account(account=account, date_from=date(2022, 1, 1), date_to=date.today())
    assert s_all.opening_balance == 0
    assert s_all.closing_balance == Decimal("5450.00") == account_balance(account=account)


def test_dashboard_summary(invoice):
    from portal_models.selectors.billing import dashboard_summary

    summary = dashboard_summary(account=invoice.account)
    assert (summary.balance_due, summary.overdue_total, summary.overdue_count) == (Decimal("6100.00"),) * 2 + (1,)
    assert summary.overdue == [invoice] and summary.upcoming == []


def test_contact_save_only_changes_record_fields_and_roles(db):
    from portal_models.tests.factories import ContactFactory

    contact = ContactFactory(can_pay=False)
    billing.contact_save(
        account=contact.account, contact=contact, data={"title": "CFO", "is_billing": True, "can_pay": True}
    )
    contact.refresh_from_db()
    assert (contact.title, contact.is_billing, contact.can_pay) == ("CFO", True, False)
    with pytest.raises(ValidationError):
        billing.contact_save(account=AccountFactory(), contact=contact, data={"title": "x"})


def test_account_update_address_validates(db):
    account = AccountFactory()
    with pytest.raises(ValidationError):
        billing.account_update_address(account=account, data={"postal_code": "x" * 50})
    billing.account_update_address(account=account, data={"address_1": "1 Quality Way", "name": "Hacked"})
    account.refresh_from_db()
    assert account.address_1 == "1 Quality Way" and account.name != "Hacked"


def test_issue_needs_lines_and_not_void(invoice):
    billing.invoice_void(invoice=invoice, reason="Issued in error")
    invoice.refresh_from_db()
    with pytest.raises(ValidationError):
        billing.invoice_issue(invoice=invoice)
