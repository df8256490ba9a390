"""What the production stack relies on, through the test client: absolute links at the served address, private
responses, the portal's script policy on customer pages, token-free request logs, the cache in /healthz, rate
limits that fail closed, the deploy check for a shared cache and a real Redis client."""

import logging
import re
import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import caches
from django.test import RequestFactory, override_settings
from django.utils import timezone
from wagtail.models import Page

from portal_models import ratelimit
from portal_models.caching import ResilientRedisCache
from portal_models.checks import shared_cache
from portal_models.csp import relaxed
from portal_models.observability import RequestContextFilter
from portal_models.schedule import SCHEDULE, publish_scheduled_task
from portal_models.services.identity import contact_grant_login
from portal_models.tests.factories import AccountFactory, ContactFactory
from portal_pages.demo.tenants import site_address_set

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "portal_models.caching.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    },
    "renditions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "r"},
}


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db
class TestInvitationLink:
    def test_the_invitation_link_opens_the_set_password_page_at_the_served_address(self, client, portal_a):
        site_address_set("http://127.0.0.1:8000")
        contact = ContactFactory(account=AccountFactory(tenant=portal_a.tenant), email="new@example.com")
        contact_grant_login(contact=contact)
        body = mail.outbox[-1].body
        link = re.search(r"http://127\.0\.0\.1:8000(/\S*/password/set/\S+/)", body)
        assert link, body
        page = client.get(link.group(1), HTTP_HOST="127.0.0.1:8000")
        assert page.status_code == 200
        assert b'name="new_password1"' in page.content or b'type="password"' in page.content
        assert "localhost" not in body

    def test_the_site_follows_the_address_given(self, db, portal_a):
        site = site_address_set("http://127.0.0.1:8080")
        assert (site.hostname, site.port, site.root_url) == ("127.0.0.1", 8080, "http://127.0.0.1:8080")


@pytest.mark.django_db
class TestPrivateResponses:
    def test_signed_in_responses_are_private_and_not_stored(self, signed_in_client):
        response = signed_in_client.get("/acme/dashboard/")
        assert response.status_code == 200
        assert set(response["Cache-Control"].replace(" ", "").split(",")) >= {"private", "no-store"}

    def test_anonymous_pages_are_not_marked(self, client, portal_a):
        assert "no-store" not in client.get("/healthz").get("Cache-Control", "")


class TestScriptPolicy:
    factory = RequestFactory()

    def test_two_factor_screens_and_admin_are_relaxed(self):
        assert relaxed(self.factory.get("/account/login/"))
        assert relaxed(self.factory.get("/admin/pages/"))

    def test_a_customer_page_under_account_keeps_the_nonce_policy(self):
        # a portal on a tenant's own domain is served at its root: /account/... is one of its pages
        assert not relaxed(self.factory.get("/account/password/"))
        assert not relaxed(self.factory.get("/acme/account/password/"))

    @pytest.mark.django_db
    def test_response_header(self, client, portal_a):
        login = client.get("/account/login/")
        assert "'unsafe-inline'" in login["Content-Security-Policy"]
        page = client.get("/acme/login/")
        assert (
            "'nonce-" in page["Content-Security-Policy"]
            and "'unsafe-inline'" not in page["Content-Security-Policy"].split("script-src")[1].split(";")[0]
        )


@pytest.mark.django_db
def test_set_password_tokens_are_not_logged(client, portal_a, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")
    caplog.set_level(logging.INFO, logger="django.request")
    secret = "c4f-0123456789abcdef0123456789abcdef"
    client.get(f"/acme/password/set/MTI/{secret}/")
    client.get(f"/nowhere/password/set/MTI/{secret}/")  # Django's "Not Found: <path>"
    lines = []
    for record in caplog.records:
        RequestContextFilter().filter(record)
        lines.append(record.getMessage() + str(getattr(record, "path", "")))
    assert any("/password/set/MTI/[redacted]/" in line for line in lines), lines
    assert not any(secret in line for line in lines)


@pytest.mark.django_db
def test_healthz_checks_the_cache(client):
    response = client.get("/healthz")
    assert response.json()["cache"] == "ok"
    with override_settings(CACHES=UNREACHABLE_REDIS):
        caches._settings = None  # noqa: SLF001 (re-read CACHES)
        try:
            del caches._connections.default  # noqa: SLF001
        except AttributeError:
            pass
        down = client.get("/healthz")
    try:
        del caches._connections.default  # noqa: SLF001
    except AttributeError:
        pass
    assert down.status_code == 503 and down.json()["cache"] == "error" and down.json()["database"] == "ok"


class TestRedisStopped:
    def cache(self):
        return ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": UNREACHABLE_REDIS["default"]["OPTIONS"]})

    def test_reads_are_misses_and_writes_are_skipped(self):
        cache = self.cache()
        cache.set("k", 1)
        assert cache.get("k", "miss") == "miss" and cache.get_many(["k"]) == {}
        assert not cache.has_key("k") and not cache.touch("k") and "k" not in cache

    @pytest.mark.django_db
    def test_a_new_session_is_saved_in_the_database(self, monkeypatch):
        from django.contrib.sessions.backends import cached_db

        monkeypatch.setattr(cached_db, "caches", {"default": self.cache()})
        session = cached_db.SessionStore()
        session["tenant"] = 1
        session.save()  # the new key's uniqueness is asked of the cache first, then of the database
        assert cached_db.SessionStore(session.session_key).load() == {"tenant": 1}

    def test_rate_limits_fail_closed(self, monkeypatch):
        monkeypatch.setattr(ratelimit, "cache", self.cache())
        assert ratelimit.hit(scope="signin:1", key="ip:1.2.3.4", limit=5, window=60) is False
        with pytest.raises(ratelimit.RateLimited):
            ratelimit.check(scope="register:1", limits=[("email:a@example.com", 5, 60)])


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_the_real_redis_client_on_this_machine():
    cache = ResilientRedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "portal-test"})
    cache.set("probe", {"a": 1}, 30)
    assert cache.get("probe") == {"a": 1}
    assert cache.add("counter", 0, 30) and cache.incr("counter") == 1
    cache.delete_many(["probe", "counter"])
    assert cache.get("probe") is None


def test_deploy_check_warns_about_several_processes_without_a_shared_cache():
    with override_settings(PORTAL_APP_PROCESSES=4):
        assert [w.id for w in shared_cache(None)] == ["portal.W001"]
    with override_settings(PORTAL_APP_PROCESSES=1):
        assert shared_cache(None) == []


@pytest.mark.django_db
def test_the_scheduled_publishing_task_publishes_a_page_whose_time_has_come(portal_a):
    page = portal_a.specific
    page.title = "Acme Billing (new)"
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() - timedelta(minutes=1)
    revision.save(update_fields=["approved_go_live_at"])
    assert Page.objects.get(pk=page.pk).title != "Acme Billing (new)"
    publish_scheduled_task.call()
    assert Page.objects.get(pk=page.pk).title == "Acme Billing (new)"
    assert [entry.cron for entry in SCHEDULE if entry.task is publish_scheduled_task] == ["* * * * *"]
