"""The API's docs page and the admin's API keys screen in headless Chromium: Swagger UI runs under the portal's
Content Security Policy (no CDN, no inline script), and staff make a key, copy its secret and revoke it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from portal_models.tests.factories import StaffUserFactory, TenantFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = Path("/tmp/shots/api")
WIDTHS = (1366, 390, 320)


def _page(browser, live_server, *, width: int, scheme: str = "light", user=None):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    if user is not None:
        client = Client()
        client.force_login(user)
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
    blocked = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    return page, blocked


def test_the_docs_page_runs_under_the_csp(browser, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        for scheme in ("light", "dark"):
            page, blocked = _page(browser, live_server, width=width, scheme=scheme)
            page.goto(f"{live_server.url}/api/v1/docs/")
            expect(page.locator(".swagger-ui .title").first).to_contain_text("Client Portal integration API")
            expect(page.get_by_text("/api/v1/invoices/{id}/issue/").first).to_be_visible()
            page.screenshot(path=str(SHOTS / f"docs-{width}-{scheme}.png"), full_page=False)
            # Swagger UI applies one inline style that the portal's style-src blocks (the page does not need it);
            # the policy is not weakened for it. Scripts all run from our own files.
            assert not [text for text in blocked if "script-src" in text], blocked
            page.context.close()


def test_staff_make_copy_and_revoke_a_key(browser, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    TenantFactory(name="Acme Billing", slug="acme")
    staff = StaffUserFactory(email="admin@acme.example.com")
    page, _blocked = _page(browser, live_server, width=1366, user=staff)
    page.goto(f"{live_server.url}/admin/api-keys/")
    page.get_by_label("Name").fill("NetSuite sync")
    page.get_by_label("Write billing").check()
    page.get_by_role("button", name="Make the key").click()
    secret = page.get_by_test_id("new-key-secret")
    expect(secret).to_have_value(__import__("re").compile(r"^ptk_[0-9a-f]{12}_"))
    for width in WIDTHS:
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": width, "height": 900})
            page.emulate_media(color_scheme=scheme)
            page.screenshot(path=str(SHOTS / f"admin-keys-{width}-{scheme}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_test_id("revoke-key").click()
    expect(page.get_by_test_id("api-key")).to_contain_text("Revoked")
    expect(page.get_by_test_id("new-key-secret")).to_have_count(0)
