"""A company's team run by its owners: invitations of existing users (consent), the company a user works for,
rights per contact, the "missing right" page."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from portal_models.models import Contact, ContactInvitation, SecurityEvent, SecurityEventType
from portal_models.services import identity, invitations, team
from portal_models.tests.factories import PASSWORD, AccountFactory, ContactFactory, LoginContactFactory

from .test_portal import sign_in


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def invitation_link(message) -> str:
    return re.search(r"http://[^\s]+/invitation/[^\s]+/", message.body).group(0).split("localhost", 1)[1]


@pytest.fixture
def owner(portal_a):
    return LoginContactFactory(
        account=AccountFactory(tenant=portal_a.tenant, name="Attacker LLC"), can_manage_contacts=True
    )


@pytest.fixture
def victim(portal_b):
    """A user of another tenant's portal, with a company of their own."""
    return LoginContactFactory(account=AccountFactory(tenant=portal_b.tenant, name="Victim Co"))


@pytest.mark.django_db
class TestConsent:
    def test_an_owner_cannot_attach_an_existing_user_by_typing_their_email(self, client, portal_a, owner, victim):
        """The attack of the issue: a contact with the victim's email, granted a login, links nothing."""
        client.force_login(owner.user)
        response = client.post("/acme/contacts/new/", {"first_name": "Vic", "last_name": "Tim", "email": victim.email})
        assert response.status_code == 302
        trap = Contact.objects.get(account=owner.account, email=victim.email)
        mail.outbox.clear()
        response = client.post("/acme/settings/access/", {"action": "grant", "contact": trap.pk})
        assert response.status_code == 302
        trap.refresh_from_db()
        assert trap.user_id is None  # not linked
        assert trap.can_login
        # the victim is asked, with a signed link; no set-password link that would reset anything
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [victim.email]
        assert "/invitation/" in mail.outbox[0].body and "/password/set/" not in mail.outbox[0].body
        invitation = ContactInvitation.objects.get(contact=trap)
        assert invitation.user == victim.user and invitation.is_open
        # nothing of the attacker's company is visible to the victim: they cannot even sign in there
        client.logout()
        assert sign_in(client, portal_a, victim.email).status_code == 200  # refused: the wrong-password answer
        assert not client.session.get("_auth_user_id")

    def test_the_link_alone_or_another_user_accepts_nothing(self, client, portal_a, owner, victim):
        trap = ContactFactory(account=owner.account, email=victim.email)
        identity.contact_grant_login(contact=trap, invited_by=owner.user)
        link = invitation_link(mail.outbox[-1])
        # anonymous, without the victim's password
        response = client.post(link, {"action": "accept", "password": "wrong"})
        assert response.status_code == 400
        assert "That is not your password." in response.content.decode()
        # signed in as the attacker (the link leaked to them): being signed in as someone else proves nothing
        client.force_login(owner.user)
        response = client.post(link, {"action": "accept"})
        assert response.status_code == 400
        assert "You are signed in as another user" in response.content.decode()
        trap.refresh_from_db()
        assert trap.user_id is None
        # a forged or tampered link
        assert client.get(link[:-3] + "xx/").status_code == 404
        # the same link on another tenant's portal
        assert client.get(link.replace("/acme/", "/borealis/")).status_code == 404

    def test_the_user_accepts_signed_in_and_then_works_there(self, client, portal_a, owner, victim):
        other = LoginContactFactory(account=AccountFactory(tenant=portal_a.tenant, name="Aardvark Inc"))
        other.user.delete()  # free the email: the victim also works for Aardvark on tenant A
        other.refresh_from_db()
        other.user = victim.user
        other.email = victim.email
        other.save()
        trap = ContactFactory(account=owner.account, email=victim.email)
        identity.contact_grant_login(contact=trap, invited_by=owner.user)
        link = invitation_link(mail.outbox[-1])
        client.force_login(victim.user)
        page = client.get(link)
        assert page.status_code == 200 and "Attacker LLC" in page.content.decode()
        # before accepting: Attacker LLC is not one of their companies
        dashboard = client.get("/acme/dashboard/")
        assert dashboard.status_code == 200
        assert "Attacker LLC" not in dashboard.content.decode()
        response = client.post(link, {"action": "accept"})
        assert response.status_code == 302 and response["Location"] == "/acme/dashboard/"
        trap.refresh_from_db()
        assert trap.user == victim.user
        assert SecurityEvent.objects.filter(event=SecurityEventType.INVITATION_ACCEPTED, user=victim.user).exists()
        # the link works once
        assert client.get(link).status_code == 404

    def test_declining_links_nothing(self, client, portal_a, owner, victim):
        trap = ContactFactory(account=owner.account, email=victim.email)
        identity.contact_grant_login(contact=trap, invited_by=owner.user)
        link = invitation_link(mail.outbox[-1])
        response = client.post(link, {"action": "decline", "password": PASSWORD})
        assert response.status_code == 302
        trap.refresh_from_db()
        assert trap.user_id is None
        assert ContactInvitation.objects.get(contact=trap).declined_at is not None

    def test_anonymous_with_password_accepts_then_signs_in(self, client, portal_a, owner, victim):
        trap = ContactFactory(account=owner.account, email=victim.email)
        identity.contact_grant_login(contact=trap, invited_by=owner.user)
        response = client.post(invitation_link(mail.outbox[-1]), {"action": "accept", "password": PASSWORD})
        assert response.status_code == 302
        trap.refresh_from_db()
        assert trap.user == victim.user
        assert sign_in(client, portal_a, victim.email).status_code == 302

    def test_a_new_person_still_gets_a_set_password_link(self, portal_a, owner):
        newcomer = ContactFactory(account=owner.account, email="new.person@example.com")
        identity.contact_grant_login(contact=newcomer, invited_by=owner.user)
        newcomer.refresh_from_db()
        assert newcomer.user is not None and newcomer.user.email == "new.person@example.com"
        assert "/password/set/" in mail.outbox[-1].body


@pytest.mark.django_db
class TestCompanyChoice:
    def test_the_last_chosen_company_is_where_the_user_lands_next_time(self, client, portal_a):
        zulu = LoginContactFactory(account=AccountFactory(tenant=portal_a.tenant, name="Zulu Corp"))
        alpha = ContactFactory(
            account=AccountFactory(tenant=portal_a.tenant, name="Alpha Corp"),
            user=zulu.user,
            email=zulu.email,
            can_login=True,
        )
        sign_in(client, portal_a, zulu.email)
        assert "Alpha Corp" in client.get("/acme/settings/").content.decode().split("<main", 1)[1][:4000]
        client.post("/acme/account/switch/", {"account": zulu.account_id})
        client.logout()
        sign_in(client, portal_a, zulu.email)
        main = client.get("/acme/settings/").content.decode().split("<main", 1)[1]
        assert "Zulu Corp" in main[:4000]
        assert invitations.account_chosen(user=zulu.user, tenant=portal_a.tenant) == zulu.account_id
        assert alpha.account_id != zulu.account_id


def set_right(client, contact, right, value, **extra):
    data = {"action": "set_right", "contact": contact.pk, "right": right, "value": "1" if value else "0", **extra}
    return client.post("/acme/settings/access/", data)


@pytest.mark.django_db
class TestRights:
    def test_the_owner_gives_and_takes_each_right_audited_and_emailed(self, client, owner):
        payer = LoginContactFactory(account=owner.account, can_pay=False)
        client.force_login(owner.user)
        for right in ("can_pay", "can_see_documents", "can_manage_contacts"):
            before = getattr(payer, right)
            mail.outbox.clear()
            response = set_right(client, payer, right, not before)
            assert response.status_code == 302 and response["Location"] == "/acme/settings/access/"
            payer.refresh_from_db()
            assert getattr(payer, right) is (not before)
            event = SecurityEvent.objects.filter(event=SecurityEventType.RIGHT_CHANGED).first()
            assert event.details == {"contact_id": payer.pk, "right": right, "value": not before}
            assert event.actor == owner.user and event.user == payer.user
            assert mail.outbox[-1].to == [payer.email]
            assert invitations.right_label(right) in mail.outbox[-1].body

    def test_a_toggle_from_settings_comes_back_to_settings(self, client, owner):
        payer = LoginContactFactory(account=owner.account, can_pay=False)
        client.force_login(owner.user)
        settings = client.get("/acme/settings/").content.decode()
        assert 'data-testid="system-access"' in settings and 'data-testid="toggle-can_pay"' in settings
        response = set_right(client, payer, "can_pay", True, **{"from": "settings"})
        assert response["Location"] == "/acme/settings/"

    def test_the_last_owner_keeps_their_owner_right(self, client, owner):
        client.force_login(owner.user)
        response = set_right(client, owner, "can_manage_contacts", False)
        owner.refresh_from_db()
        assert owner.can_manage_contacts
        assert "last owner" in client.get(response["Location"]).content.decode()
        set_right(client, owner, "can_login", False)
        owner.refresh_from_db()
        assert owner.can_login
        # with a second owner, they may step down
        LoginContactFactory(account=owner.account, can_manage_contacts=True)
        set_right(client, owner, "can_manage_contacts", False)
        owner.refresh_from_db()
        assert not owner.can_manage_contacts

    def test_another_accounts_contact_answers_404(self, client, owner, portal_a):
        stranger = LoginContactFactory(account=AccountFactory(tenant=portal_a.tenant))
        client.force_login(owner.user)
        assert set_right(client, stranger, "can_pay", False).status_code == 404
        stranger.refresh_from_db()
        assert stranger.can_pay

    def test_a_missing_right_says_which_and_who_can_grant_it(self, client, owner):
        clerk = LoginContactFactory(account=owner.account, can_pay=False)
        client.force_login(clerk.user)
        for url, right in (
            ("/acme/pay/", "Can pay"),
            ("/acme/payments/methods/", "Can pay"),
            ("/acme/settings/access/", "Owner"),
        ):
            response = client.get(url)
            assert response.status_code == 403, url
            content = response.content.decode()
            assert right in content and owner.full_name in content and 'data-testid="missing-right"' in content

    def test_an_owner_without_a_right_is_sent_to_grant_it_themselves(self, client, owner):
        owner.can_pay = False
        owner.save()
        client.force_login(owner.user)
        response = client.get("/acme/pay/")
        content = response.content.decode()
        assert response.status_code == 403 and 'data-testid="grant-yourself"' in content
        assert 'href="/acme/settings/access/"' in content and "owner can give it to you" not in content
        set_right(client, owner, "can_pay", True)
        assert client.get("/acme/pay/").status_code in (200, 302)  # the wizard (or the invoices: nothing due)

    def test_disable_all_emails_each_contact(self, client, owner):
        others = LoginContactFactory.create_batch(2, account=owner.account)
        client.force_login(owner.user)
        mail.outbox.clear()
        client.post("/acme/settings/access/", {"action": "disable_all"})
        assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in others)
        owner.refresh_from_db()
        assert owner.can_login

    def test_a_revoked_users_next_click_says_why(self, client, owner):
        clerk = LoginContactFactory(account=owner.account)
        client.force_login(clerk.user)
        assert client.get("/acme/dashboard/").status_code == 200
        team.contact_set_right(contact=clerk, right="can_login", value=False, by=owner.user)
        response = client.get("/acme/invoices/", follow=True)
        content = response.content.decode()
        assert "sign-in to the Acme Billing portal was turned off" in content

    def test_staff_change_rights_in_the_admin_through_the_same_service(self, client, portal_a, owner):
        from portal_models.tests.factories import UserFactory

        contact = ContactFactory(account=owner.account, email="fresh@example.com")
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        page = client.get(f"/admin/portal_models/contact/edit/{contact.pk}/")
        assert page.status_code == 200
        data = {k: v for k, v in page.context["form"].initial.items() if v is not None and k != "user"}
        data.update(account=owner.account.pk, can_login="on", can_pay="on", can_see_documents="on")
        data = {k: v for k, v in data.items() if v is not False}
        mail.outbox.clear()
        response = client.post(f"/admin/portal_models/contact/edit/{contact.pk}/", data)
        assert response.status_code == 302, response.content.decode()[:3000]
        contact.refresh_from_db()
        assert contact.can_login and contact.can_pay and contact.user is not None
        assert any("/password/set/" in m.body for m in mail.outbox)  # the invitation went out at once
        assert SecurityEvent.objects.filter(event=SecurityEventType.RIGHT_CHANGED, details__right="can_pay").exists()


@pytest.mark.django_db
def test_invoices_page_size_and_show_all(client, customer_a):
    from datetime import date

    from portal_models.services import billing

    for n in range(55):
        billing.invoice_create(
            account=customer_a.account,
            number=f"PS-{n:03d}",
            lines=[{"description": "Line", "unit_price": "1.00"}],
            due_date=date(2022, 9, 26),
        )
    client.force_login(customer_a.user)

    def rows(query=""):
        content = client.get(f"/acme/invoices/{query}").content.decode()
        return content.count("PS-0"), content

    count, content = rows()
    assert count == 20 and 'data-testid="page-size"' in content
    assert rows("?size=50")[0] == 50
    assert rows("?size=100")[0] == 55
    assert rows("?size=all")[0] == 55
    assert rows("?size=7")[0] == 20  # not offered: the default
    assert "size=50" in rows("?size=50&page=2")[1]  # the pages keep the size


@pytest.mark.django_db
def test_contacts_export_csv_and_xlsx(client, customer_a, portal_a):
    import io

    from openpyxl import load_workbook

    ContactFactory(account=customer_a.account, first_name="=HYPERLINK(1)", last_name="Evil")
    ContactFactory(account=AccountFactory(tenant=portal_a.tenant), first_name="Stranger")
    client.force_login(customer_a.user)
    csv_text = client.get("/acme/contacts/export/").getvalue().decode()
    assert "'=HYPERLINK(1)" in csv_text and customer_a.email in csv_text and "Stranger" not in csv_text
    xlsx = client.get("/acme/contacts/export/?format=xlsx")
    assert xlsx["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.getvalue())).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'=HYPERLINK(1)" in values and "Stranger" not in values
