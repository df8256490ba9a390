"""Stripe webhook faults against a real localstripe: bad or expired signatures, replays, events out of order,
unknown types, tampered metadata. Each gets the right status and changes nothing it should not."""

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest

from portal_models.gateways import stripe as gateway
from portal_models.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    SecurityEvent,
    SecurityEventType,
    StripeEvent,
)
from portal_models.services import billing
from portal_models.tests.factories import AccountFactory, LoginContactFactory

from .test_payments import SEED_LINES, make_invoice, start_payment

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "payments": list(Payment.objects.order_by("pk").values_list("pk", "status", "amount", "refunded_amount")),
        "allocations": list(PaymentAllocation.objects.order_by("pk").values_list("pk", "invoice_id", "amount")),
        "invoices": list(Invoice.objects.order_by("pk").values_list("pk", "status", "total", "amount_due")),
        "events": list(StripeEvent.objects.order_by("pk").values_list("event_id")),
    }


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), b"%d.%s" % (timestamp, payload), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def post(client, payload: bytes, signature: str | None):
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
    return client.post("/stripe/webhook/", data=payload, content_type="application/json", **headers)


@pytest.fixture
def invoice(customer_a):
    return make_invoice(customer_a.account, "10020", lines=SEED_LINES)


@pytest.fixture
def succeeded(localstripe, invoice):
    start = start_payment(localstripe, invoice)
    return localstripe.event("payment_intent.succeeded", start.intent.id)


# --- signatures ----------------------------------------------------------------------------------


class TestSignature:
    def test_bad_signatures_are_400_and_change_nothing(self, client, localstripe, succeeded):
        before = snapshot()
        payload = json.dumps(succeeded).encode()
        now = int(time.time())
        for signature in (
            None,
            "",
            "garbage",
            sign(payload, "whsec_wrong", now),
            sign(payload, localstripe.webhook_secret, now).replace("v1=", "v0="),
            f"t={now},v1={'0' * 64}",
        ):
            assert post(client, payload, signature).status_code == 400, signature
        # a valid signature over different bytes
        tampered = json.dumps({**succeeded, "id": "evt_forged"}).encode()
        assert post(client, tampered, sign(payload, localstripe.webhook_secret, now)).status_code == 400
        assert snapshot() == before

    def test_expired_timestamp_is_400(self, client, localstripe, succeeded):
        before = snapshot()
        payload = json.dumps(succeeded).encode()
        old = int(time.time()) - 10 * 60  # outside Stripe's 5-minute tolerance
        assert post(client, payload, sign(payload, localstripe.webhook_secret, old)).status_code == 400
        assert snapshot() == before
        # within the tolerance the very same delivery is accepted (the control)
        recent = int(time.time()) - 60
        assert post(client, payload, sign(payload, localstripe.webhook_secret, recent)).status_code == 200
        assert Payment.objects.count() == 1

    def test_a_thin_event_or_a_body_that_is_not_an_event_is_400(self, client, localstripe, succeeded):
        before = snapshot()
        now = int(time.time())
        for body in ({**succeeded, "object": "v2.core.event"}, [succeeded], "evt"):
            payload = json.dumps(body).encode()
            assert post(client, payload, sign(payload, localstripe.webhook_secret, now)).status_code == 400, body
        payload = b"{not json"
        assert post(client, payload, sign(payload, localstripe.webhook_secret, now)).status_code == 400
        assert snapshot() == before

    def test_only_post(self, client, db):
        assert client.get("/stripe/webhook/").status_code == 405


# --- replays and ordering ------------------------------------------------------------------------


class TestReplayAndOrder:
    def test_replayed_event_is_200_and_recorded_once(self, client, localstripe, succeeded, invoice):
        assert localstripe.deliver(client, succeeded).status_code == 200
        before = snapshot()
        for _ in range(3):
            assert localstripe.deliver(client, succeeded).status_code == 200
        assert snapshot() == before
        assert Payment.objects.get().allocations.get().invoice == invoice

    def test_same_intent_under_a_new_event_id_records_nothing_more(self, client, localstripe, succeeded):
        localstripe.deliver(client, succeeded)
        before = snapshot()
        assert localstripe.deliver(client, {**succeeded, "id": succeeded["id"] + "_again"}).status_code == 200
        assert {k: v for k, v in snapshot().items() if k != "events"} == {
            k: v for k, v in before.items() if k != "events"
        }

    def test_failure_after_success_does_not_downgrade(self, client, localstripe, succeeded, invoice):
        localstripe.deliver(client, succeeded)
        before = snapshot()
        failed = json.loads(json.dumps(succeeded))
        failed.update(id="evt_late_failure", type="payment_intent.payment_failed")
        failed["data"]["object"].update(status="requires_payment_method", last_payment_error={"code": "card_declined"})
        assert localstripe.deliver(client, failed).status_code == 200
        after = snapshot()
        assert after["payments"] == before["payments"] and after["invoices"] == before["invoices"]
        assert after["allocations"] == before["allocations"]
        assert Payment.objects.get().status == Payment.Status.SUCCEEDED
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID

    def test_failure_then_success_of_one_intent_is_one_payment_with_all_its_events(
        self, client, localstripe, succeeded, invoice
    ):
        """A card declined, then the same PaymentIntent paid with another card, then partly refunded: one payment,
        and its page lists the three events of its intent (none of another intent)."""
        intent = succeeded["data"]["object"]["id"]
        failed = json.loads(json.dumps(succeeded))
        failed.update(id="evt_declined_first", type="payment_intent.payment_failed")
        failed["data"]["object"].update(status="requires_payment_method", last_payment_error={"code": "card_declined"})
        assert localstripe.deliver(client, failed).status_code == 200
        assert Payment.objects.get().status == Payment.Status.FAILED
        assert localstripe.deliver(client, succeeded).status_code == 200
        refund = {
            "id": "evt_refund_part",
            "object": "event",
            "type": "charge.refunded",
            "data": {"object": {"id": "ch_1", "object": "charge", "payment_intent": intent, "amount_refunded": 100}},
        }
        assert localstripe.deliver(client, refund).status_code == 200
        other = start_payment(localstripe, make_invoice(invoice.account, "10021", amount=Decimal("10.00")))
        other_event = localstripe.event("payment_intent.succeeded", other.intent.id)
        assert localstripe.deliver(client, other_event).status_code == 200
        payment = Payment.objects.get(stripe_payment_intent_id=intent)
        assert (payment.status, payment.refunded_amount) == (Payment.Status.PARTIALLY_REFUNDED, Decimal("1.00"))
        assert sorted(payment.stripe_events.values_list("event_id", "type")) == sorted(
            [
                ("evt_declined_first", "payment_intent.payment_failed"),
                (succeeded["id"], "payment_intent.succeeded"),
                ("evt_refund_part", "charge.refunded"),
            ]
        )
        assert not Payment(stripe_payment_intent_id=None).stripe_events.exists()  # recorded by staff: none

    def test_a_second_tab_continues_the_same_payment(self, client, localstripe, invoice):
        """Two tabs of one user: the first payment claims the invoice; the second continues it (no second charge).
        Another payer is refused (test_payment_claims)."""
        first = start_payment(localstripe, invoice, nonce="tab-1")
        assert start_payment(localstripe, invoice, nonce="tab-2").intent.id == first.intent.id
        mine = [
            i.id
            for i in gateway.payment_intents_list(since=0, until=2**31)
            if i.metadata.get("portal_account_id") == str(invoice.account_id)
        ]
        assert mine == [first.intent.id]

    def test_success_for_an_invoice_paid_meanwhile_is_kept_for_review(self, client, localstripe, invoice):
        """A check recorded by staff while the card payment was under way: the card's money is recorded (it was
        taken) but pays nothing more."""
        second = start_payment(localstripe, invoice, nonce="tab-2")
        billing.payment_record(account=invoice.account, method=Payment.Method.CHECK, amount=Decimal("6100.00"))
        invoice.refresh_from_db()
        paid = (invoice.status, invoice.amount_paid, invoice.amount_due, invoice.total)
        allocations = snapshot()["allocations"]
        response = localstripe.deliver(client, localstripe.event("payment_intent.succeeded", second.intent.id))
        assert response.status_code == 200
        invoice.refresh_from_db()
        assert (invoice.status, invoice.amount_paid, invoice.amount_due, invoice.total) == paid
        assert snapshot()["allocations"] == allocations
        late = Payment.objects.get(stripe_payment_intent_id=second.intent.id)
        assert late.notes and not late.allocations.exists()

    def test_unknown_event_types_are_acknowledged_and_ignored(self, client, localstripe, succeeded):
        before = snapshot()
        for kind in ("customer.created", "payment_intent.created", "charge.dispute.created", "invoice.paid"):
            event = {**succeeded, "id": f"evt_{kind}", "type": kind}
            assert localstripe.deliver(client, event).status_code == 200
        assert snapshot() == before

    def test_refund_of_an_unknown_payment_is_ignored(self, client, localstripe, succeeded):
        before = snapshot()
        refund = {
            "id": "evt_refund_unknown",
            "object": "event",
            "type": "charge.refunded",
            "data": {
                "object": {"id": "ch_x", "object": "charge", "payment_intent": "pi_unknown", "amount_refunded": 100}
            },
        }
        assert localstripe.deliver(client, refund).status_code == 200
        assert {k: v for k, v in snapshot().items() if k != "events"} == {
            k: v for k, v in before.items() if k != "events"
        }


# --- tampered metadata and amounts ----------------------------------------------------------------


class TestMetadata:
    def test_metadata_naming_another_accounts_invoice_is_refused_and_flagged(
        self, client, localstripe, succeeded, invoice
    ):
        other = make_invoice(LoginContactFactory(account=AccountFactory(tenant=invoice.tenant)).account, "X1", "50")
        event = json.loads(json.dumps(succeeded))
        meta = event["data"]["object"]["metadata"]
        meta["invoices"] = f"{meta['invoices']},{other.pk}:50.00"
        assert localstripe.deliver(client, event).status_code == 200
        other.refresh_from_db()
        assert (other.status, other.amount_due) == (InvoiceStatus.OPEN, Decimal("50.00"))
        assert not Payment.objects.exists() and not PaymentAllocation.objects.exists()
        flagged = SecurityEvent.objects.get(event=SecurityEventType.PAYMENT_MISMATCH)
        assert flagged.account == invoice.account and flagged.details["stripe_event_id"] == succeeded["id"]

    def test_metadata_naming_another_account_does_not_pay_its_invoices(self, client, localstripe, succeeded, invoice):
        """The charge was made on our customer's card: metadata pointing at another account pays nothing there."""
        victim = LoginContactFactory(account=AccountFactory(tenant=invoice.tenant)).account
        theirs = make_invoice(victim, "V1", lines=SEED_LINES)  # same amount, so the sums would match
        event = json.loads(json.dumps(succeeded))
        meta = event["data"]["object"]["metadata"]
        meta["portal_account_id"] = str(victim.pk)
        meta["invoices"] = f"{theirs.pk}:6100.00"
        assert localstripe.deliver(client, event).status_code == 200
        theirs.refresh_from_db()
        assert (theirs.status, theirs.amount_due) == (InvoiceStatus.OPEN, Decimal("6100.00"))
        assert not Payment.objects.filter(account=victim).exists()

    def test_smaller_amount_than_the_metadata_says_is_refused_and_flagged(
        self, client, localstripe, succeeded, invoice
    ):
        event = json.loads(json.dumps(succeeded))
        event["data"]["object"]["amount"] = event["data"]["object"]["amount_received"] = 100  # $1.00
        response = localstripe.deliver(client, event)
        assert response.status_code == 200
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.OPEN and invoice.amount_due == Decimal("6100.00")
        assert not Payment.objects.exists()
        assert SecurityEvent.objects.get(event=SecurityEventType.PAYMENT_MISMATCH).details["reason"] == "amount"

    def test_other_currency_does_not_mark_paid(self, client, localstripe, succeeded, invoice):
        event = json.loads(json.dumps(succeeded))
        event["data"]["object"]["currency"] = "jpy"
        assert localstripe.deliver(client, event).status_code == 200
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.OPEN and not invoice.lines.filter(kind="card_fee").exists()

    def test_malformed_metadata_is_acknowledged_without_recording(self, client, localstripe, succeeded):
        event = json.loads(json.dumps(succeeded))
        event["data"]["object"]["metadata"]["invoices"] = "abc:def,<script>"
        event["data"]["object"]["metadata"]["fee"] = "NaN"
        response = localstripe.deliver(client, event)
        assert response.status_code == 200
        assert not PaymentAllocation.objects.exists()
        assert Invoice.objects.get().status == InvoiceStatus.OPEN
