"""Roles management in headless Chromium: a support user cycles cells of their tenant's role by click and by
keyboard, each change saved at once (it survives a reload); the shared roles are read-only."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from portal_models.models import CaseRole, Grant, StaffRole
from portal_models.services.tenants import tenant_staff_groups_ensure

from .factories import CaseRoleFactory, TenantFactory, UserFactory, default_case_roles

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def grid_data(transactional_db):
    default_case_roles()
    tenant = TenantFactory(name="Acme Legal", slug="acme")
    staff = UserFactory(email="support@acme.example.com", first_name="Sam", last_name="Support", is_staff=True)
    staff.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.SUPPORT])
    role = CaseRoleFactory(
        tenant=tenant,
        name="Paralegal",
        view_case=Grant.ALLOW,
        view_documents=Grant.ALLOW,
        upload_documents=Grant.NONE,
        view_invoices=Grant.DENY,
        post_notes=Grant.ALLOW,
        manage_assignments=Grant.NONE,
    )
    other = TenantFactory(name="Other Firm", slug="other")
    CaseRoleFactory(tenant=other, name="Other firm's role")
    return staff, role


def admin_page(browser, live_server, user, width=1280):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 900})
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
    return page


def test_grid_cycles_by_click_and_keyboard_and_persists(live_server, browser, grid_data, screenshot):
    staff, role = grid_data
    page = admin_page(browser, live_server, staff)
    page.goto(f"{live_server.url}/admin/cases/roles/")
    expect(page.get_by_role("heading", name="Roles management")).to_be_visible()
    expect(page.get_by_text("Other firm's role")).to_have_count(0)

    cell = page.get_by_test_id(f"cell-{role.pk}-view_case")
    expect(cell).to_have_attribute("data-value", "allow")
    expect(cell).to_have_accessible_name("Paralegal, View case: Allow. Activate to change to Not granted.")
    screenshot(page, "roles-grid-1280")

    # click: allow -> not granted, saved at once (no page load: the status says so)
    cell.click()
    expect(cell).to_have_attribute("data-value", "none")
    expect(cell).to_contain_text("Not granted")
    expect(page.locator("#roles-grid-status")).to_contain_text("Paralegal · View case: Allow → Not granted. Saved.")

    # keyboard: focus the cell, Enter -> deny, Space -> allow
    cell.focus()
    page.keyboard.press("Enter")
    expect(cell).to_have_attribute("data-value", "deny")
    expect(cell).to_have_accessible_name("Paralegal, View case: Deny. Activate to change to Allow.")
    expect(cell).to_be_focused()
    page.keyboard.press("Space")
    expect(cell).to_have_attribute("data-value", "allow")
    # Tab moves to the next permission of the row; Enter cycles it
    page.keyboard.press("Tab")
    documents = page.get_by_test_id(f"cell-{role.pk}-view_documents")
    expect(documents).to_be_focused()
    page.keyboard.press("Enter")
    expect(documents).to_have_attribute("data-value", "none")

    role.refresh_from_db()
    assert (role.view_case, role.view_documents) == (Grant.ALLOW, Grant.NONE)
    page.reload()
    expect(page.get_by_test_id(f"cell-{role.pk}-view_documents")).to_have_attribute("data-value", "none")
    expect(page.get_by_test_id(f"cell-{role.pk}-view_invoices")).to_contain_text("Deny")

    # the pluses: the role's data-level rights fold under a button; expanded, each cycles the same way
    internal = page.get_by_test_id(f"right-{role.pk}-view_case-notes-internal")
    expect(internal).to_be_hidden()
    expand = page.get_by_test_id(f"expand-{role.pk}")
    expect(expand).to_have_attribute("aria-expanded", "false")
    expand.focus()
    page.keyboard.press("Enter")
    expect(expand).to_have_attribute("aria-expanded", "true")
    expect(internal).to_be_visible()
    expect(internal).to_have_accessible_name(
        "Paralegal, Notes: internal notes: Not granted. Activate to change to Deny."
    )
    internal.click()
    expect(internal).to_have_attribute("data-value", "deny")
    internal.focus()
    page.keyboard.press("Enter")
    expect(internal).to_have_attribute("data-value", "allow")
    assert role.rights.get(permission="view_case", target="notes:internal").grant == Grant.ALLOW
    screenshot(page, "roles-grid-expanded")
    page.reload()
    page.get_by_test_id(f"expand-{role.pk}").click()
    expect(page.get_by_test_id(f"right-{role.pk}-view_case-notes-internal")).to_have_attribute("data-value", "allow")

    # shared roles: shown, not buttons
    shared = CaseRole.objects.get(tenant=None, name="Client")
    shared_cell = page.get_by_test_id(f"cell-{shared.pk}-view_case")
    expect(shared_cell).to_contain_text("read-only")
    assert shared_cell.evaluate("el => el.tagName") == "SPAN"
    screenshot(page, "roles-grid-after")

    phone = admin_page(browser, live_server, staff, width=390)
    phone.goto(f"{live_server.url}/admin/cases/roles/")
    expect(phone.get_by_test_id(f"cell-{role.pk}-view_documents")).to_have_attribute("data-value", "none")
    screenshot(phone, "roles-grid-390")


@pytest.mark.parametrize("width", [1366, 390, 320])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_expanded_grid_never_scrolls_the_page_sideways(live_server, browser, grid_data, screenshot, width, scheme):
    staff, role = grid_data
    page = admin_page(browser, live_server, staff, width=width)
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server.url}/admin/cases/roles/")
    for button in page.locator("[data-grid-expand]").all():
        if button.get_attribute("aria-expanded") != "true":
            button.click()
    expect(page.get_by_test_id(f"right-{role.pk}-view_case-notes-internal")).to_be_visible()
    sizes = page.evaluate(
        "() => ({page: document.scrollingElement.scrollWidth, view: window.innerWidth,"
        " grid: document.querySelector('[data-roles-grid]').scrollWidth,"
        " region: document.querySelector('[data-testid=roles-grid-scroll]').clientWidth})"
    )
    assert sizes["page"] <= sizes["view"], sizes
    if sizes["grid"] > sizes["region"]:  # the grid scrolls in its own region, the role column stays in view
        region = page.get_by_test_id("roles-grid-scroll")
        region.evaluate("el => el.scrollLeft = el.scrollWidth")
        name = page.get_by_test_id(f"role-row-{role.pk}").locator("th")
        box, frame = name.bounding_box(), region.bounding_box()
        assert box["x"] >= frame["x"] - 1 and box["x"] < frame["x"] + 10, (box, frame)
        expect(page.locator("#roles-grid-hint")).to_be_visible()
    screenshot(page, f"roles-grid-expanded-{width}-{scheme}")
