"""The new-portal form creates a working, branded portal that a customer can sign in to (headless Chromium,
with screenshots)."""

import pytest
from PIL import Image as PILImage

from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory, UserFactory, seed_invoice
from portal_pages.models import PortalHomePage
from portal_pages.tests.factories import ensure_wagtail_root, portal_root

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PRIMARY = "#6d28d9"
ACCENT = "#0e7490"


@pytest.fixture
def admin_site(transactional_db, settings):
    settings.ROOT_URLCONF = "portal_pages.tests.urls_media"  # serve the uploaded logo to the browser
    ensure_wagtail_root()
    portal_root()
    return UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def logo_png(tmp_path):
    path = tmp_path / "globex-logo.png"
    image = PILImage.new("RGB", (160, 160), PRIMARY)
    image.paste(PILImage.new("RGB", (80, 80), ACCENT), (40, 40))
    image.save(path, format="PNG")
    return path


def sign_in(page, email, password):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)


def test_new_portal_form_creates_a_branded_portal_a_customer_signs_in_to(
    live_server, admin_site, logo_png, page, phone, screenshot
):
    base = live_server.url
    page.goto(f"{base}/admin/")
    assert "/account/login/" in page.url
    sign_in(page, admin_site.email, PASSWORD)
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(f"{base}/admin/")

    page.get_by_role("link", name="New portal").click()
    page.wait_for_url("**/admin/portals/new/")
    page.get_by_label("Portal name").fill("Globex Energy")
    page.get_by_label("Address").fill("globex")
    page.get_by_label("Support email").fill("help@globex.example.com")
    page.locator("#id_primary_color").fill(PRIMARY)
    page.locator("#id_accent_color").fill(ACCENT)
    page.get_by_label("Logo").set_input_files(str(logo_png))
    page.get_by_label("card convenience fee (%)").fill("2.50")
    page.get_by_label("Two factor policy").select_option("optional")
    screenshot(page, "new-portal-01-form")

    # a bad address first: the error is next to the field and nothing is created
    page.get_by_label("Address").fill("Not a slug!")
    page.get_by_role("button", name="Create portal").click()
    page.wait_for_load_state()
    assert page.locator("#id_slug").is_visible()
    assert "Use lower-case letters, digits and hyphens." in page.content()
    assert not PortalHomePage.objects.exists()
    screenshot(page, "new-portal-02-error")

    page.get_by_label("Address").fill("globex")
    page.get_by_label("Logo").set_input_files(str(logo_png))  # a re-shown form keeps no file
    page.get_by_role("button", name="Create portal").click()
    page.wait_for_url("**/admin/pages/*/edit/")
    home = PortalHomePage.objects.get(tenant__slug="globex")
    assert page.url.endswith(f"/admin/pages/{home.pk}/edit/")
    assert "The Globex Energy portal is live at" in page.content()
    screenshot(page, "new-portal-03-editor")

    contact = LoginContactFactory(
        account=AccountFactory(tenant=home.tenant, name="Initech LLC"), email="pat@initech.example.com"
    )
    customer = page.context.browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        desk = customer.new_page()
        desk.goto(f"{base}/globex/login/")
        assert "Sign in to Globex Energy" in desk.content()
        sign_in(desk, contact.email, PASSWORD)
        desk.get_by_test_id("sign-in").click()
        desk.wait_for_url("**/globex/dashboard/")
        assert desk.get_by_test_id("account-name").inner_text() == "Initech LLC"
        assert "Welcome to the Globex Energy customer portal" in desk.content()
        brand = desk.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand-primary')")
        assert brand.strip() == PRIMARY
        topbar = desk.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor")
        assert topbar == "rgb(109, 40, 217)"
        assert desk.locator(".brand__name").inner_text() == "Globex Energy"
        logo = desk.locator("img.brand__logo")
        assert logo.evaluate("img => img.complete && img.naturalWidth") > 0
        screenshot(desk, "new-portal-04-customer-dashboard")
    finally:
        customer.close()

    phone.goto(f"{base}/globex/login/")
    sign_in(phone, contact.email, PASSWORD)
    phone.get_by_test_id("sign-in").click()
    phone.wait_for_url("**/globex/dashboard/")
    assert phone.locator("img.brand__logo").evaluate("img => img.complete && img.naturalWidth") > 0
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    screenshot(phone, "new-portal-05-customer-dashboard-phone")

    # the staff dashboard has a panel for the new tenant
    from portal_models.models import Invoice, InvoiceStatus

    Invoice.objects.filter(pk=seed_invoice(contact.account, number="G-1").pk).update(status=InvoiceStatus.OPEN)
    page.goto(f"{base}/admin/")
    panel = page.locator('[data-tenant="globex"]')
    assert "1 overdue invoice ($6,100.00)" in " ".join(panel.inner_text().split())
    panel.scroll_into_view_if_needed()
    screenshot(page, "new-portal-06-admin-dashboard")
