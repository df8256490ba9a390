"""A Hypothesis state machine of one account's ledger: invoices issued, credited, paid by card (through the
webhook's recording service, no Stripe server) and by check, refunded, reversed and voided in any order. After
every step: the balance is the sum of what the open invoices owe, no invoice owes less than zero (a void one
nothing), each invoice owes its total less what counts as paid on it, and every payment's allocations add up to
what it still pays."""

import os
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from portal_models.models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from portal_models.models.billing import PAYABLE_STATUSES
from portal_models.money import ZERO, to_minor_units
from portal_models.selectors.billing import account_balance
from portal_models.services import billing, payments
from portal_models.tests.factories import AccountFactory, TenantFactory

pytestmark = pytest.mark.django_db(transaction=False)

AMOUNTS = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("900.00"), places=2)
SHARES = st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1")])
COUNTED = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED)


class Ledger(RuleBasedStateMachine):
    steps_run = 0  # over all examples: the test checks that the machine did run

    @initialize()
    def open_account(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.tenant = TenantFactory(card_fee_percent=Decimal("0"))
        self.account = AccountFactory(tenant=self.tenant, stripe_customer_id="cus_ledger")
        self.count = 0

    def teardown(self):
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def invoices(self, *statuses):
        qs = Invoice.objects.filter(account=self.account).order_by("pk")
        return list(qs.filter(status__in=statuses) if statuses else qs)

    @rule(amount=AMOUNTS)
    def issue(self, amount):
        self.count += 1
        billing.invoice_create(
            account=self.account,
            number=f"L-{self.count}",
            lines=[{"description": "Service", "unit_price": amount}],
            due_date=date(2099, 1, 1),
        )

    @rule(pick=st.integers(0, 20), share=SHARES)
    def credit(self, pick, share):
        open_ = [inv for inv in self.invoices(*PAYABLE_STATUSES) if inv.amount_due > ZERO]
        if open_:
            invoice = open_[pick % len(open_)]
            self.count += 1
            amount = max((invoice.amount_due * share).quantize(Decimal("0.01")), Decimal("0.01"))
            billing.credit_memo_apply(invoice=invoice, number=f"CM-{self.count}", amount=amount, reason="Goodwill")

    @rule(share=SHARES)
    def pay_by_check(self, share):
        balance = account_balance(account=self.account)
        if balance > ZERO:
            amount = max((balance * share).quantize(Decimal("0.01")), Decimal("0.01"))
            billing.payment_record(account=self.account, method="check", amount=amount, reference="chk")

    @rule(pick=st.integers(0, 20))
    def pay_by_card(self, pick):
        open_ = [inv for inv in self.invoices(*PAYABLE_STATUSES) if inv.amount_due > ZERO]
        if open_:
            invoice = open_[pick % len(open_)]
            self.count += 1
            intent = {
                "id": f"pi_ledger{self.count}",
                "object": "payment_intent",
                "status": "succeeded",
                "amount": to_minor_units(invoice.amount_due, invoice.currency),
                "currency": invoice.currency.lower(),
                "customer": "cus_ledger",
                "metadata": {
                    "portal_account_id": str(self.account.pk),
                    "invoices": f"{invoice.pk}:{invoice.amount_due}",
                    "fee": "0.00",
                },
            }
            payment = payments.payment_record_from_intent(intent)
            assert payment is not None and payment.method == Payment.Method.CARD

    @rule(pick=st.integers(0, 20), share=SHARES)
    def refund(self, pick, share):
        cards = list(Payment.objects.filter(account=self.account, method="card", status__in=COUNTED).order_by("pk"))
        if cards:
            payment = cards[pick % len(cards)]
            total = payment.refunded_amount + (payment.amount - payment.refunded_amount) * share
            payments.payment_apply_refund_total(payment=payment, refunded_total=total.quantize(Decimal("0.01")))

    @rule(pick=st.integers(0, 20))
    def reverse(self, pick):
        checks = list(Payment.objects.filter(account=self.account, method="check", status="succeeded").order_by("pk"))
        if checks:
            billing.payment_reverse(payment=checks[pick % len(checks)], reason="Check bounced")

    @rule(pick=st.integers(0, 20))
    def void(self, pick):
        candidates = self.invoices(*PAYABLE_STATUSES)
        if candidates:
            invoice = candidates[pick % len(candidates)]
            try:
                billing.invoice_void(invoice=invoice, reason="Issued in error")
            except ValidationError:
                assert invoice.amount_paid > ZERO  # refused only when payments count on it

    @invariant()
    def balance_is_the_sum_of_open_amounts(self):
        if not hasattr(self, "account"):
            return
        Ledger.steps_run += 1
        invoices = self.invoices()
        owed = sum((inv.amount_due for inv in invoices if inv.status in PAYABLE_STATUSES), ZERO)
        assert account_balance(account=self.account) == owed
        for inv in invoices:
            assert inv.amount_due >= ZERO
            paid = (
                PaymentAllocation.objects.filter(invoice=inv, payment__status__in=COUNTED).aggregate(s=Sum("amount"))[
                    "s"
                ]
                or ZERO
            )
            credits = inv.credit_memos.aggregate(s=Sum("amount"))["s"] or ZERO
            subtotal = sum((line.line_total for line in inv.lines.all()), ZERO)
            assert inv.total == subtotal - credits and inv.amount_paid == paid
            if inv.status == InvoiceStatus.VOID:
                assert inv.amount_due == ZERO and paid == ZERO
            else:
                assert inv.amount_due == max(inv.total - paid, ZERO)
                assert paid <= inv.total  # never paid above what it costs
                if inv.amount_due == ZERO and inv.total > ZERO:
                    assert inv.status == InvoiceStatus.PAID

    @invariant()
    def allocations_add_up_to_each_payment(self):
        if not hasattr(self, "account"):
            return
        for payment in Payment.objects.filter(account=self.account):
            allocated = payment.allocations.aggregate(s=Sum("amount"))["s"] or ZERO
            if payment.status in COUNTED:  # what it still pays is on the invoices, to the cent
                assert allocated == payment.amount - payment.refunded_amount
            else:  # refunded or reversed: its allocations are history and count nowhere
                assert allocated <= payment.amount
            assert payment.number is not None


Ledger.TestCase.settings = settings(
    max_examples=int(os.environ.get("LEDGER_EXAMPLES", "25")),  # LEDGER_EXAMPLES=500 to search harder
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_ledger_state_machine(db):
    Ledger.TestCase().runTest()
    assert Ledger.steps_run > 20
    print(f"ledger state machine: {Ledger.steps_run} checked states")
