"""A paid bank debit taken back by the payer's bank (``charge.dispute.created``, through the exactly-once webhook):
the payment is reversed in the ledger, its invoices are open again, the payer and billing contacts get the branded
email, staff see it in the admin. localstripe makes no disputes: the event is Stripe's shape, signed with the
webhook secret as Stripe signs it. Also: refunds and reversals lock in the payments' order, so a staff refund and a
dispute of the same payment at once never deadlock (PostgreSQL, threads)."""

import os
import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse

from portal_models.models import Invoice, InvoiceStatus, Payment, SecurityEvent, StaffRole, StripeEvent
from portal_models.models.audit import SecurityEventType
from portal_models.services import payments as svc
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import StaffUserFactory

from .test_bank_payments import eur_payer, make_invoice, start_debit  # noqa: F401  (eur_payer: a fixture)


def paid_debit(client, localstripe, contact, invoice, nonce="d1") -> Payment:
    start = start_debit(localstripe, contact, invoice, nonce=nonce)
    event = localstripe.wait_event("payment_intent.succeeded", start.intent.id)
    assert localstripe.deliver(client, event).status_code == 200
    payment = Payment.objects.get(stripe_payment_intent_id=start.intent.id)
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def dispute_event(payment: Payment, *, event_id="evt_dispute_1", amount=None, currency=None, reason="general"):
    """Stripe's ``charge.dispute.created`` for the charge of ``payment`` (a SEPA debit returned by the bank)."""
    minor = int((amount if amount is not None else payment.amount) * 100)
    return {
        "id": event_id,
        "object": "event",
        "type": "charge.dispute.created",
        "data": {
            "object": {
                "id": f"du_{payment.pk}_{event_id[-4:]}",
                "object": "dispute",
                "amount": minor,
                "currency": (currency or payment.currency).lower(),
                "charge": payment.stripe_charge_id,
                "payment_intent": payment.stripe_payment_intent_id,
                "reason": reason,
                "status": "lost",
            }
        },
    }


class TestDisputeAfterPaidDebit:
    def test_reopens_the_invoice_records_the_reversal_and_tells_them(
        self,
        client,
        localstripe,
        eur_payer,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        invoice = make_invoice(eur_payer.account, "E-1", "480.00")
        payment = paid_debit(client, localstripe, eur_payer, invoice)
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID
        mail.outbox.clear()
        event = dispute_event(payment, reason="insufficient_funds")
        with django_capture_on_commit_callbacks(execute=True):
            assert localstripe.deliver(client, event).status_code == 200
        payment.refresh_from_db()
        assert payment.status == Payment.Status.REVERSED and payment.reversed_at is not None
        assert "insufficient funds" in payment.reversal_reason and "du_" in payment.reversal_reason
        assert payment.allocations.count() == 1  # the ledger keeps the payment and its reversal
        invoice.refresh_from_db()
        assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (
            InvoiceStatus.OPEN,
            Decimal("0.00"),
            Decimal("480.00"),
        )
        assert invoice.is_payable
        audit = SecurityEvent.objects.filter(event=SecurityEventType.PAYMENT_RECORDED, account=eur_payer.account)
        assert audit.filter(details__stripe_dispute_id__startswith="du_", details__status="reversed").exists()
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert set(message.to) == {"jane@alpenwerk.example.com", "ap@alpenwerk.example.com"}
        assert "taken back by the bank" in message.subject and payment.display_number in message.subject
        assert "E-1" in message.body and "480,00" in message.body.replace(".", ",")
        assert "Bank account •••• 3000 (SEPA Direct Debit)" in message.body
        html = message.alternatives[0][0]
        assert eur_payer.account.tenant.name in html and "E-1" in html

    def test_a_replayed_or_second_dispute_changes_nothing_more(
        self,
        client,
        localstripe,
        eur_payer,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        invoice = make_invoice(eur_payer.account, "E-1", "100.00")
        payment = paid_debit(client, localstripe, eur_payer, invoice)
        event = dispute_event(payment)
        with django_capture_on_commit_callbacks(execute=True):
            assert localstripe.deliver(client, event).status_code == 200
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert localstripe.deliver(client, event).status_code == 200  # the same event: 200, unprocessed
            again = dispute_event(payment, event_id="evt_dispute_2")
            assert localstripe.deliver(client, again).status_code == 200  # another event, already reversed
        assert mail.outbox == []
        assert StripeEvent.objects.filter(type="charge.dispute.created").count() == 2
        # a refund arriving after the dispute does not bring a reversed payment back to "refunded"
        svc.payment_apply_refund_total(payment=payment, refunded_total=Decimal("100.00"))
        payment.refresh_from_db()
        assert (payment.status, payment.refunded_amount) == (Payment.Status.REVERSED, Decimal("0.00"))
        invoice.refresh_from_db()
        assert invoice.amount_due == Decimal("100.00")

    def test_a_dispute_of_part_of_a_payment_is_flagged_not_reversed(self, client, localstripe, eur_payer):  # noqa: F811
        invoice = make_invoice(eur_payer.account, "E-1", "300.00")
        payment = paid_debit(client, localstripe, eur_payer, invoice)
        assert localstripe.deliver(client, dispute_event(payment, amount=Decimal("50.00"))).status_code == 200
        payment.refresh_from_db()
        assert payment.status == Payment.Status.SUCCEEDED
        flagged = SecurityEvent.objects.get(event=SecurityEventType.PAYMENT_MISMATCH)
        assert flagged.details["reason"] == "partial dispute" and flagged.account == eur_payer.account

    def test_a_dispute_in_another_currency_or_of_no_payment_of_ours_changes_nothing(
        self,
        client,
        localstripe,
        eur_payer,  # noqa: F811
    ):
        invoice = make_invoice(eur_payer.account, "E-1", "300.00")
        payment = paid_debit(client, localstripe, eur_payer, invoice)
        assert localstripe.deliver(client, dispute_event(payment, currency="USD")).status_code == 200
        unknown = dispute_event(payment, event_id="evt_dispute_x")
        unknown["data"]["object"].update(payment_intent="pi_unknown", charge="ch_unknown")
        assert localstripe.deliver(client, unknown).status_code == 200
        bad_id = dispute_event(payment, event_id="evt_dispute_y")
        bad_id["data"]["object"]["id"] = "not-a-dispute"
        assert localstripe.deliver(client, bad_id).status_code == 200  # malformed: flagged, never a 500
        payment.refresh_from_db()
        assert payment.status == Payment.Status.SUCCEEDED
        assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID

    def test_staff_see_the_disputed_payment_and_the_customer_sees_the_invoice_open(
        self,
        client,
        localstripe,
        eur_payer,  # noqa: F811
    ):
        invoice = make_invoice(eur_payer.account, "E-1", "120.00")
        payment = paid_debit(client, localstripe, eur_payer, invoice)
        assert localstripe.deliver(client, dispute_event(payment)).status_code == 200
        staff = StaffUserFactory(is_superuser=False, email="billing@alpenwerk.example.com")
        staff.groups.add(tenant_staff_groups_ensure(tenant=eur_payer.account.tenant)[StaffRole.BILLING])
        client.force_login(staff)
        listing = client.get("/admin/portal_models/payment/?status=reversed")
        assert listing.status_code == 200 and payment.display_number.encode() in listing.content
        inspect = client.get(reverse("portal_models_payment_modeladmin_inspect", args=[payment.pk]))
        assert inspect.status_code == 200
        assert b"Reversed" in inspect.content and b"Disputed at the payer" in inspect.content


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="row locks need PostgreSQL")
def test_a_staff_refund_and_a_dispute_of_the_same_payment_at_once_do_not_deadlock(localstripe, client):
    """The webhook's dispute holds the payment's invoices (as every payment write takes them first) while a staff
    refund of the same payment starts: the refund waits on the invoices (it must not hold the payment's row, which
    the dispute takes next), the dispute finishes, and the refund then finds the payment taken back."""
    from portal_models.tests.factories import AccountFactory, ContactFactory, LoginContactFactory, TenantFactory

    tenant = TenantFactory(slug="alpenwerk", currency="EUR", bank_debit_enabled=True)
    contact = LoginContactFactory(account=AccountFactory(tenant=tenant), email="jane@alpenwerk.example.com")
    ContactFactory(account=contact.account, is_main=False, is_billing=True, email="ap@alpenwerk.example.com")
    invoice = make_invoice(contact.account, "E-1", "200.00")
    payment = paid_debit(client, localstripe, contact, invoice)
    dispute = dispute_event(payment)["data"]["object"]
    invoices_held, errors, refund_result = threading.Event(), [], []

    def webhook():
        try:
            with transaction.atomic():
                list(Invoice.objects.select_for_update().filter(pk=invoice.pk))  # as the webhook locks first
                invoices_held.set()
                _wait_for_a_blocked_backend()
                svc.payment_dispute_record(dispute)  # then the payment's row
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def refund():
        invoices_held.wait(timeout=10)
        try:
            refund_result.append(svc.payment_apply_refund_total(payment=payment, refunded_total=Decimal("50.00")))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=webhook), threading.Thread(target=refund)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == [] and not any(t.is_alive() for t in threads)
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.REVERSED, Decimal("0.00"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == (InvoiceStatus.OPEN, Decimal("200.00"))


def _wait_for_a_blocked_backend(timeout: float = 10) -> None:
    """Until another backend of this database waits on a lock (the refund queued behind the webhook). Called in
    the webhook's transaction: the activity snapshot is cleared before each look (it is kept per transaction)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.005)  # polling the server's activity view, not waiting for time to pass
    raise AssertionError("the refund never waited on a lock")
