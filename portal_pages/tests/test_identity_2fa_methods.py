"""Several sign-in methods per user: the choice at sign-in (nothing is sent before it), adding a second method,
removing one (the last one stays when the tenant requires two-factor), and the phone typed as seed 003 writes it."""

import pytest
from django.core import mail
from django.core.cache import cache
from django_otp.plugins.otp_email.models import EmailDevice
from two_factor.plugins.phonenumber.models import PhoneDevice

from portal_models.gateways import sms
from portal_models.services import identity
from portal_models.tests.factories import PASSWORD

from .test_identity_2fa import token_step
from .test_portal import sign_in

URL = "/acme/account/two-factor/"


@pytest.fixture(autouse=True)
def _clear():
    cache.clear()
    sms.outbox.clear()


@pytest.fixture
def email_and_phone(customer_a):
    user = customer_a.user
    email = EmailDevice.objects.create(user=user, name="default", confirmed=True)
    phone = PhoneDevice.objects.create(user=user, name="sms", number="+15203607987", method="sms", confirmed=True)
    return email, phone


@pytest.mark.django_db
class TestChoiceAtSignIn:
    def test_a_user_with_email_and_phone_chooses_and_only_that_one_gets_a_code(
        self, client, portal_a, customer_a, email_and_phone
    ):
        _email, phone = email_and_phone
        mail.outbox.clear()
        first = sign_in(client, portal_a, customer_a.user.email)
        html = first.content.decode()
        assert first.status_code == 200 and 'data-testid="choose-method"' in html
        assert "Send text message to" in html and "Send email to" in html
        assert not mail.outbox and not sms.outbox  # nothing sent before the choice
        chosen = client.post(
            portal_a.login_page.url,
            {f"portal_login_{portal_a.tenant_id}-current_step": "token", "challenge_device": phone.persistent_id},
        )
        assert "We sent you a text message" in chosen.content.decode()
        assert [(c.kind, c.to) for c in sms.outbox] == [("sms", "+15203607987")] and not mail.outbox
        done = token_step(client, portal_a, sms.outbox[-1].token)
        assert done["Location"] == "/acme/dashboard/"

    def test_one_method_asks_no_question(self, client, portal_a, customer_a):
        EmailDevice.objects.create(user=customer_a.user, name="default", confirmed=True)
        first = sign_in(client, portal_a, customer_a.user.email)
        assert 'data-testid="choose-method"' not in first.content.decode()
        assert len(mail.outbox) == 1  # the code went to the only method


@pytest.mark.django_db
class TestSeveralMethods:
    def test_add_a_phone_as_second_method_typed_the_seed_003_way(self, signed_in_client, customer_a):
        client = signed_in_client
        EmailDevice.objects.create(user=customer_a.user, name="default", confirmed=True)
        status = client.get(URL).content.decode()
        assert 'data-testid="add-method"' in status
        step = "two_factor_setup_add-current_step"
        welcome = client.get(URL + "?add=1")
        assert welcome.status_code == 200
        method = client.post(URL + "?add=1", {step: "welcome"})
        assert b'value="sms"' in method.content and b'value="email"' not in method.content  # has email already
        wrong = client.post(URL + "?add=1", {step: "method", "method-method": "sms"})
        assert wrong.status_code == 200
        bad = client.post(URL + "?add=1", {step: "sms", "sms-number": "12"})
        assert "Enter a valid phone number" in bad.content.decode()
        client.post(URL + "?add=1", {step: "sms", "sms-number": "1(520)360-7987"})
        assert sms.outbox[-1].to == "+15203607987"
        done = client.post(URL + "?add=1", {step: "validation", "validation-token": sms.outbox[-1].token})
        assert done.status_code == 302 and done["Location"] == URL + "?added=1"
        phone = PhoneDevice.objects.get(user=customer_a.user)
        assert str(phone.number) == "+15203607987" and phone.confirmed and phone.name == "sms"
        assert EmailDevice.objects.get(user=customer_a.user).name == "default"  # the first stays the default
        customer_a.user.refresh_from_db()
        assert customer_a.user.phone == "+15203607987"

    def test_remove_one_after_the_password_and_the_other_becomes_default(
        self, signed_in_client, customer_a, email_and_phone
    ):
        email, phone = email_and_phone
        refused = signed_in_client.post(URL, {"action": "remove_method", "device": email.persistent_id})
        assert refused.status_code == 400 and "Enter your password or a current code" in refused.content.decode()
        assert EmailDevice.objects.filter(pk=email.pk).exists()
        ok = signed_in_client.post(
            URL, {"action": "remove_method", "device": email.persistent_id, "remove-password": PASSWORD}
        )
        assert ok.status_code == 302
        assert not EmailDevice.objects.filter(pk=email.pk).exists()
        phone.refresh_from_db()
        assert phone.name == "default"

    def test_the_last_method_stays_when_the_tenant_requires_two_factor(self, signed_in_client, portal_a, customer_a):
        tenant = portal_a.tenant
        tenant.two_factor_policy = tenant.TwoFactorPolicy.REQUIRED
        tenant.save()
        email = EmailDevice.objects.create(user=customer_a.user, name="default", confirmed=True)
        response = signed_in_client.post(
            URL, {"action": "remove_method", "device": email.persistent_id, "remove-password": PASSWORD}, follow=True
        )
        assert "add another method before removing this one" in response.content.decode()
        assert EmailDevice.objects.filter(pk=email.pk).exists()

    def test_another_users_method_cannot_be_removed(self, signed_in_client, customer_a, portal_a):
        from portal_models.tests.factories import LoginContactFactory

        EmailDevice.objects.create(user=customer_a.user, name="default", confirmed=True)
        other = LoginContactFactory(account=customer_a.account)
        theirs = EmailDevice.objects.create(user=other.user, name="default", confirmed=True)
        signed_in_client.post(
            URL, {"action": "remove_method", "device": theirs.persistent_id, "remove-password": PASSWORD}
        )
        assert EmailDevice.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
def test_removing_the_last_optional_method_turns_two_factor_off(customer_a):
    user = customer_a.user
    email = EmailDevice.objects.create(user=user, name="default", confirmed=True)
    identity.user_backup_codes_generate(user=user)
    identity.user_two_factor_method_remove(user=user, persistent_id=email.persistent_id, required=False)
    assert identity.user_two_factor_methods(user=user) == []
    from django_otp import user_has_device

    assert not user_has_device(user)
