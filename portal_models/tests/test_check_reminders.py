"""A promised business check that is overdue: the daily task reminds the payer and billing contacts once, a check
past the tenant's wait lapses (its invoices open again, the customer is told), staff send a reminder from
Billing › Promised checks; the tenant's wait setting sets how long a check holds its invoices."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal_models.models import PaymentClaim, PromisedCheck, StaffRole
from portal_models.schedule import SCHEDULE
from portal_models.services import checks as check_svc
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import (
    AccountFactory,
    ContactFactory,
    LoginContactFactory,
    StaffUserFactory,
    TenantFactory,
)

from .test_bank_payments import announce, make_invoice


@pytest.fixture
def payer(db):
    tenant = TenantFactory(slug="checks-ok", card_only=False, check_wait_days=15)
    contact = LoginContactFactory(account=AccountFactory(tenant=tenant), email="john@checks.example.com")
    ContactFactory(account=contact.account, is_main=False, is_billing=True, email="ap@checks.example.com")
    return contact


def test_the_tenants_wait_sets_how_long_the_check_holds_its_invoices(payer):
    mailed = timezone.localdate() - timedelta(days=2)
    check = announce(payer, [make_invoice(payer.account, "C-1", "100.00")], mailed=mailed)
    assert timezone.localtime(check.expires_at).date() == mailed + timedelta(days=15)


def test_an_overdue_check_is_reminded_once_then_lapses(payer):
    today = timezone.localdate()
    invoice = make_invoice(payer.account, "C-1", "250.00")
    check = announce(payer, [invoice], number="1234", mailed=today - timedelta(days=11))
    fresh = announce(payer, [make_invoice(payer.account, "C-2", "10.00")], number="77", mailed=today)
    mail.outbox.clear()
    run = check_svc.checks_overdue_remind(today=today)
    assert run.reminded == [check] and run.lapsed == []
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {"john@checks.example.com", "ap@checks.example.com"}
    assert "1234" in message.subject and "not received" in message.subject and "C-1" in message.body
    check.refresh_from_db()
    assert check.reminded_at is not None and check.status == PromisedCheck.Status.PROMISED
    assert check_svc.checks_overdue_remind(today=today).reminded == []  # once
    assert len(mail.outbox) == 1
    # past the wait: the claim lapses, the invoice can be paid again, the customer is told
    PromisedCheck.objects.filter(pk=check.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    mail.outbox.clear()
    run = check_svc.checks_overdue_remind(today=today)
    assert [c.pk for c in run.lapsed] == [check.pk]
    check.refresh_from_db()
    assert check.status == PromisedCheck.Status.NOT_RECEIVED and check.resolved_by is None
    assert not PaymentClaim.objects.filter(nonce=check.claim_nonce).exists()
    assert PaymentClaim.objects.filter(nonce=fresh.claim_nonce).exists()
    invoice.refresh_from_db()
    assert invoice.is_payable
    assert len(mail.outbox) == 1 and "open again" in mail.outbox[0].subject


def test_the_reminders_are_scheduled_daily():
    assert any(entry.task is check_svc.check_reminders_task for entry in SCHEDULE)


def test_staff_send_a_reminder_for_their_tenants_checks_only(client, payer):
    check = announce(payer, [make_invoice(payer.account, "C-1", "120.00")], number="5001")
    other = LoginContactFactory(account=AccountFactory(tenant=TenantFactory(slug="theirs", card_only=False)))
    other_check = announce(other, [make_invoice(other.account, "T-1", "80.00")], number="9009")
    staff = StaffUserFactory(is_superuser=False, email="billing@checks.example.com")
    staff.groups.add(tenant_staff_groups_ensure(tenant=payer.account.tenant)[StaffRole.BILLING])
    client.force_login(staff)
    page = client.get("/admin/payments/checks/")
    assert b'data-testid="send-reminder"' in page.content
    assert client.post("/admin/payments/checks/", {"check": other_check.pk, "action": "remind"}).status_code == 404
    mail.outbox.clear()
    done = client.post("/admin/payments/checks/", {"check": check.pk, "action": "remind"}, follow=True)
    assert done.status_code == 200 and b"reminder about check 5001 was emailed" in done.content
    assert len(mail.outbox) == 1 and "5001" in mail.outbox[0].subject
    check.refresh_from_db()
    assert check.reminded_at is not None and b"reminded" in done.content
