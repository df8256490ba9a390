"""A contact limited to one branch in headless Chromium: the owner ticks the branch in Settings › System access, the
contact signs in and the header offers only that branch (no "All branches"); screenshots at 1366, 390 and 320 px,
light and dark."""

from pathlib import Path

import pytest

from portal_models.services import orders as svc
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory
from portal_models.tests.order_factories import BranchFactory, CatalogueProductFactory
from portal_pages.tests.factories import ensure_wagtail_root, make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = Path("/tmp/shots/h23")


def sign_in(page, base, email):
    page.goto(f"{base}/orders/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/summit/orders/")


def shots(browser, live_server, email, path, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for width in (1366, 390, 320):
            context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
            page = context.new_page()
            sign_in(page, f"{live_server.url}/summit", email)
            page.goto(f"{live_server.url}/summit{path}")
            page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
            context.close()


def test_owner_limits_a_contact_who_then_sees_one_branch(live_server, browser, page):
    ensure_wagtail_root()
    home = make_portal(name="Summit Supply", slug="summit", primary="#1e3a8a", accent="#0891b2")
    account = AccountFactory(tenant=home.tenant, name="Riverside Builders")
    owner = LoginContactFactory(account=account, email="lee@example.com", can_manage_contacts=True, can_order=True)
    clerk = LoginContactFactory(
        account=account, first_name="Sam", last_name="Ortiz", email="sam@example.com", can_order=True
    )
    north = BranchFactory(account=account, name="North yard", code="N")
    south = BranchFactory(account=account, name="South yard", code="S")
    product = CatalogueProductFactory(tenant=home.tenant)
    for branch in (north, south):
        svc.order_submit(account=account, user=None, lines=[{"product": product, "quantity": 1}], branch=branch)

    base = f"{live_server.url}/summit"
    sign_in(page, base, owner.email)
    assert page.locator("#branch-switch option").all_inner_texts() == ["All branches", "North yard", "South yard"]
    page.goto(f"{base}/settings/")
    row = page.locator(f'[data-testid="access-row"][data-contact="{clerk.pk}"]')
    row.get_by_test_id("branch-limit-N").check()
    row.get_by_test_id("branch-limits-save").click()
    page.get_by_text("Sam Ortiz: branches saved.").wait_for()
    assert list(clerk.branches.values_list("code", flat=True)) == ["N"]

    other = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    sign_in(other, base, clerk.email)
    assert other.locator("#branch-switch option").all_inner_texts() == ["North yard"]
    assert other.get_by_text(south.name).count() == 0
    other.context.close()

    shots(browser, live_server, owner.email, "/settings/", "settings-rights")
    shots(browser, live_server, clerk.email, "/orders/", "limited-header")
