"""The security audit trail is written by the real flows (portal sign-in, 2FA, passwords, login rights,
payments from the signed webhook, refunds) and staff can list, filter, search, inspect and export it."""

import csv
import io
from base64 import b32decode

import pytest
from django.core import mail
from django.core.cache import cache
from django_otp.oath import totp

from portal_models.models import Payment, SecurityEvent, SecurityEventType
from portal_models.tests.factories import PASSWORD, ContactFactory, LoginContactFactory, UserFactory
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401
from portal_models.tests.test_payments import SEED_LINES, make_invoice, start_payment

from .test_identity import NEW_PASSWORD, link_from
from .test_portal import sign_in

E = SecurityEventType
UA = "AuditTest/1.0"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def events(kind):
    return list(SecurityEvent.objects.filter(event=kind).order_by("pk"))


@pytest.mark.django_db
class TestSignIn:
    def test_sign_in_through_the_login_page_is_recorded(self, client, portal_a, customer_a):
        response = sign_in(client, portal_a, customer_a.user.email, REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT=UA)
        assert response["Location"] == "/acme/dashboard/"
        [event] = events(E.SIGN_IN)
        assert (event.user, event.tenant, event.email) == (customer_a.user, portal_a.tenant, customer_a.user.email)
        assert (event.ip_address, event.user_agent) == ("10.1.2.3", UA) and len(event.request_id) == 32
        client.post("/acme/logout/")
        assert [e.user for e in events(E.SIGN_OUT)] == [customer_a.user]

    def test_wrong_password_and_wrong_portal_are_failed_sign_ins(self, client, portal_a, portal_b, customer_a):
        sign_in(client, portal_a, customer_a.user.email.upper(), "Wrong-pass1!", REMOTE_ADDR="10.9.9.9")
        sign_in(client, portal_b, customer_a.user.email)  # right password, but no login rights on Borealis
        wrong, elsewhere = events(E.SIGN_IN_FAILED)
        assert (wrong.email, wrong.tenant, wrong.ip_address) == (
            customer_a.user.email,
            portal_a.tenant,
            "10.9.9.9",
        )
        assert wrong.details == {"reason": "bad_credentials"} and wrong.user is None
        assert (elsewhere.tenant, elsewhere.user) == (portal_b.tenant, customer_a.user)
        assert elsewhere.details["reason"] == "no_login_rights_on_this_portal"
        assert not events(E.SIGN_IN)

    def test_lockout_is_recorded(self, client, portal_a, customer_a, settings):
        settings.AXES_ENABLED = True
        for _ in range(5):
            sign_in(client, portal_a, customer_a.user.email, "Wrong-pass1!")
        assert len(events(E.SIGN_IN_FAILED)) == 5
        [locked] = events(E.LOCKED_OUT)
        assert locked.email == customer_a.user.email and locked.tenant == portal_a.tenant


@pytest.mark.django_db
class TestAccountSecurity:
    def test_two_factor_device_added_then_removed(self, signed_in_client, customer_a):
        client, url = signed_in_client, "/acme/account/two-factor/"
        client.post(url, {"two_factor_setup-current_step": "welcome"})
        client.post(url, {"two_factor_setup-current_step": "method", "method-method": "generator"})
        code = str(totp(b32decode(client.session["django_two_factor-qr_secret_key"]))).zfill(6)
        client.post(url, {"two_factor_setup-current_step": "generator", "generator-token": code})
        [added] = events(E.TWO_FACTOR_ADDED)
        assert added.user == customer_a.user and added.details["device"] == "TOTPDevice"
        assert added.tenant == customer_a.account.tenant
        client.post(url, {"action": "disable", "disable-password": PASSWORD})
        assert [e.details["device"] for e in events(E.TWO_FACTOR_REMOVED)] == ["TOTPDevice"]

    def test_password_change_reset_request_and_reset(self, signed_in_client, client, portal_a, customer_a):
        signed_in_client.post(
            "/acme/account/password/",
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert [e.user for e in events(E.PASSWORD_CHANGED)] == [customer_a.user]
        signed_in_client.logout()
        client.post("/acme/password/forgot/", {"email": customer_a.user.email}, REMOTE_ADDR="10.4.4.4")
        client.post("/acme/password/forgot/", {"email": "nobody@example.com"})  # unknown: nothing to record
        [requested] = events(E.PASSWORD_RESET_REQUESTED)
        assert (requested.user, requested.tenant, requested.ip_address) == (
            customer_a.user,
            portal_a.tenant,
            "10.4.4.4",
        )
        link = link_from(mail.outbox[-1])
        client.post(link, {"new_password1": "An0ther-Secret!", "new_password2": "An0ther-Secret!"})
        assert [e.user for e in events(E.PASSWORD_RESET)] == [customer_a.user]

    def test_login_rights_granted_and_revoked_by_the_owner(self, client, portal_a, customer_a):
        customer_a.can_manage_contacts = True
        customer_a.save()
        client.force_login(customer_a.user)
        colleague = ContactFactory(account=customer_a.account, email="jane@example.com")
        client.post("/acme/settings/access/", {"action": "grant", "contact": colleague.pk})
        [granted] = events(E.LOGIN_GRANTED)
        assert (granted.email, granted.actor, granted.account) == (
            "jane@example.com",
            customer_a.user,
            customer_a.account,
        )
        others = LoginContactFactory.create_batch(2, account=customer_a.account)
        client.post("/acme/settings/access/", {"action": "revoke", "contact": colleague.pk})
        client.post("/acme/settings/access/", {"action": "disable_all"})
        revoked = events(E.LOGIN_REVOKED)
        assert {e.email for e in revoked} == {"jane@example.com", others[0].email, others[1].email}
        assert all(e.actor == customer_a.user and e.tenant == portal_a.tenant for e in revoked)


@pytest.mark.django_db
def test_payment_from_the_webhook_and_refund_are_recorded_once(client, localstripe, customer_a):  # noqa: F811
    invoice = make_invoice(customer_a.account, "10020", lines=SEED_LINES)
    start = start_payment(localstripe, invoice)
    event = localstripe.event("payment_intent.succeeded", start.intent.id)
    assert localstripe.deliver(client, event).status_code == 200
    assert localstripe.deliver(client, event).status_code == 200  # re-delivery
    payment = Payment.objects.get()
    [recorded] = events(E.PAYMENT_RECORDED)
    assert recorded.details["payment_id"] == payment.pk and recorded.details["amount"] == "6283.00"
    assert recorded.details["invoices"] == ["10020"] and recorded.account == customer_a.account
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.post(f"/admin/payments/{payment.pk}/refund/", {"amount": "283.00"}).status_code == 302
    [refund] = events(E.REFUND_RECORDED)
    assert (refund.details["refunded"], refund.actor, refund.tenant) == ("283.00", staff, customer_a.account.tenant)


@pytest.mark.django_db
class TestAdmin:
    URL = "/admin/portal_models/securityevent/"

    @pytest.fixture
    def trail(self, client, portal_a, portal_b, customer_a):
        sign_in(client, portal_a, customer_a.user.email, REMOTE_ADDR="10.1.1.1")
        client.logout()
        sign_in(client, portal_b, "someone@example.com", "Wrong-pass1!", REMOTE_ADDR="10.2.2.2")
        client.logout()
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        return client

    def test_listing_filters_search_inspect_and_export(self, trail, portal_a, portal_b):
        client = trail
        listing = client.get(self.URL)
        assert listing.status_code == 200
        html = listing.content.decode()
        assert "someone@example.com" in html and "Signed in" in html and "Sign-in failed" in html
        failed = client.get(self.URL, {"event": "sign_in_failed"}).content.decode()
        assert "someone@example.com" in failed and "10.1.1.1" not in failed
        by_tenant = client.get(self.URL, {"tenant": portal_a.tenant.pk}).content.decode()
        assert "10.1.1.1" in by_tenant and "someone@example.com" not in by_tenant
        by_ip = client.get(self.URL, {"q": "10.2.2.2"}).content.decode()
        assert "someone@example.com" in by_ip and "10.1.1.1" not in by_ip
        assert "10.1.1.1" in client.get(self.URL, {"when": "1"}).content.decode()
        event = SecurityEvent.objects.get(email="someone@example.com")
        inspect = client.get(f"{self.URL}inspect/{event.pk}/")
        assert inspect.status_code == 200 and "bad_credentials" in inspect.content.decode()
        export = client.get(self.URL, {"export": "csv", "event": "sign_in_failed"})
        rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
        assert len(rows) == 2 and "someone@example.com" in rows[1]
        # read-only: no create, edit or delete screens
        assert client.get(f"{self.URL}create/").status_code in (302, 403)
        assert client.get(f"{self.URL}edit/{event.pk}/").status_code in (302, 403)
        assert client.get(f"{self.URL}delete/{event.pk}/").status_code in (302, 403)

    def test_in_the_sign_in_and_access_menu_and_not_for_customers(self, trail, client, customer_a):
        assert self.URL in trail.get("/admin/").content.decode()
        trail.logout()
        client.force_login(customer_a.user)
        assert client.get(self.URL).status_code in (302, 403)
