"""Seed 001 in headless Chromium: an owner invites a contact with payment rights from Settings, the contact follows
the emailed link, chooses a password and reaches the pay screen."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from portal_models.models import Contact
from portal_models.tests.factories import PASSWORD, AccountFactory, ContactFactory, LoginContactFactory
from portal_pages.tests.factories import ensure_wagtail_root, make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def acme(transactional_db):
    cache.clear()
    ensure_wagtail_root()
    home = make_portal(name="Acme Billing", slug="acme", primary="#0b4f8a", accent="#16a34a")
    account = AccountFactory(tenant=home.tenant, name="Test Inc.")
    owner = LoginContactFactory(
        account=account, first_name="John", last_name="Doe", email="john.doe@example.com", can_manage_contacts=True
    )
    payer = ContactFactory(account=account, first_name="Pat", last_name="Payer", email="pat.payer@example.com")
    return home, owner, payer


def sign_in(page, base, email, password):
    page.goto(f"{base}/acme/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/acme/dashboard/")


def test_owner_invites_a_payer_from_settings(live_server, acme, page, phone, screenshot):
    home, owner, payer = acme
    sign_in(page, live_server.url, owner.email, PASSWORD)
    page.goto(f"{live_server.url}/acme/settings/")
    access = page.get_by_test_id("system-access")
    access.get_by_label("Contact", exact=True).select_option(str(payer.pk))
    access.get_by_test_id("grant-login").click()
    page.wait_for_url("**/acme/settings/")
    assert "Pat Payer can now sign in" in page.content()
    row = page.locator(f'[data-testid="access-row"][data-contact="{payer.pk}"]')
    page.once("dialog", lambda dialog: dialog.accept())  # "Give “Can pay” to Pat Payer?"
    row.get_by_test_id("toggle-can_pay").click()
    page.wait_for_url("**/acme/settings/")
    row = page.locator(f'[data-testid="access-row"][data-contact="{payer.pk}"]')
    assert row.get_by_test_id("toggle-can_pay").get_attribute("aria-pressed") == "true"
    # a dismissed confirmation changes nothing
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_test_id("toggle-can_see_documents").click()
    assert Contact.objects.get(pk=payer.pk).can_see_documents
    screenshot(page, "team-01-settings-system-access")
    phone_page = phone
    sign_in(phone_page, live_server.url, owner.email, PASSWORD)
    phone_page.goto(f"{live_server.url}/acme/settings/#system-access")
    screenshot(phone_page, "team-phone-settings-system-access")

    invitation = next(m for m in mail.outbox if m.to == [payer.email] and "/password/set/" in m.body)
    link = re.search(r"http://[^\s]+/password/set/[^\s]+/", invitation.body).group(0).split("localhost", 1)[1]
    page.context.clear_cookies()
    page.goto(live_server.url + link)
    page.get_by_label("New password", exact=True).fill("Quiet-River-42")
    page.get_by_label("New password confirmation").fill("Quiet-River-42")
    page.get_by_test_id("set-password").click()
    page.wait_for_url("**/acme/login/")
    sign_in(page, live_server.url, payer.email, "Quiet-River-42")
    page.goto(f"{live_server.url}/acme/settings/access/")
    assert page.get_by_test_id("missing-right").is_visible()  # not an owner: told who is
    assert "John Doe" in page.get_by_test_id("missing-right").inner_text()
    screenshot(page, "team-02-missing-right")
    assert page.goto(f"{live_server.url}/acme/pay/").status != 403  # the pay right works
