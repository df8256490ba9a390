"""Production hardening: the production settings refuse to start without their essentials and pass
`check --deploy`; every response carries a Content Security Policy (nonces, Stripe's origins only),
frame and referrer policies and a request id; no inline script runs without the nonce; logs are JSON."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal_models.observability import JsonFormatter
from portal_models.services import billing
from portal_models.tests.factories import PASSWORD, UserFactory
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401

from .test_payments_browser import seed, webhook_to_live_server  # noqa: F401
from .test_payments_views import SEED_LINES

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 20 + "-a-long-random-secret-for-the-deploy-check-only-0123456789",
    "ALLOWED_HOSTS": "portal.example.com",
    "DATABASE_URL": "postgres://portal@db.example.com:5432/portal",
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
}


def production(*args, without: str | None = None, extra: dict | None = None) -> subprocess.CompletedProcess:
    # a clean environment: nothing of this test run (the browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and not k.startswith(("AWS_", "DJANGO_", "STRIPE_", "PYTEST"))
    }
    env.update({k: v for k, v in PRODUCTION_ENV.items() if k != without})
    env.update(extra or {})
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(name):
    result = production("-c", "import sys; sys.path.insert(0, 'site'); import config.settings.production", without=name)
    assert result.returncode != 0
    assert f"The environment variable {name} is required in production." in result.stderr


def test_production_passes_the_deploy_check():
    result = production(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", extra={"REDIS_URL": "redis://127.0.0.1:6379/15"}
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_warns_about_several_workers_without_redis():
    result = production("manage.py", "check", "--deploy", "--fail-level", "WARNING", extra={"GUNICORN_WORKERS": "3"})
    assert result.returncode != 0
    assert "portal.W001" in result.stderr and "3 processes serve requests" in result.stderr


def test_each_release_has_its_own_keys_in_the_shared_cache():
    """Rendered pages are cached: after a deploy, the shared cache must not serve the previous release's HTML."""
    read = "import sys; sys.path.insert(0, 'site'); import config.settings.production as s; print(s.CACHES['default'])"
    env = {"REDIS_URL": "redis://127.0.0.1:6379/1", "RELEASE": "4f2a9c1"}
    result = production("-c", read, extra=env)
    assert result.returncode == 0, result.stderr
    assert "'KEY_PREFIX': '4f2a9c1'" in result.stdout and "RedisCache" in result.stdout


def csp(response) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:] for part in response["Content-Security-Policy"].split(";") if part.strip()
    }


@pytest.mark.django_db
def test_portal_pages_carry_the_policies_and_nonce_their_inline_code(signed_in_client, customer_a, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    settings.STRIPE_JS_URL = "http://127.0.0.1:8420/js.stripe.com/v3/"
    invoice = billing.invoice_create(account=customer_a.account, number="1", lines=SEED_LINES, due_date="2030-01-01")
    customer_a.can_manage_contacts = True
    customer_a.save()
    for url in (
        "/acme/dashboard/",
        f"/acme/invoices/{invoice.pk}/",
        "/acme/tickets/",
        "/acme/settings/access/",
        "/acme/account/two-factor/",
    ):
        response = signed_in_client.get(url)
        assert response.status_code == 200, url
        policy = csp(response)
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert policy["default-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-inline'" not in policy["style-src"]
        assert "https://js.stripe.com" in policy["script-src"] and "https://api.stripe.com" in policy["connect-src"]
        assert "https://hooks.stripe.com" in policy["frame-src"]
        assert "http://127.0.0.1:8420" in policy["script-src"]  # localstripe, where the payments go here
        assert response["X-Frame-Options"] == "DENY" and response["Referrer-Policy"] == "same-origin"
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
        html = response.content.decode()
        assert f'<style nonce="{nonce}">' in html  # the tenant's brand colours
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert all(f'nonce="{nonce}"' in attrs for attrs in inline), url
        assert not re.search(r"\son(click|change|submit|load)=", html), url


@pytest.mark.django_db
def test_admin_policy_allows_wagtails_inline_code(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = csp(response)
    assert "'unsafe-inline'" in policy["script-src"] and not any(s.startswith("'nonce-") for s in policy["script-src"])
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_request_id_is_kept_from_the_load_balancer(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234").headers["X-Request-ID"] == "lb-1234"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n").headers["X-Request-ID"] != "bad id\n"


def test_json_log_lines():
    record = logging.makeLogRecord(
        {"name": "portal.request", "levelname": "INFO", "msg": "GET %s", "args": ("/x/",), "status": 200}
    )
    record.request_id, record.tenant = "abc", "acme"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET /x/" and entry["status"] == 200
    assert (entry["request_id"], entry["tenant"], entry["level"]) == ("abc", "acme", "INFO")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_content_security_policy_violation_in_the_pay_wizard(live_server, webhook_to_live_server, seed, page):  # noqa: F811
    home, john, invoice = seed
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto(f"{live_server.url}/qt9/invoices/{invoice.pk}/")
    page.get_by_label("Email").fill(john.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url(f"**/qt9/invoices/{invoice.pk}/")
    page.get_by_test_id("pay-now").click()
    page.wait_for_url("**/qt9/pay/billing/")
    page.get_by_label("Address 1").fill("1 Quality Way")
    page.get_by_label("ZIP / Postal code").fill("10001")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/qt9/pay/payment/")
    element = page.get_by_test_id("card-element")
    element.locator("input[placeholder=number]").fill("4242424242424242")
    element.locator("input[placeholder=exp_month]").fill("10")
    element.locator("input[placeholder=exp_year]").fill("28")
    element.locator("input[placeholder=cvc]").fill("123")
    element.locator("input[placeholder=postal_code]").fill("10001")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/qt9/pay/confirm/")
    page.get_by_label("Payment details are correct and I authorize this payment.").check()
    page.get_by_test_id("authorize-payment").click()
    page.wait_for_selector("[data-testid=payment-result][data-state=succeeded]", timeout=20_000)
    page.goto(f"{live_server.url}/qt9/dashboard/")
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand-primary')") == "#0b4f8a"
    assert violations == []


GUNICORN_ACCESS = """
import datetime, sys
sys.path[:0] = [".", "site"]
from gunicorn.config import Config
from config.gunicorn_logging import Logger
settings = {}
exec(open("site/config/gunicorn.py").read(), settings)
cfg = Config()
for name in ("logconfig_dict", "accesslog", "logger_class"):
    cfg.set(name, settings[name])
class Response:
    status, headers, response_length, sent = "200 OK", [], 2, 2
class Request:
    headers, method, path, query, version, uri = [], "GET", "/x", "", (1, 1), "/x"
environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "GET", "RAW_URI": "/x", "SERVER_PROTOCOL": "HTTP/1.1"}
assert cfg.logger_class is Logger
Logger(cfg).access(Response(), Request(), environ, datetime.timedelta(seconds=0.01))
"""


@pytest.mark.parametrize("accesslog", ["", "-"])
def test_gunicorn_writes_an_access_line_only_when_asked(accesslog):
    """The application logs each request itself; gunicorn's JSON-formatted messages must not add a second line
    per request (it costs about as much as a small page) unless GUNICORN_ACCESSLOG asks for it."""
    env = {**os.environ, "GUNICORN_ACCESSLOG": accesslog}
    out = subprocess.run(
        [sys.executable, "-c", GUNICORN_ACCESS], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    if accesslog:
        assert [line["logger"] for line in lines] == ["gunicorn.access"]
        assert '"GET /x HTTP/1.1" 200' in lines[0]["message"]
    else:
        assert lines == []


def test_gunicorn_workers_take_what_they_loaded_out_of_the_garbage_collectors_view():
    import gc

    settings = {}
    exec((ROOT / "site" / "config" / "gunicorn.py").read_text(), settings)
    before = gc.get_freeze_count()
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_a_web_worker_loads_without_weasyprint():
    """WeasyPrint costs a process about 40 MB and the web worker serves stored PDFs: it is imported on the first
    render only. Loaded as gunicorn loads it (the WSGI app, every URL pattern and view module), it is not there."""
    script = (
        "import sys; sys.path.insert(0, 'site'); from config.wsgi import application;"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "from portal_pages import pdf; assert callable(pdf.render_pdf);"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('weasyprint', 'pydyf', 'fontTools')))"
    )
    result = production("-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
