"""CSRF is enforced on every POST of the portal (generated from the same route enumeration as the isolation
matrix). The Stripe webhook is the one documented exemption: it is authenticated by its signature instead."""

import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver

from portal_models.tests.factories import PASSWORD, PDF_BYTES, StaffUserFactory
from portal_pages.models import PortalRegistrationPage

from .conftest import assert_unchanged, db_state
from .world import ROUTES, Holder

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "N3w-Passw0rd!x"


def valid_post_data(holder) -> dict:
    """Data that the routes' forms accept: without the CSRF check, these POSTs would change something."""
    return {
        "subject": "Printer offline",
        "description": "Line 3",
        "category": "question",
        "severity": "2",
        "body": "A note",
        "reason": "Still broken",
        "title": "Tax form",
        "first_name": "Jane",
        "last_name": "Roe",
        "email": "jane.roe@example.com",
        "address_1": "1 Main Street",
        "city": "Aurora",
        "state": "IL",
        "postal_code": "60505",
        "country": "USA",
        "theme": "dark",
        "account": str(holder.account.pk),
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        "action": "disable_all",
        "file": SimpleUploadedFile("tax.pdf", PDF_BYTES, content_type="application/pdf"),
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_post_needs_the_csrf_token(route, portal_a, request):
    stripe = request.getfixturevalue("localstripe") if "intent" in route.params else None
    me = Holder(portal_a, name="Me Inc.", localstripe=stripe)
    me.other_contact  # noqa: B018  (a colleague whose login "disable all" would switch off)
    url = route.url(me, portal_a)
    anonymous = route.name in ("password_forgot", "set_password")
    client = Client(enforce_csrf_checks=True)
    if not anonymous:
        client.force_login(me.user)
    before = db_state()
    response = client.post(url, valid_post_data(me))
    assert response.status_code == 403, f"POST {url} ({route.name}) without a CSRF token: {response.status_code}"
    assert_unchanged(before, db_state(), f"a POST to {route.name} without a CSRF token")
    assert not mail.outbox
    if route.name == "logout":
        assert client.get(portal_a.url + "dashboard/").status_code == 200  # still signed in


def test_sign_in_and_registration_pages_need_the_csrf_token(world):
    home = world.home_a
    registration = PortalRegistrationPage(title="Register", slug="register")
    home.add_child(instance=registration)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        home.login_page.url,
        {
            f"portal_login_{home.tenant_id}-current_step": "auth",
            "auth-username": world.attacker.user.email,
            "auth-password": PASSWORD,
        },
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    before = db_state()
    response = client.post(
        registration.url,
        {
            "first_name": "A",
            "last_name": "B",
            "email": world.attacker.user.email,
            "company": "X",
            "captcha_0": "x",
            "captcha_1": "PASSED",
        },
    )
    assert response.status_code == 403
    assert_unchanged(before, db_state(), "registration without a CSRF token")
    assert not mail.outbox


def test_with_the_token_the_same_post_goes_through(world):
    """The control: the 403s above are the CSRF check, not a broken form."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.attacker.user)
    url = world.home_a.url + "tickets/new/"
    page = client.get(url)
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    data = {**valid_post_data(world.attacker), "csrfmiddlewaretoken": token}
    response = client.post(url, data)
    assert response.status_code == 302, response.status_code


# --- exemptions --------------------------------------------------------------------------------

# Views that Django's CSRF middleware does not check, and why that is safe.
CSRF_EXEMPT = {
    "stripe_webhook": "Stripe's servers call it; the Stripe-Signature HMAC authenticates every delivery",
    # Wagtail's admin API (Django REST framework): DRF's SessionAuthentication enforces CSRF itself.
    "listing": "wagtail admin API (DRF enforces CSRF)",
    "detail": "wagtail admin API (DRF enforces CSRF)",
    "find": "wagtail admin API (DRF enforces CSRF)",
    "action": "wagtail admin API (DRF enforces CSRF)",
}
# The integration API (portal_api): DRF views, authenticated only by the key in the Authorization header
# (ApiKeyAuthentication; no session or cookie is read), so a cross-site request carries no credential to forge.
API_PREFIX = "api/v1/"


def exempt_views():
    found = []

    def walk(resolver, prefix):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, prefix + str(entry.pattern))
            elif getattr(entry.callback, "csrf_exempt", False):
                found.append((prefix + str(entry.pattern), entry.name))

    walk(get_resolver(), "")
    return found


def test_the_stripe_webhook_is_the_only_exemption_of_ours():
    found = exempt_views()
    for path, name in found:
        if path.startswith(API_PREFIX):
            continue
        assert name in CSRF_EXEMPT, f"{path} ({name}) is csrf_exempt: document why in CSRF_EXEMPT or remove it"
        if name != "stripe_webhook":
            assert path.startswith("admin/api/"), path
    assert ("stripe/webhook/", "stripe_webhook") in found


def test_wagtail_admin_api_still_checks_csrf(db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffUserFactory())
    root = get_resolver().resolve("/admin/api/main/pages/").func  # noqa: F841  (the view exists)
    from wagtail.models import Page

    page = Page.objects.filter(depth__gt=1).first()
    response = client.post(
        f"/admin/api/main/pages/{page.pk}/action/copy/", data=json.dumps({}), content_type="application/json"
    )
    assert response.status_code == 403 and "CSRF" in response.content.decode()


def test_the_webhook_needs_no_token_but_a_signature(client, db):
    response = Client(enforce_csrf_checks=True).post(
        "/stripe/webhook/", data=b"{}", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00"
    )
    assert response.status_code == 400  # refused by the signature check, not by CSRF (403)


def test_the_integration_api_reads_no_session_so_csrf_cannot_apply():
    """Every csrf-exempt view under /api/v1/ authenticates by API key only: no cookie means no forged request."""
    from portal_api.authentication import ApiKeyAuthentication

    checked = 0

    def walk(resolver, prefix):
        nonlocal checked
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, prefix + str(entry.pattern))
            elif (prefix + str(entry.pattern)).startswith(API_PREFIX) and hasattr(entry.callback, "cls"):
                classes = getattr(entry.callback.cls, "authentication_classes", [])
                if entry.name in ("schema", "docs"):
                    continue  # read-only description of the API, the same for everyone
                assert list(classes) == [ApiKeyAuthentication], (entry.name, classes)
                checked += 1

    walk(get_resolver(), "")
    assert checked >= 30
