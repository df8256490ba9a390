"""Registration journey in headless Chromium: register → code from the outbox → temporary password
→ forced change → dashboard."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from portal_models.tests.factories import AccountFactory, ContactFactory
from portal_pages.tests.factories import ensure_wagtail_root, make_portal

from .test_identity import add_registration_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def acme(transactional_db):
    cache.clear()
    ensure_wagtail_root()
    home = make_portal(name="Acme Billing", slug="acme", primary="#0b4f8a", accent="#16a34a")
    add_registration_page(home)
    contact = ContactFactory(
        account=AccountFactory(tenant=home.tenant, name="Test Inc."),
        email="john.doe@example.com",
        first_name="John",
        last_name="Doe",
        can_login=True,
    )
    return home, contact


def test_register_verify_change_password_reach_dashboard(live_server, acme, page, phone, screenshot):
    home, contact = acme
    page.goto(f"{live_server.url}/acme/login/")
    page.get_by_test_id("register-link").click()
    page.wait_for_url("**/acme/register/")
    page.get_by_label("First name").fill("John")
    page.get_by_label("Last name").fill("Doe")
    page.get_by_label("Email").fill("john.doe@example.com")
    page.get_by_label("Company").fill("Test Inc.")
    page.get_by_label("Type the code you see or hear").fill("PASSED")
    screenshot(page, "identity-01-register")
    page.get_by_test_id("register").click()

    page.wait_for_url("**/acme/register/verify/")
    assert page.get_by_test_id("sent-to").inner_text() == "john.doe@example.com"
    code = re.search(r"^\s+([A-Z0-9]{6})\s*$", mail.outbox[-1].body, re.M).group(1)
    page.get_by_label("Authentication code").fill("WRONG9")
    page.get_by_test_id("authenticate").click()
    assert "That code is not right" in page.get_by_role("alert").first.inner_text()
    page.get_by_label("Authentication code").fill(code)
    screenshot(page, "identity-02-verify")
    page.get_by_test_id("authenticate").click()

    page.wait_for_url("**/acme/register/done/")
    screenshot(page, "identity-03-done")
    temporary = mail.outbox[-1].body.split("Sign in to change it.")[1].split()[0]
    page.get_by_test_id("login-here").click()
    page.wait_for_url("**/acme/login/")
    page.get_by_label("Email").fill("john.doe@example.com")
    page.get_by_label("Password").fill(temporary)
    page.get_by_test_id("sign-in").click()

    page.wait_for_url("**/acme/account/password/")
    assert page.get_by_test_id("must-change").is_visible()
    page.goto(f"{live_server.url}/acme/dashboard/")
    page.wait_for_url("**/acme/account/password/")  # nothing else is reachable
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    page.get_by_test_id("change-password").click()
    assert page.locator(".field--error").count() >= 1
    screenshot(page, "identity-04-change-password-errors")
    page.get_by_label("New password", exact=True).fill("Quiet-River-42")
    page.get_by_label("New password confirmation").fill("Quiet-River-42")
    page.get_by_test_id("change-password").click()
    page.wait_for_url("**/acme/dashboard/")
    assert "Your password has been changed." in page.content()
    assert page.get_by_test_id("account-name").inner_text() == "Test Inc."
    screenshot(page, "identity-05-dashboard")

    # the same screens on a phone
    phone.goto(f"{live_server.url}/acme/register/")
    screenshot(phone, "identity-phone-register")
    phone.goto(f"{live_server.url}/acme/password/forgot/")
    phone.get_by_label("Email").fill("john.doe@example.com")
    phone.get_by_test_id("send-reset").click()
    assert phone.get_by_test_id("reset-sent").is_visible()
    screenshot(phone, "identity-phone-forgot-sent")
    phone.goto(f"{live_server.url}/acme/login/")
    phone.get_by_label("Email").fill("john.doe@example.com")
    phone.get_by_label("Password").fill("Quiet-River-42")
    phone.get_by_test_id("sign-in").click()
    phone.wait_for_url("**/acme/dashboard/")
    phone.goto(f"{live_server.url}/acme/account/password/")
    screenshot(phone, "identity-phone-change-password")


def test_owner_grants_access_and_enrols_an_authenticator(live_server, acme, page, phone, screenshot):
    from base64 import b32decode

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal_models.tests.factories import PASSWORD, LoginContactFactory

    home, contact = acme
    owner = LoginContactFactory(
        account=contact.account, email="olivia@example.com", first_name="Olivia", can_manage_contacts=True
    )
    jane = ContactFactory(account=contact.account, email="jane@example.com", first_name="Jane", last_name="Roe")
    page.goto(f"{live_server.url}/acme/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/acme/dashboard/")

    page.locator(".user-menu summary").click()
    screenshot(page, "identity-06-user-menu")
    page.get_by_test_id("menu-system-access").click()
    page.wait_for_url("**/acme/settings/access/")
    page.get_by_label("Contact", exact=True).select_option(str(jane.pk))
    page.get_by_test_id("grant-login").click()
    assert "can now sign in" in page.locator(".messages").inner_text()
    assert mail.outbox[-1].to == ["jane@example.com"]
    screenshot(page, "identity-07-system-access")

    page.locator(".user-menu summary").click()
    page.get_by_test_id("menu-two-factor").click()
    page.wait_for_url("**/acme/account/two-factor/")
    page.get_by_test_id("two-factor-next").click()
    page.get_by_label("Token generator").check()
    page.get_by_test_id("two-factor-next").click()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    qr = page.get_by_test_id("totp-qr")
    qr.wait_for()
    # the QR loaded (polled from Python: a string predicate would need 'unsafe-eval', which the CSP refuses)
    for _ in range(100):
        if qr.evaluate("img => img.naturalWidth") > 0:
            break
        page.wait_for_timeout(100)
    assert qr.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "identity-08-totp-qr")
    page.get_by_label("Token").fill(str(totp(b32decode(secret))).zfill(6))
    page.get_by_test_id("two-factor-next").click()
    page.wait_for_url("**/acme/account/two-factor/?enabled=1")
    page.locator("#id_backup-password").fill(PASSWORD)
    page.get_by_test_id("backup-generate").click()
    assert page.get_by_test_id("backup-codes").locator("li").count() == 10
    screenshot(page, "identity-09-two-factor-on")
    assert TOTPDevice.objects.filter(user=owner.user, confirmed=True).exists()

    phone.goto(f"{live_server.url}/acme/login/")
    phone.get_by_label("Email").fill(owner.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_test_id("sign-in").click()
    phone.get_by_label("Token").wait_for()
    screenshot(phone, "identity-phone-token-step")
