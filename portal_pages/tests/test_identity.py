"""Identity screens: forced password change, registration, forgot password, invitations, system access."""

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import NoReverseMatch

from portal_models.models import Contact, RegistrationRequest
from portal_models.services import identity
from portal_models.tests.factories import PASSWORD, AccountFactory, ContactFactory, LoginContactFactory
from portal_pages.models import PortalRegistrationPage

from .test_portal import INVALID, sign_in

NEW_PASSWORD = "Quiet-River-42"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def add_registration_page(home) -> PortalRegistrationPage:
    page = PortalRegistrationPage(title="Register", slug="register", headline=f"Register for {home.tenant.name}")
    home.add_child(instance=page)
    return page


def customer_urls(home) -> list[str]:
    """Every signed-in screen of the portal (every customer_route), with sample arguments."""
    urls = []
    for pattern in home.get_subpage_urls():
        if not hasattr(pattern.callback, "__wrapped__") or pattern.name == "change_password":
            continue
        for sample in ("1", "pi_1"):  # numeric ids, Stripe PaymentIntent ids
            kwargs = {name: sample for name in pattern.pattern.regex.groupindex}
            args = [] if kwargs else [sample] * pattern.pattern.regex.groups
            try:
                urls.append(home.url + home.reverse_subpage(pattern.name, args=args, kwargs=kwargs))
                break
            except NoReverseMatch:
                continue
        else:
            raise AssertionError(f"no sample URL for route {pattern.name}")
    return urls


def link_from(message) -> str:
    return re.search(r"http://[^\s]+/password/set/[^\s]+/", message.body).group(0).split("localhost", 1)[1]


@pytest.mark.django_db
class TestForcedPasswordChange:
    def test_every_portal_url_leads_to_the_change_page(self, client, portal_a, customer_a):
        customer_a.user.must_change_password = True
        customer_a.user.save()
        client.force_login(customer_a.user)
        urls = customer_urls(portal_a)
        assert "/acme/dashboard/" in urls and "/acme/settings/access/" in urls
        for url in urls:
            for method in (client.get, client.post):
                response = method(url)
                assert response.status_code == 302, url
                assert response["Location"] == "/acme/account/password/", url

    def test_temporary_password_is_replaced_without_the_old_one(self, client, portal_a, customer_a):
        user = customer_a.user
        user.must_change_password = True
        user.save()
        response = sign_in(client, portal_a, user.email)
        assert client.get(response["Location"])["Location"] == "/acme/account/password/"
        page = client.get("/acme/account/password/")
        content = page.content.decode()
        assert "old_password" not in content
        for rule in ("At least one special character", "Upper-case and lower-case letters", "Letters and numbers"):
            assert rule in content
        bad = client.post("/acme/account/password/", {"new_password1": "weakpass", "new_password2": "weakpass"})
        assert bad.status_code == 400
        assert "at least one special character" in bad.content.decode()
        user.refresh_from_db()
        assert user.must_change_password
        done = client.post("/acme/account/password/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert done["Location"] == "/acme/dashboard/"
        user.refresh_from_db()
        assert not user.must_change_password and user.check_password(NEW_PASSWORD)
        assert client.get("/acme/dashboard/").status_code == 200  # still signed in

    def test_change_from_the_user_menu_asks_for_the_old_password(self, signed_in_client, customer_a):
        dashboard = signed_in_client.get("/acme/dashboard/").content.decode()
        assert 'href="/acme/account/password/"' in dashboard
        wrong = signed_in_client.post(
            "/acme/account/password/",
            {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert wrong.status_code == 400
        ok = signed_in_client.post(
            "/acme/account/password/",
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert ok.status_code == 302
        customer_a.user.refresh_from_db()
        assert customer_a.user.check_password(NEW_PASSWORD)


def register(client, url, email, **extra):
    data = {
        "first_name": "John",
        "last_name": "Doe",
        "email": email,
        "company": "Test Inc.",
        "captcha_0": "x",
        "captcha_1": "PASSED",
    }
    data.update(extra)
    return client.post(url, data)


@pytest.mark.django_db
class TestRegistrationPage:
    def test_found_registration_end_to_end(self, client, portal_a):
        page = add_registration_page(portal_a)
        contact = ContactFactory(
            email="john@example.com", can_login=True, account=AccountFactory(tenant=portal_a.tenant)
        )
        login = client.get("/acme/login/").content.decode()
        assert 'href="/acme/register/"' in login and 'href="/acme/password/forgot/"' in login
        form = client.get(page.url)
        assert form.status_code == 200 and b"captcha" in form.content
        response = register(client, page.url, "john@example.com")
        assert response["Location"] == "/acme/register/verify/"
        verify = client.get("/acme/register/verify/")
        assert b"john@example.com" in verify.content and b"Authentication code sent" in verify.content
        code = re.search(r"^\s+([A-Z0-9]{6})\s*$", mail.outbox[-1].body, re.M).group(1)
        wrong = client.post("/acme/register/verify/", {"code": "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"})
        assert wrong.status_code == 400 and b"That code is not right" in wrong.content
        done = client.post("/acme/register/verify/", {"code": code})
        assert done["Location"] == "/acme/register/done/"
        assert b"temporary password" in client.get("/acme/register/done/").content
        password = mail.outbox[-1].body.split("Sign in to change it.")[1].split()[0]
        contact.refresh_from_db()
        response = sign_in(client, portal_a, "john@example.com", password)
        assert response["Location"] == "/acme/dashboard/"
        assert client.get("/acme/dashboard/")["Location"] == "/acme/account/password/"

    def test_not_found_emails_support_and_says_so(self, client, portal_a):
        page = add_registration_page(portal_a)
        response = register(client, page.url, "stranger@example.com")
        assert response["Location"] == "/acme/register/not-found/"
        shown = client.get("/acme/register/not-found/")
        assert b"Your account was not found" in shown.content
        assert mail.outbox[-1].to == [portal_a.tenant.support_email]
        assert RegistrationRequest.objects.get().status == RegistrationRequest.Status.NOT_FOUND

    def test_bad_captcha_changes_nothing(self, client, portal_a):
        page = add_registration_page(portal_a)
        response = register(client, page.url, "john@example.com", captcha_1="WRONG")
        assert response.status_code == 400
        assert b'class="error"' in response.content
        assert not RegistrationRequest.objects.exists() and not mail.outbox

    def test_tenant_a_contact_cannot_register_through_tenant_b(self, client, portal_a, portal_b, customer_a):
        page_b = add_registration_page(portal_b)
        response = register(client, page_b.url, customer_a.email)
        assert response["Location"] == "/borealis/register/not-found/"
        assert mail.outbox[-1].to == [portal_b.tenant.support_email]

    def test_verify_resend_and_rate_limit_messages(self, client, portal_a):
        page = add_registration_page(portal_a)
        ContactFactory(email="john@example.com", can_login=True, account=AccountFactory(tenant=portal_a.tenant))
        register(client, page.url, "john@example.com")
        resent = client.post("/acme/register/verify/", {"action": "resend"}, follow=True)
        assert b"the previous one no longer works" in resent.content
        assert len(mail.outbox) == 2
        for _ in range(3):
            register(client, page.url, "john@example.com")
        limited = register(client, page.url, "john@example.com")
        assert limited.status_code == 400 and b"Too many registrations" in limited.content

    def test_verify_without_a_registration_goes_back_to_the_form(self, client, portal_a):
        add_registration_page(portal_a)
        assert client.get("/acme/register/verify/")["Location"] == "/acme/register/"
        assert client.get("/acme/register/done/")["Location"] == "/acme/register/"


@pytest.mark.django_db
class TestForgotPassword:
    def test_same_answer_either_way_and_link_only_for_login_users(self, client, portal_a, customer_a):
        unknown = client.post("/acme/password/forgot/", {"email": "nobody@example.com"})
        known = client.post("/acme/password/forgot/", {"email": customer_a.user.email.upper()})
        assert unknown.status_code == known.status_code == 200
        assert b'data-testid="reset-sent"' in unknown.content and b'data-testid="reset-sent"' in known.content
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [customer_a.user.email]
        link = link_from(mail.outbox[0])
        assert client.get(link).status_code == 200
        response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response["Location"] == "/acme/login/"
        customer_a.user.refresh_from_db()
        assert customer_a.user.check_password(NEW_PASSWORD)
        # single use
        again = client.get(link)
        assert again.status_code == 404 and b"This link no longer works" in again.content

    def test_tenant_a_user_cannot_reset_through_tenant_b(self, client, portal_a, portal_b, customer_a):
        client.post("/borealis/password/forgot/", {"email": customer_a.user.email})
        assert mail.outbox == []
        # and a tenant A link does not work on tenant B
        link = identity.set_password_link(tenant=portal_a.tenant, user=customer_a.user)
        path = link.split("localhost", 1)[1]
        assert client.get(path.replace("/acme/", "/borealis/")).status_code == 404

    def test_rate_limited_per_email(self, client, portal_a, customer_a):
        for _ in range(3):
            client.post("/acme/password/forgot/", {"email": customer_a.user.email})
        limited = client.post("/acme/password/forgot/", {"email": customer_a.user.email})
        assert limited.status_code == 429 and len(mail.outbox) == 3


@pytest.mark.django_db
class TestInvitations:
    @pytest.fixture
    def owner_client(self, client, customer_a):
        customer_a.can_manage_contacts = True
        customer_a.save()
        client.force_login(customer_a.user)
        return client

    def test_owner_invites_a_contact_who_sets_a_password_once(self, owner_client, client, portal_a, customer_a):
        colleague = ContactFactory(account=customer_a.account, email="jane@example.com", first_name="Jane")
        screen = owner_client.get("/acme/settings/access/")
        assert screen.status_code == 200 and b"jane@example.com" in screen.content
        response = owner_client.post("/acme/settings/access/", {"action": "grant", "contact": colleague.pk})
        assert response.status_code == 302
        colleague.refresh_from_db()
        assert colleague.can_login and colleague.user.email == "jane@example.com"
        message = mail.outbox[-1]
        assert message.to == ["jane@example.com"] and "Acme Billing" in message.subject
        assert 'style="background:#0b4f8a' in message.alternatives[0][0]  # tenant colours
        link = link_from(message)
        owner_client.logout()
        assert client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
        assert client.get(link).status_code == 404  # single use
        assert sign_in(client, portal_a, "jane@example.com", NEW_PASSWORD)["Location"] == "/acme/dashboard/"

    def test_set_password_screen_lists_each_rule_once(self, owner_client, client, customer_a):
        from django.contrib.auth import password_validation

        colleague = ContactFactory(account=customer_a.account, email="jane@example.com")
        owner_client.post("/acme/settings/access/", {"action": "grant", "contact": colleague.pk})
        owner_client.logout()
        page = html.unescape(client.get(link_from(mail.outbox[-1])).content.decode())
        for rule in password_validation.password_validators_help_texts():
            assert page.count(str(rule)) == 1, rule
        assert 'aria-describedby="password-rules"' in page and 'id="password-rules"' in page

    def test_invitation_link_expires_after_three_days(self, client, portal_a, customer_a):
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        tokens = identity.set_password_tokens
        old = tokens._num_seconds(tokens._now() - timedelta(days=3, seconds=5))
        token = tokens._make_token_with_timestamp(customer_a.user, old, tokens.secret)
        uid = urlsafe_base64_encode(force_bytes(customer_a.user.pk))
        assert client.get(f"/acme/password/set/{uid}/{token}/").status_code == 404
        fresh = tokens._make_token_with_timestamp(
            customer_a.user, tokens._num_seconds(tokens._now() - timedelta(days=2, hours=23)), tokens.secret
        )
        assert client.get(f"/acme/password/set/{uid}/{fresh}/").status_code == 200

    def test_revoke_and_disable_all(self, owner_client, portal_a, customer_a):
        others = LoginContactFactory.create_batch(2, account=customer_a.account)
        owner_client.post("/acme/settings/access/", {"action": "revoke", "contact": others[0].pk})
        others[0].refresh_from_db()
        assert not others[0].can_login
        owner_client.post("/acme/settings/access/", {"action": "disable_all"})
        assert list(Contact.objects.filter(account=customer_a.account, can_login=True)) == [customer_a]
        assert owner_client.get("/acme/dashboard/").status_code == 200

    def test_other_accounts_contacts_get_404_and_non_owners_the_missing_right(
        self, owner_client, client, portal_a, customer_a
    ):
        foreign = ContactFactory(account=AccountFactory(tenant=portal_a.tenant), email="x@example.com")
        response = owner_client.post("/acme/settings/access/", {"action": "grant", "contact": foreign.pk})
        assert response.status_code == 400  # not among the choices
        foreign_login = LoginContactFactory(account=foreign.account)
        assert (
            owner_client.post("/acme/settings/access/", {"action": "revoke", "contact": foreign_login.pk}).status_code
            == 404
        )
        foreign.refresh_from_db()
        assert not foreign.can_login
        plain = LoginContactFactory(account=customer_a.account)
        client.force_login(plain.user)
        missing = client.get("/acme/settings/access/")  # their own company: the right and who grants it
        assert missing.status_code == 403 and b'data-testid="missing-right"' in missing.content


@pytest.mark.django_db
def test_tenant_a_user_cannot_sign_in_register_or_reset_through_tenant_b(client, portal_a, portal_b, customer_a):
    add_registration_page(portal_b)
    assert INVALID.encode() in sign_in(client, portal_b, customer_a.user.email).content
    assert "_auth_user_id" not in client.session
    assert register(client, "/borealis/register/", customer_a.user.email)["Location"].endswith("/not-found/")
    client.post("/borealis/password/forgot/", {"email": customer_a.user.email})
    assert [m.to for m in mail.outbox] == [[portal_b.tenant.support_email]]  # only support heard of it
