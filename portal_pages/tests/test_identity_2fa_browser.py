"""Seed 003's sign-in in headless Chromium: a user with an email and a phone chooses SMS, reads the code the SMS
gateway sent (its outbox), trusts the device, and is not asked again on the next sign-in."""

import pytest
from django.core import mail
from django.core.cache import cache
from django_otp.plugins.otp_email.models import EmailDevice
from two_factor.plugins.phonenumber.models import PhoneDevice

from portal_models.gateways import sms
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory
from portal_pages.tests.factories import ensure_wagtail_root, make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = __import__("pathlib").Path("/tmp/shots/identity")


@pytest.fixture
def user_with_email_and_phone(transactional_db):
    cache.clear()
    sms.outbox.clear()
    ensure_wagtail_root()
    home = make_portal(name="Acme Billing", slug="acme", primary="#0b4f8a", accent="#16a34a")
    contact = LoginContactFactory(account=AccountFactory(tenant=home.tenant, name="Test Inc."))
    user = contact.user
    user.email = "accounts.payable.department@example.com"  # a long address: the choice buttons must wrap it at 320 px
    user.save(update_fields=["email"])
    EmailDevice.objects.create(user=user, name="default", confirmed=True)
    PhoneDevice.objects.create(user=user, name="sms", number="+15203607987", method="sms", confirmed=True)
    return home, user


def _sign_in(page, base, email):
    page.goto(f"{base}/acme/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()


def test_choose_sms_at_sign_in_and_trust_the_device(live_server, user_with_email_and_phone, browser):
    _home, user = user_with_email_and_phone
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    mail.outbox.clear()
    _sign_in(page, live_server.url, user.email)
    choice = page.get_by_test_id("choose-method")
    choice.wait_for()
    assert not sms.outbox and not mail.outbox  # nothing is sent before the user chooses
    page.screenshot(path=str(SHOTS / "sign-in-choose-390-light.png"), full_page=True)
    choice.get_by_role("button", name="Send text message to").click()
    page.get_by_text("We sent you a text message").wait_for()
    assert [c.to for c in sms.outbox] == ["+15203607987"] and not mail.outbox
    page.get_by_label("Token").fill(sms.outbox[-1].token)
    trust = page.get_by_label("Don't ask again on this device for 30 days")
    trust.check()
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/acme/dashboard/")

    # the next sign-in on this trusted browser skips the second step
    page.get_by_test_id("sign-out").click(force=True)
    page.wait_for_url("**/acme/**")
    sent = len(sms.outbox)
    _sign_in(page, live_server.url, user.email)
    page.wait_for_url("**/acme/dashboard/")
    assert len(sms.outbox) == sent
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1366, 390, 320])
def test_the_choice_fits_every_width(live_server, user_with_email_and_phone, browser, width, scheme):
    _home, user = user_with_email_and_phone
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 800, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, live_server.url, user.email)
    page.get_by_test_id("choose-method").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(SHOTS / f"sign-in-choose-{width}-{scheme}.png"), full_page=True)
    context.close()
