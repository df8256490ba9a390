"""The user menu shows the portal's client ID and the address customers share, with a copy button (seed 003)."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from portal_models.tests.factories import AccountFactory, LoginContactFactory


@pytest.mark.django_db
def test_user_menu_shows_the_client_id_and_the_portal_address(signed_in_client, portal_a, portal_b):
    response = signed_in_client.get(portal_a.url, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="client-id-value">acme<' in html
    assert f'value="{portal_a.full_url}"' in html and portal_a.full_url.endswith("/acme/")
    assert "borealis" not in html
    assert 'data-copy="#portal-address"' in html  # the copy button (shown by the script when it can copy)


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_copy_button_copies_the_address(live_server, browser, screenshot):
    from portal_pages.tests.factories import make_portal
    from portal_pages.tests.test_tickets_browser import ensure_wagtail_tree

    ensure_wagtail_tree()
    home = make_portal(name="Acme Billing", slug="acme", primary="#0b4f8a", accent="#16a34a")
    contact = LoginContactFactory(account=AccountFactory(tenant=home.tenant, name="Test Inc."), first_name="John")
    client = Client()
    client.force_login(contact.user)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/acme/")
    page.locator(".user-menu summary").click()
    expect(page.get_by_test_id("client-id-value")).to_have_text("acme")
    address = page.get_by_test_id("portal-address")
    expect(address).to_have_value(home.full_url)
    copy = page.get_by_role("button", name="Copy")
    expect(copy).to_be_visible()
    copy.click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
    screenshot(page, "user-menu-client-id")
    context.close()
