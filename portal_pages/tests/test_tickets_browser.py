"""Ticket journey in headless Chromium: a customer opens a ticket, staff reply in the Wagtail admin,
the customer sees the reply (and never the internal note)."""

import re

import pytest
from playwright.sync_api import expect
from wagtail.models import Collection, Locale, Page, Site

from portal_models.models import Ticket, TicketStatus
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory, StaffUserFactory, TicketFactory
from portal_pages.tests.factories import make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def ensure_wagtail_tree():
    """An earlier transactional test may have flushed the migrations' Wagtail root, locale and collection."""
    if Page.get_first_root_node() is not None:
        return
    Locale.objects.get_or_create(language_code="en")
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    root = Page.add_root(instance=Page(title="Root", slug="root"))
    Site.objects.create(hostname="localhost", port=80, root_page=root, is_default_site=True)


@pytest.fixture
def journey_data(transactional_db):
    ensure_wagtail_tree()
    home = make_portal(name="Acme Billing", slug="acme", primary="#0b4f8a", accent="#16a34a")
    contact = LoginContactFactory(
        account=AccountFactory(tenant=home.tenant, name="Test Inc."),
        email="john@example.com",
        first_name="John",
        last_name="Doe",
    )
    staff = StaffUserFactory(email="agent@example.com", first_name="Alex", last_name="Agent")
    # some history so that the list is not empty
    TicketFactory(
        account=contact.account,
        created_by=contact.user,
        subject="Add two seats",
        number=1001,
        status=TicketStatus.RESOLVED,
    )
    return home, contact, staff


def sign_in(page, email, password):
    page.locator("input[name$='-username']").fill(email)
    page.locator("input[name$='-password']").fill(password)
    page.locator("button[type=submit]").last.click()


def test_customer_opens_ticket_staff_replies_in_admin_customer_sees_reply(
    live_server, journey_data, browser, page, phone, screenshot
):
    home, contact, staff = journey_data

    # 1. The customer opens a ticket from the dashboard.
    page.goto(f"{live_server.url}/acme/")
    sign_in(page, contact.email, PASSWORD)
    page.wait_for_url("**/acme/dashboard/")
    page.get_by_test_id("dashboard-open-ticket").click()
    page.wait_for_url("**/acme/tickets/new/")
    page.get_by_test_id("ticket-submit").click()  # empty form: clear messages, nothing created
    expect(page.get_by_text("Please enter a subject.")).to_be_visible()
    assert Ticket.objects.count() == 1
    screenshot(page, "tickets-new-errors")
    page.get_by_label("Subject").fill("Label printer offline")
    page.get_by_label("Category").select_option("service_call")
    page.get_by_label("Severity").select_option("3")
    page.get_by_label("Description").fill("The label printer on line 3 shows offline since this morning.")
    page.get_by_test_id("ticket-submit").click()
    page.wait_for_url(re.compile(r".*/acme/tickets/\d+/$"))
    expect(page.get_by_test_id("ticket-subject")).to_have_text("Label printer offline")
    expect(page.get_by_test_id("ticket-status")).to_have_text("New")
    ticket = Ticket.objects.get(subject="Label printer offline")
    screenshot(page, "tickets-detail-opened")

    # 2. Staff sign in through the two-factor login and answer in the Wagtail admin.
    admin_context = browser.new_context(viewport={"width": 1280, "height": 900})
    admin = admin_context.new_page()
    admin.set_default_timeout(15_000)
    admin.goto(f"{live_server.url}/admin/portal_models/ticket/")
    sign_in(admin, staff.email, PASSWORD)
    admin.wait_for_url("**/admin/portal_models/ticket/")
    expect(admin.get_by_text("Label printer offline")).to_be_visible()
    screenshot(admin, "tickets-admin-list")
    admin.goto(f"{live_server.url}/admin/portal_models/ticket/edit/{ticket.pk}/")
    admin.locator("textarea[name=reply]").fill("Internal: printer firmware 2.1, known issue.")
    admin.locator("input[name=reply_visibility][value=internal]").check()
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.get_by_text("Internal: printer firmware 2.1, known issue.")).to_be_visible()
    admin.locator("textarea[name=reply]").fill("We sent a technician; the printer is back online.")
    admin.locator("input[name=reply_visibility][value=public]").check()
    admin.locator("select[name=status]").select_option("resolved")
    admin.locator("select[name=assigned_to]").select_option(str(staff.pk))
    admin.locator("input[name=reply_attachment]").scroll_into_view_if_needed()
    screenshot(admin, "tickets-admin-reply-form")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.get_by_text("We sent a technician; the printer is back online.")).to_be_visible()
    screenshot(admin, "tickets-admin-edit")
    admin_context.close()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.assigned_to == staff

    # 3. The customer sees the public reply, never the internal note, and can reopen.
    page.reload()
    expect(page.get_by_text("We sent a technician; the printer is back online.")).to_be_visible()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    assert "firmware" not in page.content()
    screenshot(page, "tickets-detail-replied")

    page.get_by_role("link", name="All tickets").first.click()
    page.wait_for_url("**/acme/tickets/")
    expect(page.get_by_test_id("tickets-table")).to_contain_text("Label printer offline")
    screenshot(page, "tickets-list")

    # On a phone: list and detail are usable at 390px.
    phone.goto(f"{live_server.url}/acme/login/")
    sign_in(phone, contact.email, PASSWORD)
    phone.wait_for_url("**/acme/dashboard/")
    screenshot(phone, "tickets-dashboard-phone")
    phone.goto(f"{live_server.url}/acme/tickets/")
    screenshot(phone, "tickets-list-phone")
    phone.locator("tr.row-link", has_text="Label printer offline").click()
    phone.wait_for_url(f"**/acme/tickets/{ticket.pk}/")
    phone.get_by_test_id("ticket-reopen").click()
    expect(phone.get_by_test_id("ticket-status")).to_have_text("Open")
    screenshot(phone, "tickets-detail-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
