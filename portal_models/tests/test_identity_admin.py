import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.utils import timezone

from portal_models.tests.factories import AccountFactory, ContactFactory, LoginContactFactory, UserFactory


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
class TestPortalLoginsAdmin:
    def test_staff_invites_a_contact(self, staff_client, portal_a):
        contact = ContactFactory(account=AccountFactory(tenant=portal_a.tenant), email="new.person@example.com")
        listing = staff_client.get("/admin/identity/logins/?q=new.person")
        assert listing.status_code == 200 and b"new.person@example.com" in listing.content
        response = staff_client.post(f"/admin/identity/logins/{contact.pk}/", {"action": "invite"})
        assert response.status_code == 302
        contact.refresh_from_db()
        assert contact.can_login and contact.user.email == "new.person@example.com"
        assert mail.outbox[-1].to == ["new.person@example.com"]
        assert "/acme/password/set/" in mail.outbox[-1].body
        staff_client.post(f"/admin/identity/logins/{contact.pk}/", {"action": "revoke"})
        contact.refresh_from_db()
        assert not contact.can_login

    def test_contact_without_email_gets_a_message_not_a_500(self, staff_client, portal_a):
        contact = ContactFactory(account=AccountFactory(tenant=portal_a.tenant), email="")
        response = staff_client.post(f"/admin/identity/logins/{contact.pk}/", {"action": "invite"}, follow=True)
        assert response.status_code == 200 and b"no email address" in response.content
        contact.refresh_from_db()
        assert not contact.can_login

    def test_customers_cannot_reach_it(self, client, customer_a):
        client.force_login(customer_a.user)
        assert client.get("/admin/identity/logins/").status_code == 302

    def test_listing_queries_do_not_grow_with_rows(self, staff_client, portal_a, django_assert_max_num_queries):
        LoginContactFactory.create_batch(3, account=AccountFactory(tenant=portal_a.tenant))
        staff_client.get("/admin/identity/logins/")
        with django_assert_max_num_queries(30) as few:
            staff_client.get("/admin/identity/logins/")
        LoginContactFactory.create_batch(12, account=AccountFactory(tenant=portal_a.tenant))
        with django_assert_max_num_queries(len(few.captured_queries)):
            staff_client.get("/admin/identity/logins/")


@pytest.mark.django_db
def test_lockouts_are_shown_and_can_be_lifted(staff_client):
    attempt = AccessAttempt.objects.create(
        username="john@example.com",
        ip_address="10.0.0.9",
        user_agent="pytest",
        failures_since_start=5,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/acme/login/",
    )
    page = staff_client.get("/admin/identity/lockouts/")
    assert b"john@example.com" in page.content and b"locked" in page.content
    staff_client.post(f"/admin/identity/lockouts/{attempt.pk}/clear/")
    assert not AccessAttempt.objects.exists()
