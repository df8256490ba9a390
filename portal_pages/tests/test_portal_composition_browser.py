"""The marketer's journey (issue #26) in headless Chromium: in the page editor they turn tickets off, add a quick
link, move the balance widget to the top and look at the live preview (not blocked by the Content Security Policy);
once published, the customer sees the new dashboard, without a Tickets tab. Screenshots at 1280 and 390 px."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from portal_models.models import StaffRole
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory, seed_invoice
from portal_models.tests.tenant_world import TenantRecords, staff_user
from portal_pages.models import PortalHomePage
from portal_pages.tests.factories import make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def sign_in(page, email, password):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)


@pytest.fixture
def portal(transactional_db):
    cache.clear()  # the flushed database of earlier live-server tests restarts the counters their cache keys used
    home = make_portal(name="Acme Billing", slug="acme", primary="#0b4f8a", accent="#16a34a")
    home.dashboard = [  # balance is not first yet
        ("widget", {"widget": "invoices", "title": "", "rows": None}),
        ("widget", {"widget": "balance", "title": "", "rows": None}),
    ]
    home.save_revision().publish()
    return PortalHomePage.objects.get(pk=home.pk)


def edit_portal_tab(page):
    """In the portal page's editor: tickets off; on the dashboard, the balance moved to the top and a block of
    quick links ("Handy links": "Service status") added at the end."""
    page.get_by_role("tab", name="Portal").click()
    page.get_by_label("Support tickets").uncheck()
    children = page.locator("[data-streamfield-child]:visible")  # the dashboard's blocks (invoices, balance)
    children.nth(1).get_by_role("button", name="Move up").click()
    titles = page.locator("input[name$='-value-title']:visible")
    shown = titles.count()
    page.locator("button[title='Insert a block']:visible").last.click()
    page.get_by_role("option", name="Quick links").click()
    # the new block's fields are drawn after the click: until then the last title is the invoices widget's
    expect(titles).to_have_count(shown + 1)
    titles.last.fill("Handy links")
    page.locator("input[name$='-value-label']:visible").last.fill("Service status")
    page.locator("input[name$='-value-url']:visible").last.fill("https://status.example.com/")


def test_marketer_composes_the_portal_and_the_customer_sees_it(live_server, portal, page, phone, screenshot):
    base = live_server.url
    marketer = staff_user(TenantRecords(mark="acme", tenant=portal.tenant), StaffRole.MARKETING, email="mia@acme.test")
    contact = LoginContactFactory(account=AccountFactory(tenant=portal.tenant, name="Initech LLC"))
    seed_invoice(contact.account, number="INV-77")

    page.goto(f"{base}/admin/")
    sign_in(page, marketer.email, PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{base}/admin/")
    page.goto(f"{base}/admin/pages/{portal.pk}/edit/")

    # the live preview panel shows the portal (the CSP lets the editor frame its own preview)
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.get_by_role("button", name="Toggle preview").click()
    frame = page.frame_locator("iframe").first
    frame.get_by_text("Welcome to Acme Billing.").wait_for()
    # marketing may not see accounts: a fictional customer with example invoices, never Initech's
    expect(frame.get_by_test_id("preview-notice")).to_contain_text("Sample Company")
    expect(frame.get_by_role("link", name="SAMPLE-1003").first).to_be_visible()
    expect(frame.locator("main")).not_to_contain_text("Initech")
    expect(frame.locator("main")).not_to_contain_text("INV-77")
    screenshot(page, "composition-01-preview-panel")
    assert not [m for m in blocked if "frame" in m], blocked
    page.get_by_role("button", name="Toggle preview").click()

    edit_portal_tab(page)
    screenshot(page, "composition-02-editor")
    page.get_by_role("button", name="More actions").first.click()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/admin/pages/*/")
    home = PortalHomePage.objects.get(pk=portal.pk)
    assert home.modules_off == ["tickets"]
    assert [b.value.get("widget") for b in home.dashboard][:2] == ["balance", "invoices"]

    for viewport, name in ((page.context.browser.new_context(viewport={"width": 1280, "height": 860}), "desk"),):
        desk = viewport.new_page()
        try:
            desk.goto(f"{base}/acme/login/")
            sign_in(desk, contact.email, PASSWORD)
            desk.get_by_test_id("sign-in").click()
            desk.wait_for_url("**/acme/dashboard/")
            desk.get_by_role("heading", name="Overdue invoices").wait_for()  # the whole page, not a part of it
            html = desk.content()
            assert html.index('data-testid="balance-due"') < html.index("Overdue invoices")
            assert (
                desk.get_by_role("link", name="Service status").get_attribute("href") == "https://status.example.com/"
            )
            assert desk.locator("nav.tabs").get_by_role("link", name="Tickets").count() == 0
            assert desk.get_by_test_id("dashboard-open-ticket").count() == 0
            screenshot(desk, f"composition-03-customer-{name}")
        finally:
            viewport.close()

    phone.goto(f"{base}/acme/login/")
    sign_in(phone, contact.email, PASSWORD)
    phone.get_by_test_id("sign-in").click()
    phone.wait_for_url("**/acme/dashboard/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "composition-04-customer-phone")
    assert phone.goto(f"{base}/acme/tickets/").status == 404
