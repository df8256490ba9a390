"""Main sign-in journey in a real headless Chromium against a live server."""

import pytest

from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory
from portal_pages.tests.factories import make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def two_portals(transactional_db):
    a = make_portal(name="Acme Billing", slug="acme", primary="#0b4f8a", accent="#16a34a")
    b = make_portal(name="Borealis Power", slug="borealis", primary="#7c2d12", accent="#d97706")
    contact = LoginContactFactory(
        account=AccountFactory(tenant=a.tenant, name="Test Inc."), email="john@example.com", first_name="John"
    )
    return a, b, contact


def fill_login(page, email, password):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_test_id("sign-in").click()


def test_customer_signs_in_on_own_tenant_only(live_server, two_portals, page, phone, screenshot):
    a, b, contact = two_portals

    page.goto(f"{live_server.url}/acme/")
    assert page.url.endswith("/acme/login/?next=/acme/dashboard/") or page.url.endswith("/acme/login/")
    screenshot(page, "login-tenant-a")
    fill_login(page, contact.email, PASSWORD)
    page.wait_for_url("**/acme/dashboard/")
    assert page.get_by_test_id("account-name").inner_text() == "Test Inc."
    assert "Welcome to Acme Billing." in page.content()
    brand = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand-primary')")
    assert brand.strip() == "#0b4f8a"
    screenshot(page, "dashboard-tenant-a")

    phone.goto(f"{live_server.url}/borealis/login/")
    screenshot(phone, "login-tenant-b-phone")
    fill_login(phone, contact.email, PASSWORD)
    assert phone.get_by_role("alert").inner_text().startswith("Please enter a correct email and password")
    assert phone.url.endswith("/borealis/login/")
    phone.goto(f"{live_server.url}/borealis/dashboard/")
    assert "/borealis/login/" in phone.url

    # sign out from the user menu
    page.locator(".user-menu summary").click()
    page.get_by_test_id("sign-out").click()
    page.wait_for_url("**/acme/login/")
