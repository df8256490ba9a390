"""Two-factor authentication (enrolment, sign-in, remembered device, tenant policy, staff admin) and lockout."""

from base64 import b32decode

import pytest
from django.core.cache import cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal_models.tests.factories import PASSWORD, UserFactory

from .test_portal import INVALID, sign_in


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def token_step(client, home, code, **extra):
    data = {f"portal_login_{home.tenant_id}-current_step": "token", "token-otp_token": code}
    data.update(extra)
    return client.post(home.login_page.url, data)


def code_for(device: TOTPDevice) -> str:
    """The device's current code, computed the way an authenticator app does."""
    return str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift)).zfill(device.digits)


@pytest.mark.django_db
class TestEnrolment:
    def test_totp_enrolment_from_the_user_menu(self, signed_in_client, customer_a):
        client = signed_in_client
        assert 'href="/acme/account/two-factor/"' in client.get("/acme/dashboard/").content.decode()
        welcome = client.get("/acme/account/two-factor/")
        assert welcome.status_code == 200 and b"Two-factor authentication" in welcome.content
        url = "/acme/account/two-factor/"
        method = client.post(url, {"two_factor_setup-current_step": "welcome"})
        assert b'value="generator"' in method.content
        generator = client.post(url, {"two_factor_setup-current_step": "method", "method-method": "generator"})
        assert b'data-testid="totp-qr"' in generator.content
        secret = client.session["django_two_factor-qr_secret_key"]
        assert client.get("/account/two_factor/qrcode/").status_code == 200
        wrong = client.post(url, {"two_factor_setup-current_step": "generator", "generator-token": "000000"})
        assert wrong.status_code == 200 and not TOTPDevice.objects.exists()
        code = str(totp(b32decode(secret))).zfill(6)
        done = client.post(url, {"two_factor_setup-current_step": "generator", "generator-token": code})
        assert done.status_code == 302 and done["Location"] == "/acme/account/two-factor/?enabled=1"
        device = TOTPDevice.objects.get(user=customer_a.user)
        assert device.confirmed
        status = client.get(done["Location"])
        assert b'data-testid="two-factor-enabled"' in status.content
        refused = client.post(url, {"action": "backup_codes"})  # a session alone does not do it
        assert refused.status_code == 400 and b"Enter your password or a current code" in refused.content
        codes = client.post(url, {"action": "backup_codes", "backup-password": PASSWORD})
        assert codes.content.count(b"<li>") >= 10

    def test_tenant_that_requires_2fa_sends_users_to_enrolment(self, signed_in_client, portal_a, customer_a):
        tenant = portal_a.tenant
        tenant.two_factor_policy = tenant.TwoFactorPolicy.REQUIRED
        tenant.save()
        for url in ("/acme/dashboard/", "/acme/settings/access/"):
            assert signed_in_client.get(url)["Location"] == "/acme/account/two-factor/"
        assert signed_in_client.get("/acme/account/two-factor/").status_code == 200
        assert signed_in_client.get("/acme/account/password/").status_code == 200
        TOTPDevice.objects.create(user=customer_a.user, name="default", confirmed=True)
        assert signed_in_client.get("/acme/dashboard/").status_code == 200
        # and it cannot be switched off there
        signed_in_client.post("/acme/account/two-factor/", {"action": "disable", "disable-password": PASSWORD})
        assert TOTPDevice.objects.filter(user=customer_a.user).exists()


@pytest.mark.django_db
class TestSignInWithTotp:
    @pytest.fixture
    def device(self, customer_a):
        return TOTPDevice.objects.create(user=customer_a.user, name="default", confirmed=True)

    def test_second_step_asks_for_the_code(self, client, portal_a, customer_a, device):
        first = sign_in(client, portal_a, customer_a.user.email)
        assert first.status_code == 200 and b"token-otp_token" in first.content
        assert "_auth_user_id" not in client.session
        assert token_step(client, portal_a, "123456" if code_for(device) != "123456" else "654321").status_code == 200
        assert "_auth_user_id" not in client.session
        # django-otp throttles a device after a failure; once the delay has passed the right code works
        device.refresh_from_db()
        assert device.throttling_failure_count == 1
        device.throttle_reset()
        response = token_step(client, portal_a, code_for(device))
        assert response["Location"] == "/acme/dashboard/"
        assert client.get("/acme/dashboard/").status_code == 200

    def test_remembered_device_skips_the_second_step(self, client, portal_a, customer_a, device):
        sign_in(client, portal_a, customer_a.user.email)
        response = token_step(client, portal_a, code_for(device), **{"token-remember": "on"})
        assert response["Location"] == "/acme/dashboard/"
        assert any(name.startswith("remember-cookie_") for name in client.cookies)
        client.post("/acme/logout/")
        again = sign_in(client, portal_a, customer_a.user.email)
        assert again.status_code == 302 and again["Location"] == "/acme/dashboard/"

    def test_without_the_cookie_the_code_is_asked_again(self, client, portal_a, customer_a, device):
        sign_in(client, portal_a, customer_a.user.email)
        token_step(client, portal_a, code_for(device))
        client.post("/acme/logout/")
        assert sign_in(client, portal_a, customer_a.user.email).status_code == 200


@pytest.mark.django_db
class TestLockout:
    def test_five_failures_lock_that_user_from_that_address(self, client, portal_a, customer_a, settings):
        settings.AXES_ENABLED = True
        email = customer_a.user.email
        for _ in range(4):
            assert INVALID.encode() in sign_in(client, portal_a, email, "wrong-Password1!").content
        locked = sign_in(client, portal_a, email, "wrong-Password1!")
        assert locked.status_code == 429
        assert b"locked for 15 minutes" in locked.content and b"Acme Billing" in locked.content
        # even the right password is refused now
        assert sign_in(client, portal_a, email).status_code == 429
        assert "_auth_user_id" not in client.session
        # another address is not locked
        assert sign_in(client, portal_a, email, REMOTE_ADDR="10.2.2.2")["Location"] == "/acme/dashboard/"

    def test_behind_a_load_balancer_each_customer_is_locked_out_alone(self, client, portal_a, customer_a, settings):
        """All requests come from the balancer's address; the client's is the last X-Forwarded-For entry. A
        forged entry further left changes nothing, and the audit trail records the client's address."""
        from portal_models.models import SecurityEvent

        settings.AXES_ENABLED, settings.TRUSTED_PROXY_COUNT = True, 1
        balancer = {"REMOTE_ADDR": "10.0.0.2"}
        email = customer_a.user.email
        for n in range(5):  # the attacker forges a different "client" each time
            forged = f"1.1.1.{n}, 203.0.113.9"
            sign_in(client, portal_a, email, "wrong-Password1!", HTTP_X_FORWARDED_FOR=forged, **balancer)
        assert sign_in(client, portal_a, email, HTTP_X_FORWARDED_FOR="203.0.113.9", **balancer).status_code == 429
        # the customer at another address signs in through the same balancer
        ok = sign_in(client, portal_a, email, HTTP_X_FORWARDED_FOR="198.51.100.7", **balancer)
        assert ok["Location"] == "/acme/dashboard/"
        assert SecurityEvent.objects.filter(user=customer_a.user).latest("pk").ip_address == "198.51.100.7"

    def test_attempts_are_recorded_for_staff(self, client, portal_a, customer_a, settings):
        from axes.models import AccessAttempt

        settings.AXES_ENABLED = True
        sign_in(client, portal_a, customer_a.user.email, "nope")
        attempt = AccessAttempt.objects.get()
        assert attempt.username == customer_a.user.email and attempt.failures_since_start == 1


@pytest.mark.django_db
class TestStaffAdmin:
    @pytest.fixture
    def staff(self):
        return UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)

    def test_staff_without_device_must_enrol_before_the_admin(self, client, staff, settings):
        settings.PORTAL_ADMIN_REQUIRE_2FA = True
        client.force_login(staff)
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/account/two_factor/setup/")

    def test_staff_signed_in_with_a_code_reaches_the_admin(self, client, staff, settings):
        settings.PORTAL_ADMIN_REQUIRE_2FA = True
        device = TOTPDevice.objects.create(user=staff, name="default", confirmed=True)
        client.force_login(staff)  # password only: not verified
        assert client.get("/admin/")["Location"].startswith("/account/login/")
        client.post(
            "/account/login/",
            {"login_view-current_step": "auth", "auth-username": staff.email, "auth-password": PASSWORD},
        )
        client.post("/account/login/", {"login_view-current_step": "token", "token-otp_token": code_for(device)})
        assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("language", "subject", "line"),
    [
        ("en", "Your sign-in code", "Your sign-in code is:"),
        ("es", "Su código de inicio de sesión", "Su código de inicio de sesión es:"),
    ],
)
def test_the_emailed_sign_in_code_speaks_the_language_of_the_screen(customer_a, language, subject, line):
    """django-otp's e-mail device renders our subject and body in the language active when the code is asked."""
    from django.core import mail
    from django.utils import translation
    from django_otp.plugins.otp_email.models import EmailDevice

    device = EmailDevice.objects.create(user=customer_a.user, name="default", confirmed=True)
    with translation.override(language):
        device.generate_challenge()
    (message,) = mail.outbox
    device.refresh_from_db()
    assert message.subject == subject and message.to == [customer_a.user.email]
    assert line in message.body and device.token in message.body
