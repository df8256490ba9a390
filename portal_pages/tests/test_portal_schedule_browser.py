"""The marketer's scheduled change (issue #26, Tests) in headless Chromium: a marketer of one tenant turns tickets
off, adds a quick link and moves the balance widget to the top, previews, schedules the change for a minute or two
later in the page editor, and the customer sees it then (when the stack's scheduler task has run) and not before."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from portal_models.models import StaffRole
from portal_models.schedule import publish_scheduled_task
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory, seed_invoice
from portal_models.tests.tenant_world import TenantRecords, staff_user
from portal_pages.models import PortalHomePage
from portal_pages.tests.factories import make_portal
from portal_pages.tests.test_portal_composition_browser import edit_portal_tab

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

LEAD = timedelta(seconds=45)  # time enough to save the schedule and publish it before it is due


def sign_in(page, email, password):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)


@pytest.fixture
def portal(transactional_db):
    cache.clear()  # the flushed database of earlier live-server tests restarts the counters their cache keys used
    make_portal(name="Borealis Power", slug="borealis")  # another tenant, untouched by the schedule
    home = make_portal(name="Acme Billing", slug="acme", primary="#0b4f8a", accent="#16a34a")
    home.dashboard = [  # balance is not first yet
        ("widget", {"widget": "invoices", "title": "", "rows": None}),
        ("widget", {"widget": "balance", "title": "", "rows": None}),
    ]
    home.save_revision().publish()
    return PortalHomePage.objects.get(pk=home.pk)


def customer_dashboard(customer, base):
    customer.goto(f"{base}/acme/dashboard/")
    customer.get_by_test_id("balance-due").wait_for()
    html = customer.content()
    return {
        "balance_first": html.index('data-testid="balance-due"') < html.index("Overdue invoices"),
        "tickets_tab": customer.locator("nav.tabs").get_by_role("link", name="Tickets").count() > 0,
        "quick_link": customer.get_by_role("link", name="Service status").count() > 0,
    }


def test_a_scheduled_change_reaches_the_customer_then_and_not_before(live_server, portal, page, browser, screenshot):
    base = live_server.url
    marketer = staff_user(TenantRecords(mark="acme", tenant=portal.tenant), StaffRole.MARKETING, email="mia@acme.test")
    contact = LoginContactFactory(account=AccountFactory(tenant=portal.tenant, name="Initech LLC"))
    seed_invoice(contact.account, number="INV-78")

    customer_context = browser.new_context(viewport={"width": 1280, "height": 860})
    customer = customer_context.new_page()
    customer.set_default_timeout(15_000)
    try:
        customer.goto(f"{base}/acme/login/")
        sign_in(customer, contact.email, PASSWORD)
        customer.get_by_test_id("sign-in").click()
        customer.wait_for_url("**/acme/dashboard/")
        before = {"balance_first": False, "tickets_tab": True, "quick_link": False}
        assert customer_dashboard(customer, base) == before

        page.goto(f"{base}/admin/")
        sign_in(page, marketer.email, PASSWORD)
        page.get_by_role("button", name="Next").click()
        page.wait_for_url(f"{base}/admin/")
        page.goto(f"{base}/admin/pages/{portal.pk}/edit/")

        # tickets off, balance to the top, a quick link
        edit_portal_tab(page)

        # the live preview panel shows the portal under the CSP (the editor frames its own preview)
        page.get_by_role("button", name="Toggle preview").click()
        frame = page.frame_locator("iframe").first
        frame.get_by_text("Welcome to Acme Billing.").wait_for()
        screenshot(page, "schedule-01-preview")
        page.get_by_role("button", name="Toggle preview").click()

        # the schedule: the next whole minute at least LEAD ahead (the editor's field has minutes)
        due = (timezone.localtime() + LEAD + timedelta(minutes=1)).replace(second=0, microsecond=0)
        page.get_by_role("button", name="Toggle status").click()
        page.get_by_role("button", name="Set schedule").click()
        dialog = page.locator("#schedule-publishing-dialog")
        dialog.locator("input[name='go_live_at']").fill(due.strftime("%Y-%m-%d %H:%M"))
        screenshot(page, "schedule-02-dialog")
        # the date picker's open calendars cover the button: press it as the keyboard would
        dialog.get_by_role("button", name="Save schedule").evaluate("button => button.click()")
        page.get_by_text("Go-live:").first.wait_for()
        page.get_by_role("button", name="More actions").first.click()
        page.get_by_role("button", name="Schedule to publish").click()
        page.wait_for_url("**/admin/pages/*/")
        assert timezone.now() < due, "the schedule was saved too late to prove 'not before'"

        home = PortalHomePage.objects.get(pk=portal.pk)
        assert home.modules_off != ["tickets"] and home.get_latest_revision().approved_go_live_at == due
        publish_scheduled_task.call()  # the scheduler's run before the time: nothing changes
        assert customer_dashboard(customer, base) == before
        screenshot(customer, "schedule-03-customer-before")

        # wait until the time has passed, then the stack's every-minute scheduler task publishes it
        while timezone.now() < due:  # poll the clock (the portal's CSP forbids evaluating a predicate in the page)
            customer.wait_for_timeout(500)
        assert timezone.now() >= due
        publish_scheduled_task.call()
        home = PortalHomePage.objects.get(pk=portal.pk)
        assert home.modules_off == ["tickets"]
        assert [b.value.get("widget") for b in home.dashboard][:2] == ["balance", "invoices"]
        assert customer_dashboard(customer, base) == {"balance_first": True, "tickets_tab": False, "quick_link": True}
        assert customer.goto(f"{base}/acme/tickets/").status == 404
        customer.goto(f"{base}/acme/dashboard/")
        screenshot(customer, "schedule-04-customer-after")

        other = PortalHomePage.objects.get(tenant__slug="borealis")  # the other tenant's portal is as it was
        assert other.modules_off in ([], None)
    finally:
        customer_context.close()
