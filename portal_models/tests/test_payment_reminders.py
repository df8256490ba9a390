"""Staff chase overdue accounts: the accounts listing's collection figures, the payment reminder (service and
admin action) and the dashboard's way in."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import ModelLogEntry

from portal_models.models import PaymentReminder, StaffRole
from portal_models.selectors.admin_dashboard import accounts_with_collection_figures
from portal_models.services import billing
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import AccountFactory, ContactFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # the admin counts days late from today
ACCOUNTS = "/admin/portal_models/account/"


def _invoice(account, number, *, due, amount="100.00"):
    return billing.invoice_create(
        account=account,
        number=number,
        lines=[{"description": "Subscription", "unit_price": amount}],
        invoice_date=due - timedelta(days=30),
        due_date=due,
    )


@pytest.fixture
def account():
    """An account with two overdue invoices (one partly paid), one not yet due, and billing contacts."""
    account = AccountFactory(name="Overdue Works", number="OW-1")
    ContactFactory(account=account, email="ap@overdue.example", is_billing=True)
    ContactFactory(account=account, email="ap2@overdue.example", is_billing=True)
    ContactFactory(account=account, email="tech@overdue.example", is_billing=False)
    old = _invoice(account, "OLD-1", due=TODAY - timedelta(days=45), amount="300.00")
    billing.payment_record(account=account, method="check", amount=Decimal("50.00"), invoices=[old])
    _invoice(account, "LATE-2", due=TODAY - timedelta(days=3), amount="120.00")
    _invoice(account, "CURRENT-3", due=TODAY + timedelta(days=10), amount="999.00")
    return account


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True, is_superuser=True, first_name="Bea", last_name="Biller")
    client.force_login(user)
    return user


# --- the listing's figures -------------------------------------------------------------------------------------


def test_collection_figures_per_account(account):
    quiet = AccountFactory(tenant=account.tenant, name="Paid Up")
    _invoice(quiet, "FUTURE-1", due=TODAY + timedelta(days=5))
    rows = {a.pk: a for a in accounts_with_collection_figures(type(account).objects.all(), today=TODAY)}
    busy = rows[account.pk]
    assert busy.balance_due == Decimal("1369.00")  # 250 + 120 + 999
    assert (busy.overdue_amount, busy.overdue_count) == (Decimal("370.00"), 2)
    assert busy.oldest_overdue == TODAY - timedelta(days=45)
    assert busy.last_reminded_at is None
    assert (rows[quiet.pk].overdue_amount, rows[quiet.pk].overdue_count, rows[quiet.pk].oldest_overdue) == (0, 0, None)


def test_listing_shows_filters_and_sorts_by_overdue(client, staff, account):
    small = AccountFactory(tenant=account.tenant, name="Small Debts")
    _invoice(small, "S-1", due=TODAY - timedelta(days=1), amount="10.00")
    AccountFactory(tenant=account.tenant, name="Never Late")
    overdue_column = f"-{list(client.get(ACCOUNTS).context['view'].list_display).index('overdue')}"
    response = client.get(ACCOUNTS, {"overdue": "yes", "o": overdue_column})
    names = [a.name for a in response.context["object_list"]]
    assert names == ["Overdue Works", "Small Debts"]  # largest overdue first; nothing for accounts not late
    html = response.content.decode()
    assert "$370.00" in html and "Send reminder" in html
    assert [a.name for a in client.get(ACCOUNTS, {"overdue": "no"}).context["object_list"]] == ["Never Late"]


def test_listing_query_count_does_not_grow_with_accounts(client, staff, account, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(ACCOUNTS).status_code == 200
    for n in range(15):
        more = AccountFactory(tenant=account.tenant)
        ContactFactory(account=more, is_billing=True)
        _invoice(more, f"M-{n}", due=TODAY - timedelta(days=n + 1))
        billing.payment_reminder_send(account=more, today=TODAY)
    with django_assert_max_num_queries(len(few)):
        assert client.get(ACCOUNTS).status_code == 200


# --- the service ------------------------------------------------------------------------------------------------


def test_reminder_emails_the_billing_contacts_the_overdue_invoices(account, staff):
    reminder = billing.payment_reminder_send(account=account, sent_by=staff, today=TODAY)
    assert reminder.recipients == ["ap2@overdue.example", "ap@overdue.example"]
    assert (reminder.invoice_numbers, reminder.amount_overdue) == (["OLD-1", "LATE-2"], Decimal("370.00"))
    assert (reminder.sent_by, reminder.currency) == (staff, "USD")
    (message,) = mail.outbox
    assert sorted(message.to) == reminder.recipients and message.reply_to == [account.tenant.support_email]
    assert message.subject == f"{account.tenant.name}: 2 overdue invoices, $370.00 past due"
    for body in (message.body, message.alternatives[0][0]):
        assert "OLD-1" in body and "$250.00" in body and "45 days late" in body
        assert "LATE-2" in body and "$120.00" in body and "3 days late" in body
        assert "CURRENT-3" not in body and "999" not in body  # not yet due: not part of the reminder


def test_each_recipient_reads_it_in_their_language(account):
    account.tenant.languages = ["en", "es"]
    account.tenant.save()
    UserFactory(email="ap@overdue.example", language="es")
    billing.payment_reminder_send(account=account, today=TODAY)
    by_address = {tuple(m.to): m for m in mail.outbox}
    spanish, english = by_address[("ap@overdue.example",)], by_address[("ap2@overdue.example",)]
    assert "vencidas" in spanish.subject and "OLD-1" in spanish.body
    assert "overdue invoices" in english.subject


def test_the_link_opens_the_overdue_invoices_in_the_portal():
    from portal_pages.tests.factories import make_portal

    home = make_portal(name="Linked", slug="linked")
    account = AccountFactory(tenant=home.tenant)
    ContactFactory(account=account, email="ap@linked.example", is_billing=True)
    _invoice(account, "L-1", due=TODAY - timedelta(days=2))
    billing.payment_reminder_send(account=account, today=TODAY)
    assert f"{home.get_full_url()}invoices/?status=overdue&account={account.number}" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("nothing_overdue", "has no overdue invoices"),
        ("no_billing_email", "no billing (AP) contact with an email address"),
    ],
)
def test_nothing_is_sent_or_recorded_when_it_cannot_be(account, change, message):
    if change == "nothing_overdue":
        for invoice in account.invoices.overdue(TODAY):
            billing.payment_record(account=account, method="check", amount=invoice.amount_due, invoices=[invoice])
    else:
        account.contacts.filter(is_billing=True).update(email="")
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        billing.payment_reminder_send(account=account, today=TODAY)
    assert not mail.outbox and not PaymentReminder.objects.exists()


def test_a_second_reminder_moments_later_is_refused_then_allowed(account):
    first = billing.payment_reminder_send(account=account, today=TODAY)
    with pytest.raises(ValidationError, match="was not sent again"):
        billing.payment_reminder_send(account=account, today=TODAY)
    assert len(mail.outbox) == 1
    PaymentReminder.objects.filter(pk=first.pk).update(sent_at=timezone.now() - billing.REMINDER_RESEND_AFTER)
    billing.payment_reminder_send(account=account, today=TODAY)
    assert PaymentReminder.objects.filter(account=account).count() == 2 and len(mail.outbox) == 2


def test_a_mail_server_failure_records_no_reminder(account, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    with pytest.raises(OSError):
        billing.payment_reminder_send(account=account, today=TODAY)
    assert not PaymentReminder.objects.exists()


# --- the admin action -------------------------------------------------------------------------------------------


def test_staff_confirm_then_send(client, staff, account):
    url = f"{ACCOUNTS}remind/{account.pk}/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and not mail.outbox  # looking sends nothing
    assert "OLD-1" in html and "LATE-2" in html and "CURRENT-3" not in html
    assert "ap2@overdue.example, ap@overdue.example" in html and "tech@overdue.example" not in html
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == ACCOUNTS
    assert "Reminder of $370.00 overdue sent to ap2@overdue.example, ap@overdue.example." in response.content.decode()
    assert len(mail.outbox) == 1
    entry = ModelLogEntry.objects.get(action="portal.account.remind")
    assert entry.user == staff and entry.data["invoices"] == ["OLD-1", "LATE-2"]
    history = client.get(url).content.decode()
    assert 'data-testid="reminder-history"' in history and "Bea Biller" in history
    listing = client.get(ACCOUNTS, {"overdue": "yes"}).content.decode()
    assert timezone.localdate().strftime("%m/%d/%Y") in listing  # the last reminder column


def test_a_refused_reminder_shows_why_and_sends_nothing(client, staff, account):
    account.contacts.update(is_billing=False)
    url = f"{ACCOUNTS}remind/{account.pk}/"
    page = client.get(url).content.decode()
    assert "no billing (AP) contact with an email address" in page and "disabled" in page
    response = client.post(url)
    assert response.status_code == 200 and "no billing (AP) contact" in response.content.decode()
    assert not mail.outbox and not PaymentReminder.objects.exists()


def test_who_may_send_reminders(client, account):
    groups = tenant_staff_groups_ensure(tenant=account.tenant)
    url = f"{ACCOUNTS}remind/{account.pk}/"
    support = UserFactory(is_staff=True)
    support.groups.add(groups[StaffRole.SUPPORT])  # may view accounts, not change them
    client.force_login(support)
    assert client.post(url).status_code in (302, 403)
    assert "Send reminder" not in client.get(ACCOUNTS).content.decode()
    other_billing = UserFactory(is_staff=True)
    other_billing.groups.add(tenant_staff_groups_ensure(tenant=TenantFactory())[StaffRole.BILLING])
    client.force_login(other_billing)
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    assert not mail.outbox and not PaymentReminder.objects.exists()
    billing_staff = UserFactory(is_staff=True)
    billing_staff.groups.add(groups[StaffRole.BILLING])
    client.force_login(billing_staff)
    assert client.post(url).status_code == 302 and len(mail.outbox) == 1


def test_the_dashboard_leads_to_the_accounts_to_chase(client, staff, account):
    body = client.get("/admin/").content.decode()
    link = body.split('data-testid="overdue-accounts"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert link.startswith(ACCOUNTS + "?overdue=yes")
    listing = client.get(link)
    assert [a.name for a in listing.context["object_list"]] == ["Overdue Works"]


def test_the_account_page_shows_its_collection(client, staff, account):
    billing.payment_reminder_send(account=account, sent_by=staff, today=TODAY)
    response = client.get(f"{ACCOUNTS}inspect/{account.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="account-collection"' in html
    assert "$1,369.00" in html and "$370.00" in html  # balance due, overdue
    assert "OLD-1" in html and "LATE-2" in html and "CURRENT-3" not in html
    assert 'data-testid="reminder-history"' in html and "Bea Biller" in html
    assert f"{ACCOUNTS}remind/{account.pk}/" in html  # the footer's "Send reminder"


# --- automatic reminders (Tenant.reminder_every_days, the daily task) ---------------------------------------


def test_automatic_reminders_go_to_the_accounts_due_one(account):
    from django.core.management import call_command

    tenant = account.tenant
    tenant.reminder_every_days = 7
    tenant.save()
    no_email = AccountFactory(tenant=tenant, name="No Email Co")
    _invoice(no_email, "NE-1", due=TODAY - timedelta(days=2))
    recent = AccountFactory(tenant=tenant, name="Recently Reminded")
    ContactFactory(account=recent, email="ap@recent.example", is_billing=True)
    _invoice(recent, "R-1", due=TODAY - timedelta(days=20))
    PaymentReminder.objects.create(account=recent, amount_overdue=1, currency="USD")  # just now, by staff
    quiet_tenant = AccountFactory(name="Manual Only")  # its tenant reminds only when staff do
    ContactFactory(account=quiet_tenant, email="ap@manual.example", is_billing=True)
    _invoice(quiet_tenant, "M-1", due=TODAY - timedelta(days=30))

    run = billing.payment_reminders_send_due(today=TODAY)
    assert [(r.account, r.automatic, r.sent_by) for r in run.sent] == [(account, True, None)]
    assert [(a.name, "no billing (AP) contact" in why) for a, why in run.skipped] == [("No Email Co", True)]
    assert [m.to for m in mail.outbox] == [["ap2@overdue.example", "ap@overdue.example"]]
    # the next day: nothing new (the interval counts from the last reminder)
    assert billing.payment_reminders_send_due(today=TODAY + timedelta(days=1)).sent == []
    # a week later, by the management command the daily schedule runs
    PaymentReminder.objects.filter(account=account).update(sent_at=timezone.now() - timedelta(days=7))
    call_command("send_payment_reminders", stdout=(out := __import__("io").StringIO()))
    assert "1 sent, 1 skipped" in out.getvalue() and PaymentReminder.objects.filter(account=account).count() == 2


def test_the_reminders_task_runs_through_django_tasks(account):
    account.tenant.reminder_every_days = 14
    account.tenant.save()
    result = billing.payment_reminders_task.enqueue()
    assert result.return_value == 1 and len(mail.outbox) == 1


# --- portal settings (Settings › Portals) -----------------------------------------------------------------------

PORTALS = "/admin/portal_models/tenant/"


def _tenant_form(tenant, **changes):
    data = {
        "name": tenant.name,
        "support_email": tenant.support_email,
        "sender_name": tenant.sender_name,
        "card_fee_percent": str(tenant.card_fee_percent),
        "card_fee_threshold": str(tenant.card_fee_threshold),
        "card_only": "on" if tenant.card_only else "",
        "reminder_every_days": str(tenant.reminder_every_days),
        "two_factor_policy": tenant.two_factor_policy,
        "phone_region": tenant.phone_region,
        "languages": list(tenant.languages),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_superuser_sets_a_portals_reminder_interval_and_fee(client, staff, account):
    tenant = account.tenant
    assert client.get(f"{PORTALS}edit/{tenant.pk}/").status_code == 200
    response = client.post(
        f"{PORTALS}edit/{tenant.pk}/", _tenant_form(tenant, reminder_every_days="7", card_fee_percent="2.5")
    )
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.reminder_every_days, tenant.card_fee_percent) == (7, Decimal("2.50"))
    bad = client.post(
        f"{PORTALS}edit/{tenant.pk}/", _tenant_form(tenant, card_fee_percent="25", reminder_every_days="-1")
    )
    assert bad.status_code == 200
    tenant.refresh_from_db()
    assert (tenant.reminder_every_days, tenant.card_fee_percent) == (7, Decimal("2.50"))  # nothing changed
    assert client.get(f"{PORTALS}create/").status_code in (302, 403)  # New portal creates them
    assert client.get(f"{PORTALS}delete/{tenant.pk}/").status_code in (302, 403)


def test_portal_settings_are_for_those_given_them_on_their_own_tenants(client, account):
    from django.contrib.auth.models import Permission

    url = f"{PORTALS}edit/{account.tenant.pk}/"
    billing_staff = UserFactory(is_staff=True)
    billing_staff.groups.add(tenant_staff_groups_ensure(tenant=account.tenant)[StaffRole.BILLING])
    client.force_login(billing_staff)
    assert client.get(url).status_code in (302, 403)  # billing staff: not by default
    billing_staff.user_permissions.add(Permission.objects.get(codename="change_tenant"))
    assert client.get(url).status_code == 200
    other = TenantFactory(name="Someone Else")
    assert client.get(f"{PORTALS}edit/{other.pk}/").status_code == 404
    assert "Someone Else" not in client.get(PORTALS).content.decode()


def test_the_history_tells_automatic_reminders_from_staffs(client, staff, account):
    account.tenant.reminder_every_days = 7
    account.tenant.save()
    billing.payment_reminders_send_due(today=TODAY)
    history = client.get(f"{ACCOUNTS}inspect/{account.pk}/").content.decode().split('data-testid="reminder-history"')[1]
    assert "Automatic" in history and "Bea Biller" not in history


def test_after_sending_staff_return_to_the_listing_they_came_from(client, staff, account):
    url = f"{ACCOUNTS}remind/{account.pk}/"
    listing = f"{ACCOUNTS}?overdue=yes&o=-4"
    page = client.get(url, HTTP_REFERER=f"http://testserver{listing}").content.decode()
    assert 'name="next" value="/admin/portal_models/account/?overdue=yes&amp;o=-4"' in page
    assert client.post(url, {"next": listing})["Location"] == listing
    PaymentReminder.objects.update(sent_at=timezone.now() - billing.REMINDER_RESEND_AFTER)
    for elsewhere in ("https://evil.example/admin/portal_models/account/", "/admin/portal_models/invoice/?x=1"):
        assert client.post(url, {"next": elsewhere})["Location"] == ACCOUNTS
        PaymentReminder.objects.update(sent_at=timezone.now() - billing.REMINDER_RESEND_AFTER)
