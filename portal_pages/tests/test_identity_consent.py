"""Two ways around the consent of an existing user, refused: staff picking the user on the admin's contact form, and
self-registration with the user's email on a company's portal."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from portal_models.models import Contact, ContactInvitation, RegistrationRequest
from portal_models.services import identity
from portal_models.tests.factories import PASSWORD, AccountFactory, ContactFactory, LoginContactFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def victim(portal_b):
    """A user of another tenant's portal, with a company and a password of their own."""
    return LoginContactFactory(account=AccountFactory(tenant=portal_b.tenant, name="Victim Co"))


def _code(message) -> str:
    return re.search(r"^\s+([A-Z0-9]{6})\s*$", message.body, re.M).group(1)


@pytest.mark.django_db
class TestAdminContactForm:
    def test_staff_cannot_pick_the_user_of_a_contact(self, client, portal_a, victim):
        """A posted ``user`` is not a field of the form: the contact stays unlinked."""
        account = AccountFactory(tenant=portal_a.tenant)
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        form = client.get("/admin/portal_models/contact/create/")
        assert form.status_code == 200 and 'name="user"' not in form.content.decode()
        response = client.post(
            "/admin/portal_models/contact/create/",
            {"account": account.pk, "first_name": "Vic", "last_name": "Tim", "email": "", "user": victim.user.pk},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        contact = Contact.objects.get(account=account, first_name="Vic")
        assert contact.user_id is None

    def test_granting_a_login_to_an_existing_users_email_is_an_invitation(self, client, portal_a, victim):
        account = AccountFactory(tenant=portal_a.tenant)
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        mail.outbox.clear()
        response = client.post(
            "/admin/portal_models/contact/create/",
            {
                "account": account.pk,
                "first_name": "Vic",
                "last_name": "Tim",
                "email": victim.email,
                "can_login": "on",
                "can_see_documents": "on",
                "user": victim.user.pk,
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        contact = Contact.objects.get(account=account, first_name="Vic")
        assert contact.user_id is None and contact.can_login
        assert ContactInvitation.objects.get(contact=contact).user == victim.user
        assert [m.to for m in mail.outbox] == [[victim.email]]
        assert "/invitation/" in mail.outbox[0].body and "/password/set/" not in mail.outbox[0].body


@pytest.mark.django_db
class TestRegistrationWithAnExistingUsersEmail:
    def test_verifying_the_code_links_nothing_and_keeps_their_password(self, portal_a, victim):
        trap = ContactFactory(account=AccountFactory(tenant=portal_a.tenant), email=victim.email, can_login=True)
        registration = identity.registration_start(
            tenant=portal_a.tenant,
            first_name="Vic",
            last_name="Tim",
            email=victim.email,
            company="Anything",
            ip_address="10.0.0.1",
        )
        result = identity.registration_verify(registration=registration, code=_code(mail.outbox[-1]))
        assert result is identity.VerifyResult.INVITED
        trap.refresh_from_db()
        victim.user.refresh_from_db()
        assert trap.user_id is None  # not linked until they accept, signed in
        assert victim.user.check_password(PASSWORD) and not victim.user.must_change_password
        assert ContactInvitation.objects.get(contact=trap).user == victim.user
        assert "/invitation/" in mail.outbox[-1].body and "temporary password" not in mail.outbox[-1].subject
        registration.refresh_from_db()
        assert registration.status == RegistrationRequest.Status.VERIFIED

    def test_through_the_registration_page(self, client, portal_a, victim):
        from .test_identity import add_registration_page, register

        page = add_registration_page(portal_a)
        trap = ContactFactory(account=AccountFactory(tenant=portal_a.tenant), email=victim.email, can_login=True)
        assert register(client, page.url, victim.email)["Location"] == "/acme/register/verify/"
        done = client.post("/acme/register/verify/", {"code": _code(mail.outbox[-1])}, follow=True)
        assert done.status_code == 200 and "we emailed you an invitation" in done.content.decode()
        assert done.redirect_chain[-1][0] == "/acme/login/"
        trap.refresh_from_db()
        assert trap.user_id is None
        assert not client.session.get("_auth_user_id")

    def test_a_new_person_is_still_created_with_a_temporary_password(self, portal_a):
        contact = ContactFactory(
            account=AccountFactory(tenant=portal_a.tenant), email="new@example.com", can_login=True
        )
        registration = identity.registration_start(
            tenant=portal_a.tenant,
            first_name="New",
            last_name="Person",
            email="new@example.com",
            company="Test Inc.",
            ip_address="10.0.0.1",
        )
        assert identity.registration_verify(registration=registration, code=_code(mail.outbox[-1])) is (
            identity.VerifyResult.OK
        )
        contact.refresh_from_db()
        assert contact.user.email == "new@example.com" and contact.user.must_change_password
        assert "temporary password" in mail.outbox[-1].subject
