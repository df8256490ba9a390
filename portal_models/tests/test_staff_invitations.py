"""Staff accounts by invitation: the admin's user forms have no password; a new staff member, or a user given admin
access, is emailed at once (a one-time link to choose a password, or the sign-in address)."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from portal_models.models import StaffRole, User
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import PASSWORD, TenantFactory, UserFactory

NEW_PASSWORD = "Quiet-River-42"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    return client


def _link(message) -> str:
    return re.search(r"https?://[^\s/]+(/staff/password/set/[^\s]+/)", message.body).group(1)


@pytest.mark.django_db
class TestStaffInvitation:
    def test_the_add_form_has_no_password_and_the_new_staff_member_sets_theirs(self, superuser_client, client):
        tenant = TenantFactory()
        group = tenant_staff_groups_ensure(tenant=tenant)[StaffRole.BILLING]
        form = superuser_client.get("/admin/users/new/")
        assert form.status_code == 200 and 'name="password1"' not in form.content.decode()
        mail.outbox.clear()
        response = superuser_client.post(
            "/admin/users/new/",
            {
                "email": "new.staff@example.com",
                "first_name": "New",
                "last_name": "Staff",
                "groups": [group.pk],
                "password1": "Typed-By-Admin-1",  # ignored: not a field
                "password2": "Typed-By-Admin-1",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        user = User.objects.get(email="new.staff@example.com")
        assert not user.has_usable_password() and not user.check_password("Typed-By-Admin-1")
        assert [m.to for m in mail.outbox] == [["new.staff@example.com"]]
        link = _link(mail.outbox[0])
        superuser_client.logout()
        page = client.get(link)
        assert page.status_code == 200 and "new.staff@example.com" in page.content.decode()
        weak = client.post(link, {"new_password1": "abc", "new_password2": "abc"})
        assert weak.status_code == 400
        done = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert done.status_code == 302 and done["Location"] == "/account/login/"
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert client.get(link).status_code == 404  # the link works once

    def test_a_tampered_link_answers_404(self, client, db):
        assert client.get("/staff/password/set/MQ/abc-def/").status_code == 404

    def test_a_user_without_admin_access_gets_no_invitation(self, superuser_client):
        TenantFactory()
        mail.outbox.clear()
        superuser_client.post(
            "/admin/users/new/", {"email": "plain@example.com", "first_name": "Plain", "last_name": "User"}
        )
        assert User.objects.filter(email="plain@example.com").exists() and not mail.outbox

    def test_granting_admin_access_to_an_existing_user_invites_them(self, superuser_client):
        tenant = TenantFactory()
        group = tenant_staff_groups_ensure(tenant=tenant)[StaffRole.SUPPORT]
        customer = UserFactory(email="customer@example.com")
        edit = superuser_client.get(f"/admin/users/edit/{customer.pk}/")
        assert edit.status_code == 200 and 'name="password1"' not in edit.content.decode()
        mail.outbox.clear()
        response = superuser_client.post(
            f"/admin/users/edit/{customer.pk}/",
            {
                "email": customer.email,
                "first_name": customer.first_name or "C",
                "last_name": customer.last_name or "U",
                "is_active": "on",
                "groups": [group.pk],
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        assert [m.to for m in mail.outbox] == [["customer@example.com"]]
        assert "/account/login/" in mail.outbox[0].body  # they have a password: the sign-in address, no reset
        customer.refresh_from_db()
        assert customer.check_password(PASSWORD)
        # saving again (access already given) sends nothing
        mail.outbox.clear()
        superuser_client.post(
            f"/admin/users/edit/{customer.pk}/",
            {
                "email": customer.email,
                "first_name": customer.first_name or "C",
                "last_name": customer.last_name or "U",
                "is_active": "on",
                "groups": [group.pk],
            },
        )
        assert not mail.outbox
