"""Bank debits (SEPA Direct Debit) against a real localstripe server, and business checks: the payment-method type
table, setup under the mandate, processing then paid or failed on the webhook (in either order), the declined IBAN,
autopay by bank account, no card fee; a check announced, recorded received or not received."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal_models.gateways import stripe as gateway
from portal_models.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentClaim,
    PaymentMethod,
    PromisedCheck,
    StaffRole,
)
from portal_models.services import billing
from portal_models.services import checks as check_svc
from portal_models.services import payments as svc
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import (
    AccountFactory,
    ContactFactory,
    LoginContactFactory,
    StaffUserFactory,
    TenantFactory,
)

GOOD_IBAN = "DE89370400440532013000"
DECLINED_IBAN = "DE62370400440532013001"  # localstripe (and Stripe's test mode): the debit fails after processing


def make_invoice(account, number, amount, due=None):
    return billing.invoice_create(
        account=account,
        number=number,
        lines=[{"description": "Service", "unit_price": str(amount)}],
        invoice_date=date(2026, 11, 1),
        due_date=due or date(2026, 12, 1),
    )


@pytest.fixture
def eur_payer(db):
    tenant = TenantFactory(slug="alpenwerk", currency="EUR", bank_debit_enabled=True)
    contact = LoginContactFactory(account=AccountFactory(tenant=tenant), email="jane@alpenwerk.example.com")
    ContactFactory(account=contact.account, is_main=False, is_billing=True, email="ap@alpenwerk.example.com")
    return contact


def bank_account(localstripe, account, iban=GOOD_IBAN, nonce="b1") -> str:
    secret = svc.setup_intent_start(account=account, contact=None, nonce=nonce, method="sepa_debit")
    return localstripe.confirm_sepa_setup(secret, iban)


def start_debit(localstripe, contact, invoice, iban=GOOD_IBAN, *, nonce="n1", save=False):
    pm = bank_account(localstripe, contact.account, iban, nonce=nonce)
    return svc.payment_start(
        account=contact.account,
        user=contact.user,
        payer_name="Jane Doe",
        invoice_ids=[invoice.pk],
        payment_method_id=pm,
        save_card=save,
        nonce=nonce,
        method="sepa_debit",
        mandate_accepted=True,
    )


def processing_event(localstripe, intent_id: str) -> dict:
    """Stripe's payment_intent.processing (localstripe sends none): the intent as it is while it settles."""
    obj = localstripe.intent(intent_id)
    return {"id": f"evt_processing_{intent_id}", "type": "payment_intent.processing", "data": {"object": obj}}


class TestMethodTypes:
    def test_one_table_offers_bank_debit_in_eur_only_when_enabled(self):
        assert [t.code for t in gateway.method_types_for(currency="EUR", bank_debit=True)] == ["card", "sepa_debit"]
        assert [t.code for t in gateway.method_types_for(currency="EUR", bank_debit=False)] == ["card"]
        assert [t.code for t in gateway.method_types_for(currency="USD", bank_debit=True)] == ["card"]

    def test_ach_is_declared_but_not_supported_offline(self):
        ach = gateway.METHOD_TYPES["us_bank_account"]
        assert not ach.supported and ach.settles_later
        assert gateway.method_type("us_bank_account").code == "card"  # never offered, never used

    def test_bank_debit_has_no_card_fee(self, eur_payer):
        invoice = make_invoice(eur_payer.account, "E-1", "6000.00")  # over the card fee's threshold
        card = svc.payment_quote(account=eur_payer.account, invoice_ids=[invoice.pk])
        bank = svc.payment_quote(account=eur_payer.account, invoice_ids=[invoice.pk], method="sepa_debit")
        assert card.fee == Decimal("180.00")
        assert (bank.fee, bank.total, bank.fee_parts) == (Decimal("0.00"), Decimal("6000.00"), {})

    def test_a_tenant_without_bank_debit_refuses_one(self, localstripe, eur_payer):
        tenant = eur_payer.account.tenant
        invoice = make_invoice(eur_payer.account, "E-1", "100.00")
        pm = bank_account(localstripe, eur_payer.account)
        tenant.bank_debit_enabled = False
        tenant.save()
        with pytest.raises(ValidationError):
            svc.payment_start(
                account=eur_payer.account,
                user=eur_payer.user,
                payer_name="Jane",
                invoice_ids=[invoice.pk],
                payment_method_id=pm,
                save_card=False,
                nonce="x",
                method="sepa_debit",
            )
        assert not PaymentClaim.objects.exists()


class TestSepaDebit:
    def test_setup_keeps_the_bank_account_under_its_mandate(self, localstripe, eur_payer):
        pm = bank_account(localstripe, eur_payer.account)
        with pytest.raises(ValidationError):  # no mandate, no bank account
            svc.payment_method_add(account=eur_payer.account, payment_method_id=pm, method="sepa_debit")
        method = svc.payment_method_add(
            account=eur_payer.account, payment_method_id=pm, method="sepa_debit", mandate_accepted=True
        )
        assert (method.type, method.last4, method.bank_code, method.country) == ("sepa_debit", "3000", "37040044", "DE")
        assert method.is_default and method.mandate_accepted_at is not None and method.mandate_reference
        assert method.is_bank_account and "3000" in str(method)
        with pytest.raises(ValidationError):  # a bank account is not a card
            svc.card_for_account(account=eur_payer.account, payment_method_id=pm)

    def test_processing_then_paid_on_the_webhook(
        self, client, localstripe, eur_payer, django_capture_on_commit_callbacks
    ):
        invoice = make_invoice(eur_payer.account, "E-1", "6000.00")
        start = start_debit(localstripe, eur_payer, invoice, save=True)
        # Stripe answers "processing"; localstripe "succeeded" at once, with the webhook a moment later. Either
        # way nothing is paid until the webhook records it: the invoice is claimed meanwhile.
        assert start.intent.status in ("processing", "succeeded") and start.quote.fee == Decimal("0.00")
        assert not Payment.objects.exists()
        assert start.intent.amount == Decimal("6000.00")
        claim = PaymentClaim.objects.get(invoice=invoice)
        assert claim.payment_intent_id == start.intent.id and claim.expires_at > timezone.now() + timedelta(days=13)
        assert svc.payment_outcome(account=eur_payer.account, intent_id=start.intent.id).state == "processing"
        other = LoginContactFactory(account=eur_payer.account)
        with pytest.raises(svc.PaymentInProgress):  # being paid: can't be paid again
            svc.payment_in_progress_check(account=eur_payer.account, invoice_ids=[invoice.pk], user=other.user)
        assert PaymentMethod.objects.get(account=eur_payer.account).type == "sepa_debit"

        event = localstripe.wait_event("payment_intent.succeeded", start.intent.id)
        with django_capture_on_commit_callbacks(execute=True):
            assert localstripe.deliver(client, event).status_code == 200
        payment = Payment.objects.get(stripe_payment_intent_id=start.intent.id)
        assert (payment.method, payment.status, payment.amount, payment.fee_amount, payment.currency) == (
            Payment.Method.BANK_DEBIT,
            Payment.Status.SUCCEEDED,
            Decimal("6000.00"),
            Decimal("0.00"),
            "EUR",
        )
        assert payment.card_last4 == "3000"
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID and invoice.amount_due == Decimal("0.00")
        assert not invoice.lines.filter(kind=InvoiceLine.Kind.CARD_FEE).exists()
        assert not PaymentClaim.objects.exists()
        outcome = svc.payment_outcome(account=eur_payer.account, intent_id=start.intent.id)
        assert outcome.state == "succeeded" and outcome.settles_later

    def test_declined_iban_fails_after_processing_reopens_and_tells_them(
        self, client, localstripe, eur_payer, django_capture_on_commit_callbacks
    ):
        invoice = make_invoice(eur_payer.account, "E-1", "250.00")
        start = start_debit(localstripe, eur_payer, invoice, DECLINED_IBAN)
        assert start.intent.processing  # accepted at first: the bank refuses it later
        assert svc.payment_outcome(account=eur_payer.account, intent_id=start.intent.id).state == "processing"
        assert PaymentClaim.objects.filter(invoice=invoice).exists()
        event = localstripe.wait_event("payment_intent.payment_failed", start.intent.id)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert localstripe.deliver(client, event).status_code == 200
        failed = Payment.objects.get(stripe_payment_intent_id=start.intent.id)
        assert (failed.status, failed.method) == (Payment.Status.FAILED, Payment.Method.BANK_DEBIT)
        assert "bank" in failed.failure_reason.lower()
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.OPEN and invoice.amount_due == Decimal("250.00")
        assert not PaymentClaim.objects.exists()  # open again: it can be paid another way
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert set(message.to) == {"jane@alpenwerk.example.com", "ap@alpenwerk.example.com"}
        assert "did not go through" in message.subject and "250.00" in message.body
        outcome = svc.payment_outcome(account=eur_payer.account, intent_id=start.intent.id)
        assert outcome.state == "failed"


class TestWebhookOrdering:
    def test_processing_then_succeeded(self, client, localstripe, eur_payer):
        invoice = make_invoice(eur_payer.account, "E-1", "100.00")
        start = start_debit(localstripe, eur_payer, invoice)
        assert localstripe.deliver(client, processing_event(localstripe, start.intent.id)).status_code == 200
        assert PaymentClaim.objects.filter(invoice=invoice, payment_intent_id=start.intent.id).exists()
        succeeded = localstripe.wait_event("payment_intent.succeeded", start.intent.id)
        assert localstripe.deliver(client, succeeded).status_code == 200
        assert Payment.objects.get(stripe_payment_intent_id=start.intent.id).status == Payment.Status.SUCCEEDED
        assert not PaymentClaim.objects.exists()

    def test_a_late_processing_after_succeeded_changes_nothing(self, client, localstripe, eur_payer):
        invoice = make_invoice(eur_payer.account, "E-1", "100.00")
        start = start_debit(localstripe, eur_payer, invoice)
        late = processing_event(localstripe, start.intent.id)  # made while processing, delivered last
        assert localstripe.deliver(client, localstripe.wait_event("payment_intent.succeeded", start.intent.id))
        assert localstripe.deliver(client, late).status_code == 200
        assert Payment.objects.get(stripe_payment_intent_id=start.intent.id).status == Payment.Status.SUCCEEDED
        assert not PaymentClaim.objects.exists()
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID

    def test_processing_then_failed(self, client, localstripe, eur_payer):
        invoice = make_invoice(eur_payer.account, "E-1", "100.00")
        start = start_debit(localstripe, eur_payer, invoice, DECLINED_IBAN)
        assert localstripe.deliver(client, processing_event(localstripe, start.intent.id)).status_code == 200
        failed = localstripe.wait_event("payment_intent.payment_failed", start.intent.id)
        assert localstripe.deliver(client, failed).status_code == 200
        assert Payment.objects.get(stripe_payment_intent_id=start.intent.id).status == Payment.Status.FAILED
        assert not PaymentClaim.objects.exists()

    def test_a_late_processing_after_failed_claims_nothing_again(self, client, localstripe, eur_payer):
        invoice = make_invoice(eur_payer.account, "E-1", "100.00")
        start = start_debit(localstripe, eur_payer, invoice, DECLINED_IBAN)
        late = processing_event(localstripe, start.intent.id)
        failed = localstripe.wait_event("payment_intent.payment_failed", start.intent.id)
        assert localstripe.deliver(client, failed).status_code == 200
        assert localstripe.deliver(client, late).status_code == 200
        assert not PaymentClaim.objects.exists()
        invoice.refresh_from_db()
        assert invoice.is_payable


class TestAutopayByBankAccount:
    def test_autopay_debits_the_default_bank_account_without_fee(self, client, localstripe, eur_payer):
        account = eur_payer.account
        pm = bank_account(localstripe, account)
        svc.payment_method_add(account=account, payment_method_id=pm, method="sepa_debit", mandate_accepted=True)
        svc.autopay_set(account=account, enabled=True)
        invoice = make_invoice(account, "E-9", "7000.00", due=date(2026, 11, 20))
        report = svc.autopay_charge_due(today=date(2026, 12, 1))
        # Stripe: processing, recorded by the webhook; localstripe: succeeded at once, recorded from its answer
        started = [(a, i) for a, i in report.processing] + [(a, p.stripe_payment_intent_id) for a, p in report.charged]
        assert report.failed == [] and [a for a, _i in started] == [account]
        intent_id = started[0][1]
        assert localstripe.intent(intent_id)["amount"] == 700000  # no card fee on a bank debit
        again = svc.autopay_charge_due(today=date(2026, 12, 1))  # nothing is debited twice
        assert (again.processing, again.failed, again.charged) == ([], [], [])
        event = localstripe.wait_event("payment_intent.succeeded", intent_id)
        assert localstripe.deliver(client, event).status_code == 200
        payment = Payment.objects.get(stripe_payment_intent_id=intent_id)
        assert (payment.method, payment.fee_amount, payment.amount) == (
            Payment.Method.BANK_DEBIT,
            Decimal("0.00"),
            Decimal("7000.00"),
        )
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.PAID


# --- Business checks -----------------------------------------------------------------------------


@pytest.fixture
def staff_user(db):
    return StaffUserFactory()


@pytest.fixture
def check_payer(db):
    tenant = TenantFactory(slug="checks-ok", card_only=False)
    return LoginContactFactory(account=AccountFactory(tenant=tenant))


def announce(contact, invoices, *, number="4417", amount=None, mailed=None):
    amount = amount if amount is not None else sum((i.amount_due for i in invoices), Decimal("0"))
    return check_svc.check_announce(
        account=contact.account,
        invoice_ids=[i.pk for i in invoices],
        check_number=number,
        amount=amount,
        mailed_on=mailed or timezone.localdate(),
        user=contact.user,
        payer_name="John Doe",
    )


class TestBusinessChecks:
    def test_announced_check_claims_the_invoices_without_paying_them(self, check_payer, staff_user):
        a = make_invoice(check_payer.account, "C-1", "6000.00")
        b = make_invoice(check_payer.account, "C-2", "400.00")
        check = announce(check_payer, [a, b])
        assert (check.amount, check.status) == (Decimal("6400.00"), PromisedCheck.Status.PROMISED)  # no card fee
        claims = PaymentClaim.objects.filter(nonce=check.claim_nonce)
        assert sorted(claims.values_list("invoice_id", flat=True)) == [a.pk, b.pk]
        assert all(c.is_check and c.is_live for c in claims)
        a.refresh_from_db()
        assert a.status == InvoiceStatus.OPEN and a.amount_due == Decimal("6000.00")
        other = LoginContactFactory(account=check_payer.account)
        with pytest.raises(svc.PaymentInProgress):
            svc.payment_in_progress_check(account=check_payer.account, invoice_ids=[a.pk], user=other.user)

        payment = check_svc.check_record_received(check=check, received_on=timezone.localdate(), staff=staff_user)
        assert (payment.method, payment.reference, payment.amount, payment.recorded_by) == (
            Payment.Method.CHECK,
            "4417",
            Decimal("6400.00"),
            staff_user,
        )
        for inv in (a, b):
            inv.refresh_from_db()
            assert inv.status == InvoiceStatus.PAID
        check.refresh_from_db()
        assert check.status == PromisedCheck.Status.RECEIVED and check.payment == payment
        assert not PaymentClaim.objects.exists()
        with pytest.raises(ValidationError):  # recorded once
            check_svc.check_record_received(check=check, received_on=timezone.localdate(), staff=staff_user)

    def test_not_received_lapses_the_claim(self, check_payer, staff_user):
        invoice = make_invoice(check_payer.account, "C-1", "100.00")
        check = announce(check_payer, [invoice])
        check_svc.check_mark_not_received(check=check, staff=staff_user)
        check.refresh_from_db()
        assert check.status == PromisedCheck.Status.NOT_RECEIVED and check.resolved_by == staff_user
        assert not PaymentClaim.objects.exists() and not Payment.objects.exists()
        invoice.refresh_from_db()
        assert invoice.is_payable

    def test_the_claim_lapses_by_itself_after_the_wait(self, check_payer, settings):
        settings.PORTAL_CHECK_WAIT_DAYS = 10
        invoice = make_invoice(check_payer.account, "C-1", "100.00")
        check = announce(check_payer, [invoice], mailed=timezone.localdate() - timedelta(days=10))
        assert check.expires_at.date() == timezone.localdate()
        PaymentClaim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert svc.payment_claims_live(account=check_payer.account, invoice_ids=[invoice.pk]) == []

    @pytest.mark.parametrize(
        "kwargs, field",
        [
            ({"amount": Decimal("99.00")}, "amount"),
            ({"number": ""}, "check_number"),
            ({"number": "<script>"}, "check_number"),
            ({"mailed": date.today() + timedelta(days=2)}, "mailed_on"),
        ],
    )
    def test_bad_details_are_refused_next_to_their_field(self, check_payer, kwargs, field):
        invoice = make_invoice(check_payer.account, "C-1", "100.00")
        with pytest.raises(ValidationError) as exc:
            announce(check_payer, [invoice], **kwargs)
        assert field in exc.value.message_dict
        assert not PromisedCheck.objects.exists() and not PaymentClaim.objects.exists()

    def test_a_cards_only_tenant_takes_no_check(self, db):
        contact = LoginContactFactory(account=AccountFactory(tenant=TenantFactory(card_only=True)))
        invoice = make_invoice(contact.account, "C-1", "100.00")
        with pytest.raises(ValidationError):
            announce(contact, [invoice])

    def test_an_invoice_being_paid_takes_no_check(self, check_payer):
        invoice = make_invoice(check_payer.account, "C-1", "100.00")
        announce(check_payer, [invoice])
        with pytest.raises(svc.PaymentInProgress):
            announce(check_payer, [invoice], number="4418")
        assert PromisedCheck.objects.count() == 1

    def test_a_check_whose_invoices_were_paid_meanwhile_pays_what_is_left(self, check_payer, staff_user):
        a = make_invoice(check_payer.account, "C-1", "100.00")
        b = make_invoice(check_payer.account, "C-2", "50.00")
        check = announce(check_payer, [a, b])
        billing.payment_record(
            account=check_payer.account,
            method=Payment.Method.CASH,
            amount=Decimal("50.00"),
            allocations={b: Decimal("50.00")},
        )
        payment = check_svc.check_record_received(check=check, received_on=timezone.localdate(), staff=staff_user)
        assert payment.amount == Decimal("150.00") and payment.notes
        assert Invoice.objects.get(pk=a.pk).status == InvoiceStatus.PAID


class TestPromisedChecksAdmin:
    """Billing › Promised checks: staff see and record their tenants' checks only."""

    @pytest.fixture
    def two_tenants(self, db):
        mine = TenantFactory(slug="mine", card_only=False)
        theirs = TenantFactory(slug="theirs", card_only=False)
        contact = LoginContactFactory(account=AccountFactory(tenant=mine, name="Mine Corp"))
        other = LoginContactFactory(account=AccountFactory(tenant=theirs, name="Theirs Corp"))
        check = announce(contact, [make_invoice(contact.account, "M-1", "120.00")], number="5001")
        other_check = announce(other, [make_invoice(other.account, "T-1", "80.00")], number="9009")
        staff = StaffUserFactory(is_superuser=False, email="billing@mine.example.com")
        staff.groups.add(tenant_staff_groups_ensure(tenant=mine)[StaffRole.BILLING])
        return staff, check, other_check

    def test_staff_see_and_record_their_tenants_checks_only(self, client, two_tenants):
        staff, check, other_check = two_tenants
        client.force_login(staff)
        page = client.get("/admin/payments/checks/")
        assert page.status_code == 200
        assert b"5001" in page.content and b"Mine Corp" in page.content
        assert b"9009" not in page.content and b"Theirs Corp" not in page.content
        invoices = client.get("/admin/portal_models/invoice/").content.decode()  # the admin's invoice list
        assert "M-1" in invoices and "Check on its way" in invoices
        today = timezone.localdate().isoformat()
        denied = client.post(
            "/admin/payments/checks/", {"check": other_check.pk, "action": "received", "received_on": today}
        )
        assert denied.status_code == 404
        other_check.refresh_from_db()
        assert other_check.status == PromisedCheck.Status.PROMISED
        done = client.post("/admin/payments/checks/", {"check": check.pk, "action": "received", "received_on": today})
        assert done.status_code == 302
        check.refresh_from_db()
        assert check.status == PromisedCheck.Status.RECEIVED
        assert (check.payment.reference, check.payment.method, check.payment.recorded_by) == (
            "5001",
            Payment.Method.CHECK,
            staff,
        )
        received = client.get("/admin/payments/checks/?status=received")
        assert check.payment.display_number.encode() in received.content

    def test_not_received_from_the_admin(self, client, two_tenants):
        staff, check, _other = two_tenants
        client.force_login(staff)
        assert client.post("/admin/payments/checks/", {"check": check.pk, "action": "not_received"}).status_code == 302
        check.refresh_from_db()
        assert (
            check.status == PromisedCheck.Status.NOT_RECEIVED
            and not PaymentClaim.objects.filter(nonce=check.claim_nonce).exists()
        )

    def test_a_future_received_date_is_refused(self, client, two_tenants):
        staff, check, _other = two_tenants
        client.force_login(staff)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = client.post(
            "/admin/payments/checks/", {"check": check.pk, "action": "received", "received_on": tomorrow}, follow=True
        )
        assert b"cannot be received in the future" in response.content
        check.refresh_from_db()
        assert check.status == PromisedCheck.Status.PROMISED and not Payment.objects.exists()


def test_promised_checks_are_in_the_billing_menu(client, db):
    staff = StaffUserFactory(email="menu@example.com")
    client.force_login(staff)
    page = client.get("/admin/")
    assert page.status_code == 200 and b"Promised checks" in page.content and b"/admin/payments/checks/" in page.content
