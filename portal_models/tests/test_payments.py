"""Card payments against a real localstripe server: fees, webhook recording, declines, 3-D Secure, outages."""

import os
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal_models.models import (
    Account,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    SecurityEvent,
    SecurityEventType,
    StripeEvent,
)
from portal_models.services import billing
from portal_models.services import payments as svc
from portal_models.services.outgoing_webhooks import webhook_emit
from portal_models.tests.factories import AccountFactory, LoginContactFactory, TenantFactory

from .localstripe import CardRefused, free_port

SEED_LINES = [
    {"description": "QMS Web Subscription", "unit_price": "1600.00"},
    {"description": "QMS Software Training Package", "unit_price": "3000.00"},
    {"description": "QMS Initial Implementation & Configuration", "unit_price": "1500.00"},
]


def make_invoice(account, number, amount=None, lines=None, due=None):
    return billing.invoice_create(
        account=account,
        number=number,
        lines=lines or [{"description": "Service", "unit_price": str(amount)}],
        invoice_date=date(2022, 8, 26),
        due_date=due or date(2022, 9, 26),
    )


@pytest.fixture
def seed_invoice(customer_a):
    return make_invoice(customer_a.account, "10020", lines=SEED_LINES)


# --- Fee policy ----------------------------------------------------------------------------------


def warm_webhook_subscriptions(tenant_id):
    """The tenant's subscribed outgoing-webhook events are cached after its first event (one query then, none
    after): warm them, as in production, so that the statement counts below are the steady state's."""
    assert webhook_emit(tenant_id=tenant_id, event="payment.recorded", data={}) == []


class TestFee:
    def test_exactly_the_threshold_has_no_fee(self, db):
        account = AccountFactory()
        quote = svc.payment_quote(account=account, invoice_ids=[make_invoice(account, "1", "5000.00").pk])
        assert (quote.fee, quote.total, quote.fee_parts) == (Decimal("0.00"), Decimal("5000.00"), {})

    def test_one_cent_over_the_threshold_has_the_fee(self, db):
        account = AccountFactory()
        quote = svc.payment_quote(account=account, invoice_ids=[make_invoice(account, "1", "5000.01").pk])
        assert quote.fee == Decimal("150.00")
        assert quote.total == Decimal("5150.01")

    def test_seed_invoice_fee(self, seed_invoice):
        quote = svc.payment_quote(account=seed_invoice.account, invoice_ids=[seed_invoice.pk])
        assert (quote.subtotal, quote.fee, quote.total) == (Decimal("6100.00"), Decimal("183.00"), Decimal("6283.00"))

    def test_several_invoices_share_the_fee_in_proportion(self, db):
        account = AccountFactory()
        a = make_invoice(account, "1", "3000.00")
        b = make_invoice(account, "2", "2500.00")
        quote = svc.payment_quote(account=account)  # all open invoices
        assert quote.subtotal == Decimal("5500.00") and quote.fee == Decimal("165.00")
        assert quote.fee_parts == {a.pk: Decimal("90.00"), b.pk: Decimal("75.00")}

    def test_partial_selection_is_below_the_threshold(self, db):
        account = AccountFactory()
        a = make_invoice(account, "1", "3000.00")
        make_invoice(account, "2", "2500.00")
        quote = svc.payment_quote(account=account, invoice_ids=[a.pk])
        assert (quote.total, quote.fee) == (Decimal("3000.00"), Decimal("0.00"))

    def test_zero_decimal_currency(self, db):
        tenant = TenantFactory(currency="JPY", card_fee_threshold=Decimal("500000"))
        account = AccountFactory(tenant=tenant)
        invoice = make_invoice(account, "1", "600001")
        quote = svc.payment_quote(account=account, invoice_ids=[invoice.pk])
        assert quote.fee == Decimal("18000") and quote.total == Decimal("618001")

    def test_other_currency_and_policy(self, db):
        tenant = TenantFactory(currency="EUR", card_fee_percent=Decimal("2.50"), card_fee_threshold=Decimal("1000"))
        account = AccountFactory(tenant=tenant)
        invoice = make_invoice(account, "1", "1234.56")
        assert svc.payment_quote(account=account, invoice_ids=[invoice.pk]).fee == Decimal("30.86")

    def test_no_fee_policy(self, db):
        tenant = TenantFactory(card_fee_percent=Decimal("0"))
        account = AccountFactory(tenant=tenant)
        invoice = make_invoice(account, "1", "9000.00")
        assert svc.payment_quote(account=account, invoice_ids=[invoice.pk]).fee == Decimal("0.00")

    def test_another_accounts_invoice_cannot_be_quoted(self, seed_invoice):
        with pytest.raises(ValidationError):
            svc.payment_quote(account=AccountFactory(), invoice_ids=[seed_invoice.pk])


# --- Paying, recording from the webhook ----------------------------------------------------------


def start_payment(localstripe, invoice, number="4242424242424242", *, save_card=False, nonce="n1"):
    account = invoice.account
    secret = svc.setup_intent_start(account=account, contact=None, nonce=nonce)
    pm = localstripe.confirm_setup(secret, number)
    user = account.contacts.first().user if account.contacts.exists() else None
    return svc.payment_start(
        account=account,
        user=user,
        payer_name="John Doe",
        invoice_ids=[invoice.pk],
        payment_method_id=pm,
        save_card=save_card,
        nonce=nonce,
    )


def assert_unchanged(invoice):
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN and invoice.amount_due == Decimal("6100.00")
    assert not invoice.lines.filter(kind=InvoiceLine.Kind.CARD_FEE).exists()
    assert not Payment.objects.filter(status=Payment.Status.SUCCEEDED).exists()


class TestWebhook:
    def test_bad_signature_is_refused_and_records_nothing(self, client, localstripe, seed_invoice):
        start = start_payment(localstripe, seed_invoice)
        event = localstripe.event("payment_intent.succeeded", start.intent.id)
        response = localstripe.deliver(client, event, secret="whsec_wrong")
        assert response.status_code == 400
        response = client.post("/stripe/webhook/", data=b"{}", content_type="application/json")
        assert response.status_code == 400
        assert not StripeEvent.objects.exists() and not Payment.objects.exists()
        assert_unchanged(seed_invoice)

    def test_same_event_twenty_times_records_one_payment(
        self, client, localstripe, seed_invoice, django_capture_on_commit_callbacks
    ):
        start = start_payment(localstripe, seed_invoice)
        assert start.intent.succeeded and start.quote.total == Decimal("6283.00")
        event = localstripe.event("payment_intent.succeeded", start.intent.id)
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(20):
                assert localstripe.deliver(client, event).status_code == 200
        payment = Payment.objects.get()
        assert (payment.amount, payment.fee_amount, payment.status) == (
            Decimal("6283.00"),
            Decimal("183.00"),
            Payment.Status.SUCCEEDED,
        )
        assert (payment.card_last4, payment.payer_name) == ("4242", "John Doe")
        assert list(payment.stripe_events) == [StripeEvent.objects.get()]
        seed_invoice.refresh_from_db()
        assert seed_invoice.status == InvoiceStatus.PAID
        assert (seed_invoice.total, seed_invoice.amount_paid, seed_invoice.amount_due) == (
            Decimal("6283.00"),
            Decimal("6283.00"),
            Decimal("0.00"),
        )
        fee = seed_invoice.lines.get(kind=InvoiceLine.Kind.CARD_FEE)
        assert (fee.description, fee.line_total) == ("Credit Card Fee", Decimal("183.00"))
        assert payment.allocations.get().amount == Decimal("6283.00")
        # the receipt went to the payer / billing contacts
        assert len(mail.outbox) == 1 and "6,283.00" in mail.outbox[0].body

    def test_the_receipt_is_a_background_task_not_part_of_the_webhook(
        self, client, localstripe, seed_invoice, django_capture_on_commit_callbacks, settings
    ):
        """With a real task queue, the webhook answers without sending mail; the worker sends the receipt."""
        from django_tasks import default_task_backend
        from django_tasks_db.models import DBTaskResult

        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        assert default_task_backend.alias == "default"
        start = start_payment(localstripe, seed_invoice)
        event = localstripe.event("payment_intent.succeeded", start.intent.id)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert localstripe.deliver(client, event).status_code == 200
        payment = Payment.objects.get()
        assert mail.outbox == []
        # the receipt's row and the card's detach were written in the payment's transaction, not after it
        assert callbacks == []
        queued = DBTaskResult.objects.get(task_path="portal_models.services.payments.payment_receipt_task")
        assert queued.args_kwargs["args"] == [payment.pk]
        assert svc.payment_receipt_task.call(payment.pk) == 1
        assert len(mail.outbox) == 1 and "6,283.00" in mail.outbox[0].body
        # the task run again (a worker killed before it was marked done) finds the receipt sent
        assert svc.payment_receipt_task.call(payment.pk) == 0
        assert len(mail.outbox) == 1 and Payment.objects.get(pk=payment.pk).receipt_sent_at is not None

    def test_one_event_takes_fifteen_statements_in_one_atomic_block(
        self, client, localstripe, customer_a, django_capture_on_commit_callbacks
    ):
        """payment_intent.succeeded without a fee: the event row (naming its intent, so no second write links it
        to the payment); the PaymentIntent's payment (none), the account, the invoices locked once, the payer; the
        payment, one data_version bump, its allocation; the invoice's payment sum (its lines and credits did not
        change), its update; the audit event; releasing the intent's claims on the invoices; the tenant's next
        receipt number. All in the event's own atomic block (a savepoint here, as the test runs in a transaction;
        BEGIN/COMMIT in production, with the receipt task's row before the COMMIT), without a savepoint of
        payment_record's."""
        invoice = make_invoice(customer_a.account, "20001", amount=Decimal("400.00"))
        start = start_payment(localstripe, invoice)
        event = localstripe.event("payment_intent.succeeded", start.intent.id)
        version = Account.objects.get(pk=customer_a.account_id).data_version
        warm_webhook_subscriptions(customer_a.account.tenant_id)
        with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as queries:
            assert localstripe.deliver(client, event).status_code == 200
        sql = [q["sql"] for q in queries.captured_queries]
        assert len(sql) == 15, "\n".join(sql)
        assert not any(s.startswith('UPDATE "portal_models_stripeevent"') for s in sql)
        assert not any('"portal_models_invoiceline"' in s for s in sql)
        assert [s.split(" ")[0] for s in sql].count("SAVEPOINT") == 1
        assert sum(s.startswith('UPDATE "portal_models_account"') for s in sql) == 1
        assert sum(s.startswith('SELECT "portal_models_invoice"') for s in sql) == 1  # the lock
        assert Account.objects.get(pk=customer_a.account_id).data_version > version
        invoice.refresh_from_db()
        assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (InvoiceStatus.PAID, Decimal("400"), 0)
        # the receipt is a task enqueued once the transaction commits, never before
        assert mail.outbox == [] and len(callbacks) == 2  # the receipt, and detaching the card not to be saved
        for callback in callbacks:
            callback()
        assert len(mail.outbox) == 1 and "400.00" in mail.outbox[0].body

    def test_an_event_with_a_fee_line_bumps_the_cache_version_once_per_saved_row(
        self, client, localstripe, seed_invoice, django_capture_on_commit_callbacks
    ):
        """The fee line is stored with its line total and bumps the account's data_version (the invoice's new
        totals are written in the same transaction); the payment bumps it once more."""
        start = start_payment(localstripe, seed_invoice)
        event = localstripe.event("payment_intent.succeeded", start.intent.id)
        warm_webhook_subscriptions(seed_invoice.tenant_id)
        with django_capture_on_commit_callbacks(), CaptureQueriesContext(connection) as queries:
            assert localstripe.deliver(client, event).status_code == 200
        sql = [q["sql"] for q in queries.captured_queries]
        assert len(sql) == 21, "\n".join(sql)  # 20 + the receipt number
        assert sum(s.startswith('UPDATE "portal_models_account"') for s in sql) == 2
        assert not any(s.startswith('UPDATE "portal_models_invoiceline"') for s in sql)
        assert seed_invoice.lines.get(kind=InvoiceLine.Kind.CARD_FEE).line_total == Decimal("183.00")

    def test_a_replayed_event_writes_nothing(
        self, client, localstripe, seed_invoice, django_capture_on_commit_callbacks
    ):
        start = start_payment(localstripe, seed_invoice)
        event = localstripe.event("payment_intent.succeeded", start.intent.id)
        with django_capture_on_commit_callbacks(execute=True):
            assert localstripe.deliver(client, event).status_code == 200
        version = Account.objects.get(pk=seed_invoice.account_id).data_version
        with django_capture_on_commit_callbacks() as callbacks, CaptureQueriesContext(connection) as queries:
            assert localstripe.deliver(client, event).status_code == 200
        writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
        assert len(writes) == 1 and writes[0].startswith('INSERT INTO "portal_models_stripeevent"')  # refused
        assert callbacks == [] and len(mail.outbox) == 1
        assert Account.objects.get(pk=seed_invoice.account_id).data_version == version  # the caches stay valid
        assert Payment.objects.count() == StripeEvent.objects.count() == 1
        assert SecurityEvent.objects.filter(event=SecurityEventType.PAYMENT_RECORDED).count() == 1

    @pytest.mark.parametrize(
        "backend", ["django_tasks.backends.immediate.ImmediateBackend", "django_tasks_db.DatabaseBackend"]
    )
    def test_no_receipt_when_the_transaction_rolls_back(
        self, localstripe, seed_invoice, django_capture_on_commit_callbacks, settings, backend
    ):
        from django_tasks_db.models import DBTaskResult

        start = start_payment(localstripe, seed_invoice)
        obj = localstripe.event("payment_intent.succeeded", start.intent.id)["data"]["object"]
        settings.TASKS = {"default": {"BACKEND": backend}}
        receipts = DBTaskResult.objects.filter(task_path="portal_models.services.payments.payment_receipt_task")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                assert svc.payment_record_from_intent(obj).status == Payment.Status.SUCCEEDED
                assert mail.outbox == []  # not before the commit
                # the database queue's row is part of the transaction; the immediate backend waits for the commit
                assert receipts.exists() == backend.endswith("DatabaseBackend")
                raise RuntimeError("something failed after the payment was recorded")
        assert callbacks == [] and mail.outbox == [] and not receipts.exists()
        assert_unchanged(seed_invoice)

    def test_a_tampered_fee_is_refused_and_flagged(self, client, localstripe, seed_invoice):
        start = start_payment(localstripe, seed_invoice)
        event = localstripe.event("payment_intent.succeeded", start.intent.id)
        event["data"]["object"]["metadata"]["fee"] = "0.00"
        assert localstripe.deliver(client, event).status_code == 200
        assert not Payment.objects.exists()
        assert not seed_invoice.lines.filter(kind=InvoiceLine.Kind.CARD_FEE).exists()
        assert SecurityEvent.objects.filter(event=SecurityEventType.PAYMENT_MISMATCH).count() == 1

    def test_card_not_asked_to_be_saved_is_detached(
        self, client, localstripe, seed_invoice, django_capture_on_commit_callbacks
    ):
        start = start_payment(localstripe, seed_invoice)
        event = localstripe.event("payment_intent.succeeded", start.intent.id)
        pm = event["data"]["object"]["payment_method"]
        assert localstripe.card_customer(pm) == seed_invoice.account.stripe_customer_id
        with django_capture_on_commit_callbacks(execute=True):
            localstripe.deliver(client, event)
        assert localstripe.card_customer(pm) is None
        assert not PaymentMethod.objects.exists()

    def test_the_webhook_makes_no_stripe_call_the_worker_detaches_the_card(
        self, client, localstripe, seed_invoice, django_capture_on_commit_callbacks, settings
    ):
        """With the production queue, the webhook's request talks to no outside service: the card the customer
        did not save is still attached when it has answered; the worker's task detaches it."""
        from django_tasks_db.models import DBTaskResult

        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        start = start_payment(localstripe, seed_invoice)
        event = localstripe.event("payment_intent.succeeded", start.intent.id)
        pm = event["data"]["object"]["payment_method"]
        customer = seed_invoice.account.stripe_customer_id
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert localstripe.deliver(client, event).status_code == 200
        assert callbacks == []  # nothing runs after the commit inside the request either
        assert localstripe.card_customer(pm) == customer  # Stripe was not called
        queued = DBTaskResult.objects.get(task_path="portal_models.services.payments.payment_method_detach_task")
        assert queued.args_kwargs["args"] == [pm]
        assert svc.payment_method_detach_task.call(pm) == 1
        assert localstripe.card_customer(pm) is None
        assert svc.payment_method_detach_task.call(pm) == 1  # run again (a worker restarted): harmless

    def test_card_asked_to_be_saved_is_kept_as_default(self, client, localstripe, seed_invoice):
        start = start_payment(localstripe, seed_invoice, save_card=True)
        localstripe.deliver(client, localstripe.event("payment_intent.succeeded", start.intent.id))
        method = PaymentMethod.objects.get(account=seed_invoice.account)
        assert (method.last4, method.is_default) == ("4242", True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="concurrent deliveries need PostgreSQL"
)
def test_twenty_concurrent_deliveries_record_one_payment(localstripe):
    contact = LoginContactFactory(account=AccountFactory())
    invoice = make_invoice(contact.account, "10020", lines=SEED_LINES)
    start = start_payment(localstripe, invoice)
    event = localstripe.event("payment_intent.succeeded", start.intent.id)
    barrier = threading.Barrier(20)
    codes = []

    def deliver():
        from django.db import connection

        barrier.wait()
        codes.append(localstripe.deliver(Client(), event).status_code)
        connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 20
    assert Payment.objects.count() == 1 and StripeEvent.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("6283.00") and invoice.lines.filter(kind="card_fee").count() == 1


class TestDeclinesAndAuthentication:
    def test_card_declined_at_setup_never_reaches_us(self, localstripe, seed_invoice):
        secret = svc.setup_intent_start(account=seed_invoice.account, contact=None, nonce="x")
        with pytest.raises(CardRefused, match="declined"):
            localstripe.confirm_setup(secret, "4000000000000002")
        assert_unchanged(seed_invoice)

    def test_declined_card_gets_a_clear_message_and_changes_nothing(self, localstripe, seed_invoice):
        svc.customer_ensure(account=seed_invoice.account)
        pm = localstripe.create_card("4000000000000002")
        with pytest.raises(svc.PaymentDeclined, match="Your card was declined"):
            svc.payment_start(
                account=seed_invoice.account,
                user=None,
                payer_name="John Doe",
                invoice_ids=[seed_invoice.pk],
                payment_method_id=pm,
                save_card=True,
                nonce="d",
            )
        assert_unchanged(seed_invoice)
        assert not PaymentMethod.objects.exists() and not Payment.objects.exists()

    def test_declined_charge_records_the_failure(self, client, localstripe, seed_invoice):
        with pytest.raises(svc.PaymentDeclined) as exc:
            start_payment(localstripe, seed_invoice, "4000000000000341")
        assert "declined" in str(exc.value)
        failed = [
            e
            for e in localstripe.events_all("payment_intent.payment_failed")
            if e["data"]["object"]["metadata"].get("portal_account_id") == str(seed_invoice.account_id)
        ]
        assert failed
        localstripe.deliver(client, failed[-1])
        payment = Payment.objects.get()
        assert payment.status == Payment.Status.FAILED and "declined" in payment.failure_reason
        assert_unchanged(seed_invoice)

    def test_three_d_secure_completed(self, client, localstripe, seed_invoice):
        start = start_payment(localstripe, seed_invoice, "4000002500003155")
        assert start.intent.requires_action and start.intent.client_secret
        assert svc.payment_outcome(account=seed_invoice.account, intent_id=start.intent.id).state == "processing"
        localstripe.authenticate_payment(start.intent.client_secret, success=True)
        localstripe.deliver(client, localstripe.event("payment_intent.succeeded", start.intent.id))
        outcome = svc.payment_outcome(account=seed_invoice.account, intent_id=start.intent.id)
        assert outcome.state == "succeeded" and outcome.payment.amount == Decimal("6283.00")
        seed_invoice.refresh_from_db()
        assert seed_invoice.status == InvoiceStatus.PAID

    def test_three_d_secure_cancelled(self, localstripe, seed_invoice):
        start = start_payment(localstripe, seed_invoice, "4000002500003155")
        localstripe.authenticate_payment(start.intent.client_secret, success=False)
        outcome = svc.payment_outcome(account=seed_invoice.account, intent_id=start.intent.id)
        assert outcome.state == "failed" and "3-D Secure" in outcome.message
        assert not localstripe.events("payment_intent.succeeded", start.intent.id)
        assert_unchanged(seed_invoice)


class TestServiceUnavailable:
    def test_unreachable_stripe_records_nothing(self, settings, seed_invoice):
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
        with pytest.raises(svc.PaymentServiceUnavailable, match="payment service is unavailable"):
            svc.payment_start(
                account=seed_invoice.account,
                user=None,
                payer_name="x",
                invoice_ids=[seed_invoice.pk],
                payment_method_id="pm_123",
                save_card=False,
                nonce="u",
            )
        assert_unchanged(seed_invoice)
        seed_invoice.account.refresh_from_db()
        assert seed_invoice.account.stripe_customer_id == ""


# --- Refunds and autopay -------------------------------------------------------------------------


@pytest.fixture
def paid(client, localstripe, seed_invoice):
    start = start_payment(localstripe, seed_invoice)
    localstripe.deliver(client, localstripe.event("payment_intent.succeeded", start.intent.id))
    return Payment.objects.get()


class TestRefunds:
    def test_partial_then_full_refund(self, paid, seed_invoice):
        payment = svc.payment_refund(payment=paid, amount=Decimal("283.00"))
        assert (payment.status, payment.refunded_amount) == (Payment.Status.PARTIALLY_REFUNDED, Decimal("283.00"))
        seed_invoice.refresh_from_db()
        assert (seed_invoice.status, seed_invoice.amount_due) == (InvoiceStatus.PARTIALLY_PAID, Decimal("283.00"))
        payment = svc.payment_refund(payment=payment, amount=Decimal("6000.00"))
        assert payment.status == Payment.Status.REFUNDED
        seed_invoice.refresh_from_db()
        assert seed_invoice.status == InvoiceStatus.OPEN and seed_invoice.amount_due == Decimal("6283.00")

    def test_refund_more_than_paid_is_refused(self, paid):
        with pytest.raises(ValidationError):
            svc.payment_refund(payment=paid, amount=Decimal("7000.00"))
        paid.refresh_from_db()
        assert paid.refunded_amount == 0

    def test_replayed_refund_totals_change_nothing_twice(self, paid):
        svc.payment_apply_refund_total(payment=paid, refunded_total=Decimal("100.00"))
        svc.payment_apply_refund_total(payment=paid, refunded_total=Decimal("100.00"))
        svc.payment_apply_refund_total(payment=paid, refunded_total=Decimal("50.00"))  # out of order
        paid.refresh_from_db()
        assert paid.refunded_amount == Decimal("100.00")
        assert Invoice.objects.get().amount_due == Decimal("100.00")


class TestAutopay:
    def test_autopay_needs_a_default_card(self, seed_invoice):
        with pytest.raises(ValidationError):
            svc.autopay_set(account=seed_invoice.account, enabled=True)

    def test_charges_due_invoices_once(self, localstripe, customer_a):
        account = customer_a.account
        invoice = make_invoice(account, "A1", "120.00", due=date.today() - timedelta(days=1))
        make_invoice(account, "A2", "80.00", due=date.today() + timedelta(days=10))
        secret = svc.setup_intent_start(account=account, contact=None, nonce="a")
        svc.payment_method_add(account=account, payment_method_id=localstripe.confirm_setup(secret, "4242424242424242"))
        svc.autopay_set(account=account, enabled=True)
        report = svc.autopay_charge_due()
        assert len(report.charged) == 1 and not report.failed
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID
        assert svc.autopay_charge_due().charged == []
        assert Payment.objects.count() == 1


def test_migration_names_the_intent_of_events_stored_before_it(db):
    """0014 fills in the PaymentIntent of every stored event from its payload: an intent's own events, a charge's
    by its intent, nothing for other objects."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("portal_models.migrations.0014_stripe_event_intent")

    def stored(n, obj):
        return StripeEvent.objects.create(event_id=f"evt_old_{n}", type="x", payload={"data": {"object": obj}})

    events = [
        stored(1, {"id": "pi_1", "object": "payment_intent"}),
        stored(2, {"id": "ch_1", "object": "charge", "payment_intent": "pi_1"}),
        stored(3, {"id": "ch_2", "object": "charge", "payment_intent": {"id": "pi_2"}}),
        stored(4, {"id": "cus_1", "object": "customer"}),
    ]
    migration.fill_intents(apps, None)
    assert [StripeEvent.objects.get(pk=e.pk).payment_intent_id for e in events] == ["pi_1", "pi_1", "pi_2", ""]
    # and the migration's reading of a payload is the webhook's
    assert [svc._event_intent_id(e.payload["data"]["object"]) for e in events] == ["pi_1", "pi_1", "pi_2", ""]
