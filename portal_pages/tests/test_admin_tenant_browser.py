"""The demo's tenant staff in headless Chromium: each sees their tenant only (screenshots in test-artifacts/)."""

import pytest

from portal_pages import demo
from portal_pages.demo.tenants import STAFF_PASSWORD
from portal_pages.tests.factories import ensure_wagtail_root

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def demo_data(transactional_db):
    ensure_wagtail_root()
    demo.load()


def sign_in_as(page, live_server, email):
    """Staff sign in through the two-factor login page (the test settings do not require a second factor)."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/?next=/admin/")
    page.locator('[name="auth-username"]').fill(email)
    page.locator('[name="auth-password"]').fill(STAFF_PASSWORD)
    page.locator('[name="auth-password"]').press("Enter")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_demo_staff_see_their_tenant_only(live_server, demo_data, page, screenshot):
    from portal_models.models import Invoice
    from portal_pages.models import PortalHomePage, PortalRootPage

    sign_in_as(page, live_server, "billing@qt9.example.com")
    page.goto(f"{live_server.url}/admin/portal_models/invoice/")
    html = page.content()
    assert "10020" in html and "Northwind" not in html
    screenshot(page, "admin-scope-billing-qt9-invoices")
    northwind_invoice = Invoice.objects.filter(tenant__slug="northwind").first()
    if northwind_invoice is not None:
        response = page.goto(f"{live_server.url}/admin/portal_models/invoice/inspect/{northwind_invoice.pk}/")
        assert response.status == 404

    sign_in_as(page, live_server, "marketing@qt9.example.com")
    page.goto(f"{live_server.url}/admin/pages/")
    assert "Northwind" not in page.content()
    # QT9's portal in each language it is translated into (its rights follow the translation), no other portal
    for directory in PortalRootPage.objects.all():
        page.goto(f"{live_server.url}/admin/pages/{directory.pk}/")
        assert "QT9 Software" in page.content() and "Northwind" not in page.content()
    screenshot(page, "admin-scope-marketing-qt9-pages")
    northwind = PortalHomePage.objects.get(tenant__slug="northwind")
    response = page.goto(f"{live_server.url}/admin/pages/{northwind.pk}/edit/")
    assert "Northwind" not in page.content() or response.status in (403, 404)

    sign_in_as(page, live_server, "support@northwind.example.com")
    page.goto(f"{live_server.url}/admin/portal_models/ticket/")
    assert "QT9" not in page.content()
    screenshot(page, "admin-scope-support-northwind-tickets")
