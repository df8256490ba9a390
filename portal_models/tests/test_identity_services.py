from datetime import timedelta

import pytest
from django.contrib.auth import password_validation
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal_models import ratelimit
from portal_models.models import RegistrationRequest
from portal_models.services import identity
from portal_models.tests.factories import AccountFactory, ContactFactory, LoginContactFactory, TenantFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


class TestPasswordRules:
    @pytest.mark.parametrize(
        "password, code",
        [
            ("Ab1!xyz", "password_too_short"),
            ("Abcdefg12", "password_no_special"),
            ("abcdefg1!", "password_case"),
            ("ABCDEFG1!", "password_case"),
            ("Abcdefgh!", "password_letters_digits"),
            ("Password1!", "password_too_common"),
        ],
    )
    def test_each_rule_rejects(self, password, code):
        with pytest.raises(ValidationError) as error:
            password_validation.validate_password(password)
        assert code in [e.code for e in error.value.error_list]

    @pytest.mark.django_db
    def test_similar_to_the_user_is_rejected(self):
        from portal_models.tests.factories import UserFactory

        user = UserFactory(email="margaret.hamilton@example.com", first_name="Margaret")
        with pytest.raises(ValidationError) as error:
            password_validation.validate_password("Margaret.hamilton1", user)
        assert "password_too_similar" in [e.code for e in error.value.error_list]

    def test_a_good_password_passes(self):
        password_validation.validate_password("Quiet-River-42")

    def test_rules_are_listed(self):
        texts = password_validation.password_validators_help_texts()
        assert "At least one special character, e.g. ! @ # ?" in texts
        assert "Upper-case and lower-case letters" in texts
        assert "Letters and numbers" in texts
        assert texts[0] == "At least 8 characters"


def start(tenant, email, **extra):
    return identity.registration_start(
        tenant=tenant,
        first_name="John",
        last_name="Doe",
        email=email,
        company="Test Inc.",
        ip_address=extra.pop("ip", "10.0.0.1"),
    )


def code_from_outbox() -> str:
    import re

    return re.search(r"^\s+([A-Z0-9]{6})\s*$", mail.outbox[-1].body, re.M).group(1)


@pytest.mark.django_db
class TestRegistration:
    def test_found_contact_gets_a_code_then_a_temporary_password(self, portal_a):
        contact = ContactFactory(
            email="john@example.com", can_login=True, account=AccountFactory(tenant=portal_a.tenant)
        )
        tenant = contact.account.tenant
        registration = start(tenant, "John@Example.com")
        assert registration.status == RegistrationRequest.Status.CODE_SENT
        assert registration.contact == contact
        assert mail.outbox[-1].to == ["john@example.com"]
        code = code_from_outbox()
        assert code not in registration.code_hash  # stored hashed

        assert identity.registration_verify(registration=registration, code=code.lower()) is identity.VerifyResult.OK
        contact.refresh_from_db()
        user = contact.user
        assert user.email == "john@example.com" and user.must_change_password
        password_mail = mail.outbox[-1]
        assert "temporary password" in password_mail.subject
        password = password_mail.body.split("Sign in to change it.")[1].split()[0]
        assert user.check_password(password)
        html = password_mail.alternatives[0][0]
        assert password in html and tenant.name in html
        # the code is spent
        assert identity.registration_verify(registration=registration, code=code) is identity.VerifyResult.LOCKED

    def test_unknown_email_notifies_support(self):
        tenant = TenantFactory(support_email="help@acme.example.com")
        registration = start(tenant, "stranger@example.com")
        assert registration.status == RegistrationRequest.Status.NOT_FOUND
        message = mail.outbox[-1]
        assert message.to == ["help@acme.example.com"]
        assert "stranger@example.com" in message.body and "Test Inc." in message.body
        assert message.alternatives[0][1] == "text/html"

    def test_contact_without_login_rights_or_of_another_tenant_is_not_found(self):
        ContactFactory(email="nologin@example.com", can_login=False)
        other = LoginContactFactory(email="elsewhere@example.com")
        tenant = TenantFactory()
        assert start(tenant, "elsewhere@example.com").status == RegistrationRequest.Status.NOT_FOUND
        assert start(other.account.tenant, "nologin@example.com").status == RegistrationRequest.Status.NOT_FOUND

    def test_code_expires_after_15_minutes(self):
        contact = ContactFactory(email="john@example.com", can_login=True)
        registration = start(contact.account.tenant, "john@example.com")
        code = code_from_outbox()
        RegistrationRequest.objects.filter(pk=registration.pk).update(
            code_expires_at=timezone.now() - timedelta(seconds=1)
        )
        assert identity.registration_verify(registration=registration, code=code) is identity.VerifyResult.EXPIRED
        registration.refresh_from_db()
        assert registration.code_expires_at - registration.created_at < timedelta(minutes=16)

    def test_five_wrong_tries_spend_the_code(self):
        contact = ContactFactory(email="john@example.com", can_login=True)
        registration = start(contact.account.tenant, "john@example.com")
        code = code_from_outbox()
        results = [identity.registration_verify(registration=registration, code="WRONG1") for _ in range(5)]
        assert results == [identity.VerifyResult.WRONG] * 4 + [identity.VerifyResult.LOCKED]
        assert identity.registration_verify(registration=registration, code=code) is identity.VerifyResult.LOCKED
        contact.refresh_from_db()
        assert contact.user is None

    def test_resend_expires_the_previous_code(self):
        contact = ContactFactory(email="john@example.com", can_login=True)
        registration = start(contact.account.tenant, "john@example.com")
        first = code_from_outbox()
        identity.registration_resend(registration=registration)
        second = code_from_outbox()
        assert len(mail.outbox) == 2
        if first != second:
            assert identity.registration_verify(registration=registration, code=first) is identity.VerifyResult.WRONG
        assert identity.registration_verify(registration=registration, code=second) is identity.VerifyResult.OK

    def test_rate_limited_per_email_and_per_ip(self):
        tenant = TenantFactory()
        for _ in range(5):
            start(tenant, "same@example.com", ip=None)
        with pytest.raises(ratelimit.RateLimited):
            start(tenant, "same@example.com", ip=None)
        cache.clear()
        for n in range(10):
            start(tenant, f"p{n}@example.com", ip="10.9.9.9")
        with pytest.raises(ratelimit.RateLimited):
            start(tenant, "p99@example.com", ip="10.9.9.9")
        start(tenant, "p99@example.com", ip="10.9.9.8")  # another address is fine


@pytest.mark.django_db
class TestInvitations:
    def test_grant_creates_user_and_emails_a_link(self, portal_a):
        contact = ContactFactory(
            email="new@example.com", can_login=False, account=AccountFactory(tenant=portal_a.tenant)
        )
        identity.contact_grant_login(contact=contact)
        contact.refresh_from_db()
        assert contact.can_login and contact.user.email == "new@example.com"
        assert not contact.user.has_usable_password()
        message = mail.outbox[-1]
        assert "/password/set/" in message.body and message.alternatives

    def test_contact_without_email_cannot_be_invited(self):
        contact = ContactFactory(email="", can_login=False)
        with pytest.raises(ValidationError):
            identity.contact_grant_login(contact=contact)
        contact.refresh_from_db()
        assert not contact.can_login

    def test_disable_all_keeps_the_owner(self):
        owner = LoginContactFactory(can_manage_contacts=True)
        others = LoginContactFactory.create_batch(2, account=owner.account)
        other_account = LoginContactFactory()
        assert identity.account_disable_logins(account=owner.account, keep=owner) == 2
        for c in [*others, owner, other_account]:
            c.refresh_from_db()
        assert owner.can_login and other_account.can_login
        assert not any(c.can_login for c in others)

    def test_revoke(self):
        contact = LoginContactFactory()
        identity.contact_revoke_login(contact=contact)
        contact.refresh_from_db()
        assert not contact.can_login
