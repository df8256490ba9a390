"""Seed 001 in headless Chromium: an owner invites a contact with payment rights from Settings, the contact follows
the emailed link, chooses a password, adds a card in the payment wizard (localstripe's card element) and pays the
account's balance; the signed webhook records the payment and the receipt goes to them."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache

from portal_models.models import Contact, InvoiceStatus, Payment
from portal_models.tests.factories import (
    PASSWORD,
    AccountFactory,
    ContactFactory,
    LoginContactFactory,
    seed_invoice,
)
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401
from portal_pages.tests.factories import ensure_wagtail_root, make_portal

from .test_payments_browser import webhook_to_live_server  # noqa: F401

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
    seed_invoice(account)  # open, $6,100.00: the balance the payer pays
    return home, owner, payer


def sign_in(page, base, email, password):
    page.goto(f"{base}/acme/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/acme/dashboard/")


def test_owner_invites_a_payer_from_settings(
    live_server,
    webhook_to_live_server,  # noqa: F811
    acme,
    page,
    phone,
    screenshot,
):
    home, owner, payer = acme
    invoice = payer.account.invoices.get()
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

    # the pay right works: the balance, through the wizard, with a new card
    page.goto(f"{live_server.url}/acme/pay/")
    page.wait_for_url("**/acme/pay/billing/")
    assert page.get_by_label("First name").input_value() == "Pat"
    assert page.get_by_label("Email").input_value() == payer.email
    assert page.get_by_test_id("summary-total").inner_text() == "$6,283.00"
    page.get_by_label("Address 1").fill("1 Quality Way")
    page.get_by_label("ZIP / Postal code").fill("10001")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/acme/pay/payment/")
    element = page.get_by_test_id("card-element")
    element.locator("input[placeholder=number]").fill("4242424242424242")
    element.locator("input[placeholder=exp_month]").fill("10")
    element.locator("input[placeholder=exp_year]").fill("28")
    element.locator("input[placeholder=cvc]").fill("123")
    element.locator("input[placeholder=postal_code]").fill("10001")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/acme/pay/confirm/")
    assert page.get_by_test_id("confirm-amount").inner_text() == "$6,283.00"
    assert page.get_by_test_id("confirm-card").inner_text().endswith("4242")
    assert "Pat Payer" in page.get_by_test_id("confirm-form").inner_text()
    page.get_by_label("Payment details are correct and I authorize this payment.").check()
    page.get_by_test_id("authorize-payment").click()
    page.wait_for_url("**/acme/pay/result/pi_*/")
    page.wait_for_selector("[data-testid=payment-result][data-state=succeeded]", timeout=20_000)
    assert "$6,283.00 was charged to your card." in page.content()
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "team-03-payer-paid-phone")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == (
        InvoiceStatus.PAID,
        Decimal("6283.00"),
        Decimal("0.00"),
    )
    payment = Payment.objects.get()
    assert payment.payer == Contact.objects.get(pk=payer.pk).user
    assert (payment.amount, payment.card_last4, payment.payer_name) == (Decimal("6283.00"), "4242", "Pat Payer")
    assert payment.allocations.get().invoice == invoice
    assert payment.display_number in page.get_by_test_id("payment-result").inner_text()  # the receipt's number
    receipt = next(m for m in mail.outbox if m.subject == "Payment receipt from Acme Billing")
    assert payer.email in receipt.to and payment.display_number in receipt.body and "$6,283.00" in receipt.body
