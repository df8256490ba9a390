"""Redirects only to our own hosts, a new session at sign-in, one-time set-password links."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal_models.models import Contact
from portal_models.tests.factories import (
    PASSWORD,
    AccountFactory,
    ContactFactory,
    LoginContactFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "N3w-Passw0rd!x"
OTHER_PASSWORD = "0ther-Passw0rd!y"

# Ways to name another site in a redirect target (Django's own tests of url_has_allowed_host_and_scheme).
EVIL_NEXT = [
    "https://evil.example/",
    "http://evil.example/acme/dashboard/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https:evil.example",
    "http:/evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "https://testserver@evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]


def is_ours(location: str) -> bool:
    """A redirect that stays on this site: a path, not a scheme or a network location in any spelling."""
    from django.utils.http import url_has_allowed_host_and_scheme

    return url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}) and "evil" not in location


def login_post(client, home, email, password=PASSWORD, next_url=None):
    url = home.login_page.url + (
        f"?{__import__('urllib.parse').parse.urlencode({'next': next_url})}" if next_url else ""
    )
    return client.post(
        url,
        {f"portal_login_{home.tenant_id}-current_step": "auth", "auth-username": email, "auth-password": password},
    )


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_portal_sign_in_never_redirects_elsewhere(client, portal_a, customer_a, target):
    response = login_post(client, portal_a, customer_a.user.email, next_url=target)
    assert response.status_code == 302
    assert response["Location"] == "/acme/dashboard/", f"next={target!r} led to {response['Location']}"


def test_portal_sign_in_keeps_a_next_on_our_site(client, portal_a, customer_a):
    response = login_post(client, portal_a, customer_a.user.email, next_url="/acme/invoices/?status=open")
    assert response["Location"] == "/acme/invoices/?status=open"


@pytest.mark.parametrize("target", EVIL_NEXT[:6])
def test_staff_sign_in_never_redirects_elsewhere(client, db, target):
    staff = StaffUserFactory()
    response = client.post(
        reverse("two_factor:login") + "?next=" + target,
        {"login_view-current_step": "auth", "auth-username": staff.email, "auth-password": PASSWORD},
    )
    assert response.status_code == 302 and is_ours(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL_NEXT[:6])
def test_theme_switch_goes_back_only_to_our_pages(signed_in_client, target):
    response = signed_in_client.post("/acme/account/theme/", {"theme": "dark", "next": target})
    assert response["Location"] == "/acme/dashboard/"
    response = signed_in_client.post("/acme/account/theme/", {"theme": "dark"}, HTTP_REFERER=target)
    assert response["Location"] == "/acme/dashboard/"


@pytest.mark.parametrize("target", EVIL_NEXT[:6])
def test_admin_login_grant_goes_back_only_to_our_pages(client, db, portal_a, target):
    contact = ContactFactory(account=AccountFactory(tenant=portal_a.tenant), email="jane@example.com")
    client.force_login(StaffUserFactory())
    url = reverse("identity_portal_login_change", args=[contact.pk])
    response = client.post(url, {"action": "revoke", "next": target})
    assert response.status_code == 302
    assert is_ours(response["Location"]), f"next={target!r} led to {response['Location']}"


# --- sessions ------------------------------------------------------------------------------------


def test_session_is_rotated_at_sign_in(client, portal_a, customer_a):
    client.get(portal_a.login_page.url)  # the login wizard keeps its state in the session
    client.session.save()
    before = client.session.session_key
    assert before
    response = login_post(client, portal_a, customer_a.user.email)
    assert response["Location"] == "/acme/dashboard/"
    after = client.cookies["sessionid"].value
    assert after != before
    # the session an attacker might have planted before sign-in does not carry the sign-in
    fixated = Client()
    fixated.cookies["sessionid"] = before
    assert fixated.get("/acme/dashboard/").status_code == 302
    assert client.get("/acme/dashboard/").status_code == 200


def test_sign_out_ends_the_session_server_side(client, portal_a, customer_a):
    login_post(client, portal_a, customer_a.user.email)
    key = client.cookies["sessionid"].value
    client.post("/acme/logout/")
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get("/acme/dashboard/").status_code == 302


def test_changing_the_password_ends_other_sessions(client, portal_a, customer_a):
    other_device = Client()
    login_post(other_device, portal_a, customer_a.user.email)
    login_post(client, portal_a, customer_a.user.email)
    response = client.post(
        "/acme/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/acme/dashboard/").status_code == 200  # this session was kept
    assert other_device.get("/acme/dashboard/").status_code == 302  # the other one is signed out


# --- one-time links ------------------------------------------------------------------------------


def link_from(message) -> str:
    return re.search(r"http://[^\s]+/password/set/[^\s]+/", message.body).group(0).split("localhost", 1)[1]


def assert_link_refused(client, link, user):
    page = client.get(link)
    assert page.status_code == 404 and "This link no longer works" in page.content.decode()
    response = client.post(link, {"new_password1": OTHER_PASSWORD, "new_password2": OTHER_PASSWORD})
    assert response.status_code == 404 and "This link no longer works" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(OTHER_PASSWORD)


def test_password_reset_link_works_once(client, portal_a, customer_a):
    client.post("/acme/password/forgot/", {"email": customer_a.user.email})
    link = link_from(mail.outbox[-1])
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert_link_refused(client, link, customer_a.user)


def test_a_second_reset_link_dies_with_the_first_use(client, portal_a, customer_a):
    client.post("/acme/password/forgot/", {"email": customer_a.user.email})
    client.post("/acme/password/forgot/", {"email": customer_a.user.email})
    first, second = link_from(mail.outbox[-2]), link_from(mail.outbox[-1])
    assert client.post(second, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    assert_link_refused(client, first, customer_a.user)


def test_invitation_link_works_once(client, portal_a, customer_a):
    customer_a.can_manage_contacts = True
    customer_a.save()
    colleague = ContactFactory(account=customer_a.account, email="jane@example.com", first_name="Jane")
    owner = Client()
    owner.force_login(customer_a.user)
    assert owner.post("/acme/settings/access/", {"action": "grant", "contact": colleague.pk}).status_code == 302
    link = link_from(mail.outbox[-1])
    assert client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    user = Contact.objects.get(pk=colleague.pk).user
    assert_link_refused(client, link, user)


def test_a_link_does_not_work_on_another_tenants_portal(client, portal_a, portal_b, customer_a):
    LoginContactFactory(account=AccountFactory(tenant=portal_b.tenant))
    client.post("/acme/password/forgot/", {"email": customer_a.user.email})
    link = link_from(mail.outbox[-1])
    assert client.get(link.replace("/acme/", "/borealis/")).status_code == 404
    assert client.post(link.replace("/acme/", "/borealis/"), {"new_password1": NEW_PASSWORD}).status_code == 404
    customer_a.user.refresh_from_db()
    assert customer_a.user.check_password(PASSWORD)


def test_a_link_dies_when_the_user_signs_in_meanwhile(client, portal_a, customer_a):
    client.post("/acme/password/forgot/", {"email": customer_a.user.email})
    link = link_from(mail.outbox[-1])
    login_post(Client(), portal_a, customer_a.user.email)  # the real owner remembered the password
    page = client.get(link)
    assert page.status_code == 404 and "This link no longer works" in page.content.decode()
