"""The routing cache (portal_pages.routing_cache): fewer queries per page, and never a stale site, portal page,
tenant, branding or view restriction after a change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction, Site

from portal_models.caching import routing_version
from portal_models.models import CacheVersion
from portal_models.tests.factories import make_document, seed_invoice

pytestmark = pytest.mark.django_db


def warm_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_warm_pages_need_only_a_few_queries(signed_in_client, portal_a, customer_a):
    """Site, portal page, tenant, branding and view restrictions come from the cache once warm."""
    from django.test import Client

    seed_invoice(customer_a.account)
    help_url = portal_a.get_children().get(slug="help").url
    assert warm_queries(Client(), help_url) == 3  # routing version, the content page (2)
    # session (the database backend in tests), user, routing version, contact (with whether the company has
    # branches), and the dashboard widgets that are read for each request (orders, deliveries, credit memos)
    assert warm_queries(signed_in_client, "/acme/dashboard/") == 7


def test_every_kind_of_change_replaces_the_routing_version(portal_a, customer_a):
    class Request:
        pass

    def version():
        return routing_version(Request())

    start = version()
    portal_a.support_phone = "+1 555 0100"
    portal_a.save_revision().publish()
    after_publish = version()
    assert after_publish != start
    tenant = portal_a.tenant
    tenant.name = "Acme Renamed"
    tenant.save()
    assert version() != after_publish
    now = version()
    Site.objects.get(is_default_site=True).save()
    assert version() != now
    now = version()
    make_document(title="Price list", tenant=tenant)  # tenant documents: bump_tenants
    assert version() != now


def test_a_published_change_of_branding_shows_at_once(client, portal_a):
    login_url = portal_a.login_page.url
    assert "#0b4f8a" in client.get(login_url).content.decode()
    portal_a.primary_color = "#123456"
    portal_a.save_revision().publish()
    html = client.get(login_url).content.decode()
    assert "#123456" in html and "#0b4f8a" not in html


def test_a_renamed_tenant_shows_at_once(signed_in_client, portal_a):
    assert "Acme Billing" in signed_in_client.get("/acme/dashboard/").content.decode()
    tenant = portal_a.tenant
    tenant.name = "Acme Industries"
    tenant.save()
    assert "Acme Industries" in signed_in_client.get("/acme/dashboard/").content.decode()


def test_a_new_view_restriction_applies_at_once(client, portal_a):
    help_page = portal_a.get_children().get(slug="help")
    assert client.get(help_page.url).status_code == 200  # cached without restrictions
    PageViewRestriction.objects.create(page=help_page, restriction_type=PageViewRestriction.PASSWORD, password="x1")
    response = client.get(help_page.url)
    assert response.status_code == 200 and 'name="password"' in response.content.decode()


def test_an_unpublished_portal_is_gone_at_once(signed_in_client, portal_a):
    assert signed_in_client.get("/acme/dashboard/").status_code == 200
    portal_a.unpublish()  # an UPDATE of the page row (no save signal)
    assert signed_in_client.get("/acme/dashboard/").status_code == 404


def test_a_new_tenant_document_reaches_the_cached_dashboard(signed_in_client, portal_a, customer_a):
    """Tenant documents bump the tenant's counter; the tenant is cached with its portal page, so the routing
    cache must follow, or the dashboard would keep its old list."""
    signed_in_client.get("/acme/dashboard/")
    make_document(title="Safety data sheet 2027", tenant=portal_a.tenant)
    assert "Safety data sheet 2027" in signed_in_client.get("/acme/dashboard/").content.decode()


def test_without_its_counter_row_the_version_is_created(portal_a, client):
    CacheVersion.objects.all().delete()
    assert client.get(portal_a.login_page.url).status_code == 200
    assert CacheVersion.objects.filter(name="routing").exists()
