"""Announcements (issue #26): marketing writes them as snippets of its tenant; the dashboard's announcements block
shows those in their schedule and audience (every account, or accounts with a service of one product), newest
first, as many as the block says; a user dismisses one with a plain form POST (CSRF, no JavaScript), which lasts;
the block costs the same queries with many announcements as with one."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal_models.models import Announcement, AnnouncementDismissal, StaffRole
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import LoginContactFactory, ProductFactory, ServiceFactory, UserFactory

from ..models import PortalHomePage

pytestmark = pytest.mark.django_db


def publish(home, **fields):
    for name, value in fields.items():
        setattr(home, name, value)
    home.save_revision().publish()
    return PortalHomePage.objects.get(pk=home.pk)


def block(title="", rows=None):
    return ("announcements", {"title": title, "rows": rows})


def announce(tenant, title, *, start=-1, end=None, product=None, body="<p>Read this.</p>"):
    now = timezone.now()
    return Announcement.objects.create(
        tenant=tenant,
        title=title,
        body=body,
        starts_at=now + datetime.timedelta(hours=start),
        ends_at=now + datetime.timedelta(hours=end) if end is not None else None,
        product=product,
    )


@pytest.fixture
def home(portal_a):
    return publish(portal_a, dashboard=[block("News"), ("widget", {"widget": "balance", "title": "", "rows": None})])


def dashboard_html(client, home) -> str:
    response = client.get(home.route_url("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_shown_in_schedule_and_audience_newest_first(home, customer_a, portal_b, signed_in_client):
    tenant = home.tenant
    announce(tenant, "Old news", start=-5)
    announce(tenant, "Fresh news", start=-1)
    announce(tenant, "Not yet", start=2)
    announce(tenant, "Ended news", start=-5, end=-1)
    wanted = ProductFactory(tenant=tenant, name="Fibre")
    ServiceFactory(account=customer_a.account, product=wanted)
    announce(tenant, "For fibre customers", product=wanted, start=-2)
    announce(tenant, "For copper customers", product=ProductFactory(tenant=tenant, name="Copper"))
    announce(portal_b.tenant, "Another tenant's")

    html = dashboard_html(signed_in_client, home)
    assert 'data-testid="announcements"' in html and "News" in html
    assert html.index("Fresh news") < html.index("For fibre customers") < html.index("Old news")
    assert html.index('data-testid="announcements"') < html.index('data-testid="balance-due"')
    for hidden in ("Not yet", "Ended news", "For copper customers", "Another tenant"):
        assert hidden not in html


def test_how_many_and_no_block_no_announcements(portal_a, signed_in_client):
    for n in range(4):
        announce(portal_a.tenant, f"Item {n}", start=-1 - n)
    home = publish(portal_a, dashboard=[block(rows=2)])
    html = dashboard_html(signed_in_client, home)
    assert "Item 0" in html and "Item 1" in html and "Item 2" not in html
    home = publish(home, dashboard=[("widget", {"widget": "balance", "title": "", "rows": None})])
    assert "Item 0" not in dashboard_html(signed_in_client, home)


def test_dismissing_lasts_for_that_user_only(home, customer_a, signed_in_client):
    item = announce(home.tenant, "Planned outage")
    assert "Planned outage" in dashboard_html(signed_in_client, home)  # cached now
    colleague = LoginContactFactory(account=customer_a.account)

    url = home.route_url("announcement_dismiss", item.pk)
    response = signed_in_client.post(url)
    assert response.status_code == 302 and response["Location"].endswith(home.route_url("dashboard"))
    assert AnnouncementDismissal.objects.filter(announcement=item, user=customer_a.user).exists()
    assert "Planned outage" not in dashboard_html(signed_in_client, home)
    signed_in_client.post(url)  # twice: still one dismissal
    assert AnnouncementDismissal.objects.filter(announcement=item).count() == 1

    other = Client()
    other.force_login(colleague.user)
    assert "Planned outage" in dashboard_html(other, home)


def test_dismiss_needs_post_with_csrf_and_a_shown_announcement(home, customer_a, portal_b, signed_in_client):
    item = announce(home.tenant, "Planned outage")
    url = home.route_url("announcement_dismiss", item.pk)
    assert signed_in_client.get(url).status_code == 405

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer_a.user)
    assert strict.post(url).status_code == 403
    assert not AnnouncementDismissal.objects.exists()

    foreign = announce(portal_b.tenant, "Theirs")
    future = announce(home.tenant, "Later", start=3)
    for pk in (foreign.pk, future.pk, 999999):
        assert signed_in_client.post(home.route_url("announcement_dismiss", pk)).status_code == 404
    assert not AnnouncementDismissal.objects.exists()


def test_a_new_announcement_reaches_a_dashboard_already_seen(home, signed_in_client):
    assert "Fresh notice" not in dashboard_html(signed_in_client, home)
    announce(home.tenant, "Fresh notice", start=-1)
    assert "Fresh notice" in dashboard_html(signed_in_client, home)


def test_many_announcements_cost_the_queries_of_one(home, signed_in_client):
    announce(home.tenant, "One")

    def cold():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            dashboard_html(signed_in_client, home)
        return len(queries)

    one = cold()
    for n in range(6):
        announce(home.tenant, f"More {n}", product=ProductFactory(tenant=home.tenant))
    assert cold() == one


def marketer(tenant):
    user = UserFactory(email=f"marketing@{tenant.slug}.example", is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.MARKETING])
    return user


def test_marketing_writes_its_tenants_announcements_only(home, portal_b, client):
    own, other = home.tenant, portal_b.tenant
    theirs = announce(other, "Borealis news")
    client.force_login(marketer(own))
    listing = client.get(reverse("wagtailsnippets_portal_models_announcement:list"))
    assert listing.status_code == 200 and "Borealis news" not in listing.content.decode()
    assert client.get(reverse("wagtailsnippets_portal_models_announcement:edit", args=[theirs.pk])).status_code == 404

    add_url = reverse("wagtailsnippets_portal_models_announcement:add")
    form = client.get(add_url).content.decode()
    assert other.name not in form
    now = timezone.localtime()
    data = {
        "tenant": own.pk,
        "title": "Spring update",
        "body": '{"blocks":[{"key":"a","type":"unstyled","text":"New features.","depth":0,'
        '"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
        "starts_at": now.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (now - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "product": "",
    }
    response = client.post(add_url, data)
    assert response.status_code == 200 and "The end must be after the start." in response.content.decode()
    assert not Announcement.objects.filter(title="Spring update").exists()

    data["ends_at"] = ""
    data["product"] = ProductFactory(tenant=other).pk  # another tenant's product: not a choice
    response = client.post(add_url, data)
    assert response.status_code == 200 and not Announcement.objects.filter(title="Spring update").exists()

    data["product"] = ""
    data["tenant"] = other.pk
    client.post(add_url, data)
    assert not Announcement.objects.filter(title="Spring update", tenant=other).exists()

    data["tenant"] = own.pk
    response = client.post(add_url, data)
    assert response.status_code == 302
    assert Announcement.objects.get(title="Spring update").tenant == own
