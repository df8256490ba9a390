"""axe-core over every customer screen, in headless Chromium: desktop and phone width (390 px), light and dark
theme, two tenants' brand colours (see combinations()). No serious or critical violation may remain.

The screens come from PortalHomePage's routes (every route is scanned or listed in a11y.NOT_SCANNED_SIGNED_IN with
the reason), plus the pay wizard walked step by step against localstripe (with its error states), the signed-out
screens, the portal's child pages and the 404 page. One browser and one signed-in session per run; all violations
of a run are reported at once."""

import itertools
import os

import pytest

from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401
from portal_pages.models import PortalHomePage

from . import a11y
from .test_payments_browser import webhook_to_live_server  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# localstripe's stand-in for Stripe's card Element (bare inputs); in production Stripe serves its own iframe.
EXCLUDE_CARD_ELEMENT = "#card-element"


def test_every_route_is_scanned_or_explained():
    """A new route of PortalHomePage is scanned unless it is listed in NOT_SCANNED_SIGNED_IN (with the reason)."""
    names = {p.name for p in PortalHomePage.get_subpage_urls()}
    assert not set(a11y.NOT_SCANNED_SIGNED_IN) - names, "NOT_SCANNED_SIGNED_IN lists routes that no longer exist"
    scanned = set(a11y.screen_routes(PortalHomePage))
    assert scanned == names - set(a11y.NOT_SCANNED_SIGNED_IN)
    assert {"dashboard", "invoices", "invoice", "payments", "tickets", "cases", "two_factor"} <= scanned


def scan(page, name: str, found: list[str], seen: list[str]) -> None:
    violations = a11y.axe_violations(page, exclude=[EXCLUDE_CARD_ELEMENT])
    seen.append(name)
    found += a11y.describe([v for v in violations if v["impact"] in a11y.BLOCKING], name)


def walk_pay_wizard(page, base, data, invoice, label, found, seen, screenshot):
    home = data.home
    page.goto(base + home.url + home.reverse_subpage("pay_invoice", args=[invoice.pk]))
    page.wait_for_url("**/pay/billing/")
    scan(page, f"pay_billing {label}", found, seen)
    page.get_by_label("Address 1").fill("")
    page.get_by_test_id("next-step").click()
    page.get_by_test_id("error-summary").wait_for()
    scan(page, f"pay_billing (errors) {label}", found, seen)
    page.get_by_label("Address 1").fill("1 Main St")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/pay/payment/")
    element = page.get_by_test_id("card-element")
    element.locator("input[placeholder=number]").wait_for()
    scan(page, f"pay_card {label}", found, seen)
    element.locator("input[placeholder=number]").fill("4242424242424242")
    element.locator("input[placeholder=exp_month]").fill("10")
    element.locator("input[placeholder=exp_year]").fill("28")
    element.locator("input[placeholder=cvc]").fill("123")
    element.locator("input[placeholder=postal_code]").fill("10001")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/pay/confirm/")
    page.get_by_test_id("authorize-payment").click()  # not ticked: the error summary
    page.locator(".error, [role=alert]").first.wait_for()
    scan(page, f"pay_confirm (error) {label}", found, seen)
    page.get_by_label("Payment details are correct and I authorize this payment.").check()
    page.get_by_test_id("authorize-payment").click()
    page.wait_for_url("**/pay/result/pi_*/")
    page.wait_for_selector("[data-testid=payment-result][data-state=succeeded]", timeout=20_000)
    scan(page, f"pay_result {label}", found, seen)
    screenshot(page, "a11y-pay-result-" + label.strip("[]").replace(", ", "-"))


def combinations() -> list[tuple[str, str, str]]:
    """(tenant fixture, theme, viewport). By default a pairwise set: every tenant × theme, theme × viewport and
    tenant × viewport pair occurs once, in 4 runs. A11Y_FULL_MATRIX=1 runs all 8 combinations."""
    if os.environ.get("A11Y_FULL_MATRIX"):
        return list(itertools.product(["portal_a", "portal_b"], ["light", "dark"], ["desktop", "phone"]))
    return [
        ("portal_a", "light", "desktop"),
        ("portal_a", "dark", "phone"),
        ("portal_b", "light", "phone"),
        ("portal_b", "dark", "desktop"),
    ]


@pytest.mark.parametrize(("tenant", "theme", "viewport"), [pytest.param(*c, id="-".join(c)) for c in combinations()])
def test_axe_every_customer_screen(
    request,
    live_server,
    webhook_to_live_server,  # noqa: F811
    browser,
    screenshot,
    tenant,
    theme,
    viewport,  # noqa: F811
):
    home = request.getfixturevalue(tenant)
    data = a11y.build_tenant(home)
    user = data.contact.user
    user.theme = theme
    user.save(update_fields=["theme"])
    base = live_server.url
    size = a11y.DESKTOP if viewport == "desktop" else a11y.PHONE
    label = f"[{viewport}, {theme}, {home.slug}]"
    found: list[str] = []
    seen: list[str] = []

    anonymous = browser.new_context(viewport=size)
    anon = anonymous.new_page()
    for name, path in a11y.anonymous_screens(data):
        anon.goto(base + path)
        scan(anon, f"{name} {label}", found, seen)
    anonymous.close()

    context = browser.new_context(viewport=size)
    context.add_cookies(a11y.session_cookie(live_server, user))
    page = context.new_page()
    page.set_default_timeout(15_000)
    for name, path in a11y.customer_screens(data):
        page.goto(base + path)
        assert "/login/" not in page.url, f"{name} sent the signed-in user to sign in"
        scan(page, f"{name} {label}", found, seen)
        if name == "dashboard":
            screenshot(page, f"a11y-dashboard-{home.slug}-{theme}-{viewport}")
        if name == "two_factor":  # the setup wizard's next steps: method, then the QR code
            page.get_by_test_id("two-factor-next").click()
            page.get_by_label("Token generator").wait_for()
            scan(page, f"two_factor method {label}", found, seen)
            page.get_by_label("Token generator").check()
            page.get_by_test_id("two-factor-next").click()
            page.get_by_test_id("totp-qr").wait_for()
            scan(page, f"two_factor generator {label}", found, seen)
    walk_pay_wizard(page, base, data, data.invoice, label, found, seen, screenshot)
    context.close()

    print(f"\n{len(seen)} screens scanned {label}")
    assert len(seen) >= len(a11y.anonymous_screens(data)) + len(a11y.customer_screens(data)) + 6
    assert not found, "axe found serious/critical violations:\n" + "\n".join(found)
