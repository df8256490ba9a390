"""The portal composed in the page editor (issue #26): the dashboard as a StreamField of the registry's widgets
(with a title and rows) and quick links, the navigation's order, labels and extra links; a module that is off
stays out even when placed; the query count does not grow with the widgets placed."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal_models.tests.factories import seed_invoice

from ..dashboard.widgets import PLACEABLE_WIDGETS
from ..models import PortalHomePage

pytestmark = pytest.mark.django_db


def publish(home, **fields):
    for name, value in fields.items():
        setattr(home, name, value)
    home.save_revision().publish()
    return PortalHomePage.objects.get(pk=home.pk)


def widget(name, **options):
    return ("widget", {"widget": name, "title": options.get("title", ""), "rows": options.get("rows")})


QUICK_LINK = (
    "quick_links",
    {"title": "Handy", "links": [{"label": "Status page", "url": "https://status.example.com"}]},
)


def cold_dashboard(client, home):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(home.route_url("dashboard"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_every_widget_placed_costs_the_same_queries_as_the_default(portal_a, customer_a, signed_in_client):
    seed_invoice(customer_a.account, number="INV-Q1")
    default_html, default_queries = cold_dashboard(signed_in_client, portal_a)
    home = publish(
        portal_a,
        dashboard=[*(widget(name) for name in PLACEABLE_WIDGETS), widget("balance", title="Again"), QUICK_LINK],
    )
    html, queries = cold_dashboard(signed_in_client, home)
    assert 'data-testid="balance-due"' in html and 'data-testid="quick-links"' in html and "INV-Q1" in html
    assert queries == default_queries, f"{queries} queries with every widget placed, {default_queries} by default"
    assert 'data-testid="balance-due"' in default_html


def test_balance_moved_to_the_top_titles_rows_and_a_quick_link(portal_a, customer_a, signed_in_client):
    for n in range(3):
        seed_invoice(customer_a.account, number=f"INV-R{n}")
    home = publish(
        portal_a,
        dashboard=[QUICK_LINK, widget("balance", title="What you owe"), widget("invoices", rows=1)],
    )
    html = signed_in_client.get(home.route_url("dashboard")).content.decode()
    assert html.index('data-testid="quick-links"') < html.index('data-testid="balance-due"')
    assert "What you owe" in html and "https://status.example.com" in html
    assert sum(f"INV-R{n}" in html for n in range(3)) == 1  # one row
    assert 'data-testid="recent-documents"' not in html  # not placed


def test_a_placed_widget_of_a_module_that_is_off_is_not_shown(portal_a, signed_in_client):
    home = publish(portal_a, dashboard=[widget("balance"), widget("documents")], modules_off=["billing"])
    html = signed_in_client.get(home.route_url("dashboard")).content.decode()
    assert 'data-testid="balance-due"' not in html and 'data-testid="missing-service-files"' in html


def test_navigation_order_labels_and_extra_links(portal_a, signed_in_client):
    help_page = portal_a.get_children().live().exclude(slug=portal_a.login_page.slug).first().specific
    home = publish(
        portal_a,
        navigation=[
            ("tab", {"route": "tickets", "label": "Get help"}),
            ("tab", {"route": "dashboard", "label": ""}),
            ("link", {"label": "Our FAQ", "page": help_page, "url": ""}),
            ("link", {"label": "Status", "page": None, "url": "https://status.example.com"}),
            ("tab", {"route": "cases", "label": ""}),
        ],
        modules_off=["cases"],
    )
    html = signed_in_client.get(home.route_url("dashboard")).content.decode()
    nav = html[html.index('class="tabs"') : html.index("</nav>", html.index('class="tabs"'))]
    assert nav.index("Get help") < nav.index(">Home<") < nav.index("Our FAQ") < nav.index("Status")
    assert help_page.url in nav and "https://status.example.com" in nav
    assert home.route_url("cases") not in nav and home.route_url("invoices") not in nav  # off / not placed
