"""Modules per portal (issue #26): a feature the portal does not offer answers 404 on every one of its screens and
appears in no tab or dashboard widget; marketing chooses them in the portal home's "Portal" tab."""

from __future__ import annotations

import pytest
from wagtail.test.utils.form_data import nested_form_data, streamfield

from portal_models.models import StaffRole
from portal_models.tests.tenant_world import TenantRecords, staff_user

from ..models import PortalHomePage
from ..modules import MODULES, ROUTE_MODULES

pytestmark = pytest.mark.django_db


def turn_off(home, *keys):
    home.modules_off = list(keys)
    home.save_revision().publish()
    return PortalHomePage.objects.get(pk=home.pk)


def test_every_module_owns_routes_and_the_orders_package_declares_its_own():
    owned = {key: {r for r, k in ROUTE_MODULES.items() if k == key} for key in MODULES}
    assert all(owned.values()), owned
    assert {"orders", "quotes", "order_pad"} <= owned["orders"]
    assert {"tickets", "ticket_new", "ticket_detail"} <= owned["tickets"]
    assert "dashboard" not in ROUTE_MODULES and "contacts" not in ROUTE_MODULES


def test_tickets_off_answers_404_and_leaves_no_tab_or_button(portal_a, signed_in_client):
    before = signed_in_client.get(portal_a.route_url("dashboard")).content.decode()
    assert portal_a.route_url("tickets") in before and 'data-testid="dashboard-open-ticket"' in before
    home = turn_off(portal_a, "tickets")
    for route in ("tickets", "ticket_new"):
        assert signed_in_client.get(home.route_url(route)).status_code == 404, route
    assert signed_in_client.get(home.route_url("invoices")).status_code == 200
    page = signed_in_client.get(home.route_url("dashboard")).content.decode()
    assert home.route_url("tickets") not in page and 'data-testid="dashboard-open-ticket"' not in page
    assert home.route_url("invoices") in page


def test_every_module_off_hides_its_tabs_widgets_and_screens(portal_a, signed_in_client):
    home = turn_off(portal_a, *MODULES)
    page = signed_in_client.get(home.route_url("dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    for route in ("invoices", "payments", "documents", "services", "cases", "tickets", "orders", "quotes"):
        assert home.route_url(route) not in html, route
        assert signed_in_client.get(home.route_url(route)).status_code == 404, route
    assert 'data-testid="recent-documents"' not in html
    assert signed_in_client.get(home.route_url("contacts")).status_code == 200


def test_marketing_chooses_the_modules_in_the_page_editor(portal_a, client):
    client.force_login(
        staff_user(TenantRecords(mark="a", tenant=portal_a.tenant), StaffRole.MARKETING, email="m@a.test")
    )
    edit = client.get(f"/admin/pages/{portal_a.pk}/edit/").content.decode()
    assert 'name="modules_off"' in edit and "Support tickets" in edit
    offered = [key for key in MODULES if key != "tickets"]
    data = nested_form_data(
        {
            "title": portal_a.title,
            "slug": portal_a.slug,
            "tenant": portal_a.tenant_id,
            "primary_color": portal_a.primary_color,
            "accent_color": portal_a.accent_color,
            "welcome": streamfield([]),
            "footer_links": streamfield([]),
            "action-publish": "publish",
        }
    )
    data["modules_off"] = offered
    for name in ("navigation", "dashboard"):
        data.update(nested_form_data({name: streamfield([])}))
    response = client.post(f"/admin/pages/{portal_a.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert PortalHomePage.objects.get(pk=portal_a.pk).modules_off == ["tickets"]
