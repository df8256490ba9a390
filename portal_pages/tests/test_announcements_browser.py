"""Announcements in Chromium (issue #26): the customer sees the tenant's announcement on the dashboard at 1366, 390
and 320 px in light and dark (no sideways scroll), and dismisses it with JavaScript off (a plain form POST);
it stays dismissed. Screenshots to /tmp/shots/lowcode/."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from portal_models.models import Announcement, AnnouncementDismissal

from . import a11y
from .test_announcements import block, publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
SHOTS = Path("/tmp/shots/lowcode")


def test_customer_reads_and_dismisses_an_announcement(live_server, browser, portal_a):
    data = a11y.build_tenant(portal_a)
    user = data.contact.user
    home = publish(
        portal_a,
        dashboard=[block("News"), ("widget", {"widget": "balance", "title": "", "rows": None})],
    )
    Announcement.objects.create(
        tenant=portal_a.tenant,
        title="Planned maintenance on Saturday",
        body="<p>The portal is <b>offline</b> from 02:00 to 04:00 while we upgrade our billing system.</p>",
        starts_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    url = live_server.url + home.route_url("dashboard")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for theme in ("light", "dark"):
        user.theme = theme
        user.save(update_fields=["theme"])
        for width in (1366, 390, 320):
            context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 800)
            context.add_cookies(a11y.session_cookie(live_server, user))
            page = context.new_page()
            page.goto(url)
            page.get_by_role("heading", name="Planned maintenance on Saturday").wait_for()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SHOTS / f"dashboard-announcement-{width}-{theme}.png"), full_page=True)
            context.close()

    context = browser.new_context(viewport={"width": 390, "height": 800}, java_script_enabled=False)
    context.add_cookies(a11y.session_cookie(live_server, user))
    page = context.new_page()
    page.goto(url)
    page.get_by_test_id("announcement-dismiss").click()
    page.wait_for_url(url)
    assert page.get_by_test_id("announcement").count() == 0
    assert AnnouncementDismissal.objects.filter(user=user).count() == 1
    page.goto(url)
    assert page.get_by_test_id("announcement").count() == 0
    context.close()
