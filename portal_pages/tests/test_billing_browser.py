"""Billing journey in headless Chromium on the demo data: invoice 10020, its PDF, the CSV export, screenshots."""

import csv
import io

import pytest
from pypdf import PdfReader

from portal_pages import demo
from portal_pages.demo.tenants import DEMO_PASSWORD
from portal_pages.tests.factories import ensure_wagtail_root

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def demo_data(transactional_db):
    ensure_wagtail_root()
    demo.load()


def sign_in_staff(page, live_server):
    """The demo's superuser, signed in (staff sign-in with two factors is the identity feature's journey)."""
    from portal_models.models import User
    from portal_pages.demo.tenants import STAFF_EMAIL
    from portal_pages.tests.a11y import session_cookie

    page.context.add_cookies(session_cookie(live_server, User.objects.get(email=STAFF_EMAIL)))


def sign_in(page, base, email="john.doe@example.com"):
    page.goto(f"{base}/qt9/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/qt9/dashboard/")
    page.select_option("#account-switch", label="Test Inc.")  # choosing alone changes nothing (WCAG 3.2.2)
    with page.expect_navigation():
        page.get_by_test_id("account-switch-submit").click()
    page.get_by_test_id("balance-due").wait_for()


def test_customer_opens_invoice_downloads_pdf_and_exports(live_server, demo_data, page, phone, screenshot):
    base = live_server.url
    sign_in(page, base)
    assert page.get_by_test_id("balance-due").is_visible()
    assert "10020" in page.content()
    screenshot(page, "billing-dashboard")

    page.get_by_role("link", name="Invoices", exact=True).click()
    page.wait_for_url("**/qt9/invoices/")
    screenshot(page, "billing-invoice-list")

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    rows = list(csv.reader(io.StringIO(open(download_info.value.path(), encoding="utf-8").read())))
    assert rows[0][:2] == ["Number", "Status"]
    assert ["10020", "Overdue", "2022-08-26", "2022-09-26", "Net 30", "6100.00"] == rows[-1][:6]

    page.get_by_role("link", name="10020").click()
    page.wait_for_url("**/qt9/invoices/*/")
    totals = page.get_by_test_id("totals").inner_text()
    assert "$6,100.00" in totals and "Payment due" in totals
    screenshot(page, "billing-invoice-detail")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    download = download_info.value
    assert download.suggested_filename == "invoice-10020.pdf"
    reader = PdfReader(download.path())
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages[0].images) >= 1, "the tenant's logo is embedded"
    for expected in ("Invoice", "10020", "QMS Web Subscription", "QMS Software Training Package", "$6,100.00"):
        assert expected in text

    page.get_by_role("link", name="Payments", exact=True).click()
    page.wait_for_url("**/qt9/payments/")
    screenshot(page, "billing-payments")
    page.get_by_test_id("payment-table").get_by_role("link").first.click()
    page.wait_for_url("**/qt9/payments/*/")
    assert "Applied to" in page.content()
    screenshot(page, "billing-receipt")
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.wait_for_url("**/qt9/contacts/")
    assert "Priya" in page.content() and "Billing (AP)" in page.content()
    screenshot(page, "billing-contacts")
    page.get_by_role("link", name="Settings", exact=True).click()
    page.get_by_label("Address 1").fill("")
    page.get_by_role("button", name="Save").click()
    assert "This field is required" in page.content()
    screenshot(page, "billing-settings-error")

    sign_in(phone, base)
    screenshot(phone, "billing-dashboard-phone")
    phone.goto(f"{base}/qt9/invoices/")
    screenshot(phone, "billing-invoice-list-phone")
    phone.get_by_role("link", name="10020").click()
    phone.wait_for_url("**/qt9/invoices/*/")
    screenshot(phone, "billing-invoice-detail-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"


def test_staff_records_a_check_in_the_admin(live_server, demo_data, page, screenshot):
    from portal_models.models import Invoice, Payment

    sign_in_staff(page, live_server)
    page.goto(f"{live_server.url}/admin/portal_models/invoice/?overdue=yes")
    assert "10020" in page.content()
    screenshot(page, "billing-admin-invoices")
    invoice = Invoice.objects.get(number="10020")
    page.goto(f"{live_server.url}/admin/portal_models/invoice/record_payment/{invoice.pk}/")
    page.get_by_label("Amount").fill("100.00")
    page.get_by_label("Check number or transfer reference").fill("#9001")
    screenshot(page, "billing-admin-record-payment")
    page.get_by_role("button", name="Record payment").click()
    page.wait_for_url("**/admin/portal_models/invoice/")
    assert Payment.objects.filter(reference="#9001", amount="100.00").exists()
    screenshot(page, "billing-admin-after-payment")


def test_staff_chase_an_overdue_account_from_the_dashboard(live_server, demo_data, page, screenshot):
    from django.core import mail

    from portal_models.models import PaymentReminder

    sign_in_staff(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    page.locator('[data-tenant="qt9"]').get_by_test_id("overdue-accounts").click()
    page.wait_for_url("**/admin/portal_models/account/?overdue=yes*")
    row = page.locator("tr", has_text="Test Inc.")
    assert "Northwind" not in page.locator("table.listing tbody").inner_text()  # the QT9 panel: its accounts
    screenshot(page, "billing-admin-accounts-to-chase")
    row.get_by_role("link", name="Send reminder").click()
    page.get_by_test_id("account-remind").wait_for()
    assert "10020" in page.content()
    screenshot(page, "billing-admin-remind")
    page.get_by_role("button", name="Email the reminder").click()
    page.wait_for_url("**/admin/portal_models/account/?overdue=yes*")  # back to the listing it came from
    assert "Reminder of" in page.content()
    reminder = PaymentReminder.objects.get(account__name="Test Inc.")
    assert "10020" in reminder.invoice_numbers
    (message,) = [m for m in mail.outbox if "past due" in m.subject]
    assert sorted(message.to) == reminder.recipients and "10020" in message.body
    page.set_content(message.alternatives[0][0])  # the HTML part, as a mail client shows it
    pay = page.get_by_role("link", name="Pay online").get_attribute("href")
    assert pay.endswith("/qt9/invoices/?status=overdue&account=C-1001")
    screenshot(page, "billing-reminder-email")
    page.goto(f"{live_server.url}/admin/portal_models/account/inspect/{reminder.account_id}/")
    assert "10020" in page.get_by_test_id("account-collection").inner_text()
    screenshot(page, "billing-admin-account-collection")
    page.goto(f"{live_server.url}/admin/portal_models/contact/")
    assert page.locator("table.listing img[src$='icon-yes.svg']").first.evaluate("i => i.naturalWidth") > 0


def test_a_customer_follows_the_reminder_to_the_overdue_invoices(live_server, demo_data, phone, screenshot):
    """The reminder's "Pay online" link, opened on a phone while signed out, by John, who acts for two companies
    and works for the other one: sign in, switch to the reminded company, its overdue invoices."""
    from urllib.parse import urlsplit

    from django.core import mail

    from portal_models.models import Account
    from portal_models.services.billing import payment_reminder_send

    payment_reminder_send(account=Account.objects.get(name="Test Inc."))
    html = mail.outbox[-1].alternatives[0][0]
    link = next(part.split('"')[0] for part in html.split('href="') if "status=overdue" in part).replace("&amp;", "&")
    target = urlsplit(link)
    phone.goto(f"{live_server.url}{target.path}?{target.query}")
    phone.get_by_label("Email").fill("john.doe@example.com")
    phone.get_by_label("Password").fill(DEMO_PASSWORD)
    phone.get_by_test_id("sign-in").click()
    phone.get_by_test_id("account-link").wait_for()  # he signed in working for Doe Manufacturing
    screenshot(phone, "reminder-link-switch-company-phone")
    phone.get_by_test_id("switch-to-linked").click()
    phone.wait_for_url("**/qt9/invoices/?status=overdue")
    rows = phone.locator("main").inner_text()
    assert "TEST INC." in rows.upper() and "10020" in rows and "10055" not in rows  # 10055 is Doe's
    screenshot(phone, "reminder-link-overdue-invoices-phone")


def test_a_superuser_turns_on_automatic_reminders_for_a_portal(live_server, demo_data, page, screenshot):
    from portal_models.models import Tenant

    sign_in_staff(page, live_server)
    qt9 = Tenant.objects.get(slug="qt9")
    page.goto(f"{live_server.url}/admin/portal_models/tenant/")
    page.get_by_role("link", name="QT9 Software").first.click()
    page.get_by_label("Remind overdue accounts every (days)").fill("14")
    screenshot(page, "admin-portal-settings")
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_url("**/admin/portal_models/tenant/")
    qt9.refresh_from_db()
    assert qt9.reminder_every_days == 14
