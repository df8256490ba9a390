"""Seed 000's journey in headless Chromium: John Doe pays invoice 10020 ($6,100.00) by card through the wizard,
against a running portal (live_server) and a running localstripe that delivers its signed webhook to it."""

from datetime import date
from decimal import Decimal

import pytest

from portal_models.gateways import stripe as gateway
from portal_models.models import InvoiceLine, InvoiceStatus, Payment
from portal_models.services import billing
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401
from portal_pages.tests.factories import ensure_wagtail_root, make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SEED_LINES = [
    {"description": "QMS Web Subscription", "unit_price": "1600.00"},
    {"description": "QMS Software Training Package", "unit_price": "3000.00"},
    {"description": "QMS Initial Implementation & Configuration", "unit_price": "1500.00"},
]


@pytest.fixture
def webhook_to_live_server(live_server, localstripe):  # noqa: F811
    url = live_server.url.replace("localhost", "127.0.0.1") + "/stripe/webhook/"
    gateway.webhook_register_localstripe(url=url)
    yield localstripe
    gateway.webhook_register_localstripe(url="http://127.0.0.1:9/closed/")  # nothing after this test


@pytest.fixture
def seed(transactional_db):
    ensure_wagtail_root()
    home = make_portal(name="QT9 Software", slug="qt9", primary="#0b4f8a", accent="#16a34a")
    account = AccountFactory(tenant=home.tenant, name="Test Inc.", city="Aurora", state="IL")
    john = LoginContactFactory(
        account=account,
        first_name="John",
        last_name="Doe",
        email="johndoe@test.com",
        business_phone="1234567890",
        is_billing=True,
    )
    invoice = billing.invoice_create(
        account=account,
        number="10020",
        lines=SEED_LINES,
        invoice_date=date(2022, 8, 26),
        due_date=date(2022, 9, 26),
    )
    return home, john, invoice


def test_customer_pays_invoice_10020_by_card(live_server, webhook_to_live_server, seed, page, screenshot):
    home, john, invoice = seed
    page.goto(f"{live_server.url}/qt9/invoices/{invoice.pk}/")
    page.get_by_label("Email").fill(john.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url(f"**/qt9/invoices/{invoice.pk}/")
    page.get_by_test_id("pay-now").click()

    # Step 1: billing, prefilled from the contact
    page.wait_for_url("**/qt9/pay/billing/")
    assert page.get_by_label("First name").input_value() == "John"
    assert page.get_by_label("Email").input_value() == "johndoe@test.com"
    assert page.get_by_test_id("summary-total").inner_text() == "$6,283.00"
    page.get_by_label("Address 1").fill("1 Quality Way")
    page.get_by_label("ZIP / Postal code").fill("10001")
    screenshot(page, "pay-1-billing")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "pay-1-billing-phone")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_test_id("next-step").click()

    # Step 2: the card, in (localstripe's) Stripe Card Element
    page.wait_for_url("**/qt9/pay/payment/")
    element = page.get_by_test_id("card-element")
    element.locator("input[placeholder=number]").fill("4242424242424242")
    element.locator("input[placeholder=exp_month]").fill("10")
    element.locator("input[placeholder=exp_year]").fill("28")
    element.locator("input[placeholder=cvc]").fill("123")
    element.locator("input[placeholder=postal_code]").fill("10001")
    screenshot(page, "pay-2-payment")
    page.get_by_test_id("next-step").click()

    # Step 3: confirm — amount, fee, source, authorizing user, brand and last 4
    page.wait_for_url("**/qt9/pay/confirm/")
    assert page.get_by_test_id("confirm-amount").inner_text() == "$6,283.00"
    assert page.get_by_test_id("confirm-fee").inner_text() == "$183.00"
    assert page.get_by_test_id("confirm-card").inner_text().endswith("4242")
    assert "John Doe" in page.get_by_test_id("confirm-form").inner_text()
    page.get_by_test_id("authorize-payment").click()  # not authorized yet: refused, nothing charged
    page.get_by_text("Check this box to authorize the payment.", exact=True).wait_for()
    page.get_by_label("Payment details are correct and I authorize this payment.").check()
    screenshot(page, "pay-3-confirm")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "pay-3-confirm-phone")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_test_id("authorize-payment").click()

    # Processing until the signed webhook has recorded the payment, then the result
    page.wait_for_url("**/qt9/pay/result/pi_*/")
    if page.get_by_test_id("payment-result").get_attribute("data-state") == "processing":
        screenshot(page, "pay-4-processing")
    page.wait_for_selector("[data-testid=payment-result][data-state=succeeded]", timeout=20_000)
    screenshot(page, "pay-5-result")
    assert "$6,283.00 was charged to your card." in page.content()

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert (invoice.total, invoice.amount_paid, invoice.amount_due) == (
        Decimal("6283.00"),
        Decimal("6283.00"),
        Decimal("0.00"),
    )
    fee = invoice.lines.get(kind=InvoiceLine.Kind.CARD_FEE)
    assert (fee.description, fee.line_total) == ("Credit Card Fee", Decimal("183.00"))
    payment = Payment.objects.get()
    assert (payment.amount, payment.fee_amount, payment.card_last4, payment.payer_name) == (
        Decimal("6283.00"),
        Decimal("183.00"),
        "4242",
        "John Doe",
    )
    assert payment.allocations.get().invoice == invoice
    assert payment.stripe_events.filter(type="payment_intent.succeeded").count() == 1

    # the printable receipt
    page.get_by_role("link", name="View / print receipt").click()
    page.wait_for_url("**/qt9/payments/*/receipt/")
    screenshot(page, "pay-6-receipt")
    assert "$6,283.00" in page.content()

    # the invoice, as in seed 000: paid, a Credit Card Fee line, the payment in its table, no Pay now button
    page.goto(f"{live_server.url}/qt9/invoices/{invoice.pk}/")
    screenshot(page, "pay-7-invoice-paid")
    assert page.get_by_test_id("pay-now").count() == 0
    assert page.get_by_test_id("amount-due").inner_text() == "$0.00"
    text = page.locator("main").inner_text()
    assert "Credit Card Fee" in text and "$183.00" in text and "$6,283.00" in text and "4242" in text, text

    # paying again: nothing left to pay
    page.goto(f"{live_server.url}/qt9/invoices/{invoice.pk}/pay/")
    assert "nothing left to pay" in page.content()


def test_declined_card_shows_a_clear_message(live_server, webhook_to_live_server, seed, page, screenshot):
    home, john, invoice = seed
    page.goto(f"{live_server.url}/qt9/invoices/{invoice.pk}/pay/")
    page.get_by_label("Email").fill(john.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/qt9/pay/billing/")
    page.get_by_label("Address 1").fill("1 Quality Way")
    page.get_by_label("ZIP / Postal code").fill("10001")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/qt9/pay/payment/")
    element = page.get_by_test_id("card-element")
    element.locator("input[placeholder=number]").fill("4000000000000002")
    element.locator("input[placeholder=exp_month]").fill("10")
    element.locator("input[placeholder=exp_year]").fill("28")
    element.locator("input[placeholder=cvc]").fill("123")
    page.get_by_test_id("next-step").click()
    error = page.locator("#card-errors")
    error.wait_for(state="visible")
    assert "Your card was declined." in error.inner_text()
    screenshot(page, "pay-2-declined")
    assert page.url.endswith("/qt9/pay/payment/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN and invoice.amount_due == Decimal("6100.00")
    assert not Payment.objects.exists()


def to_card_step(page, live_server, john, invoice, number):
    page.goto(f"{live_server.url}/qt9/invoices/{invoice.pk}/pay/")
    page.get_by_label("Email").fill(john.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/qt9/pay/billing/")
    page.get_by_label("Address 1").fill("1 Quality Way")
    page.get_by_label("ZIP / Postal code").fill("10001")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/qt9/pay/payment/")
    element = page.get_by_test_id("card-element")
    element.locator("input[placeholder=number]").fill(number)
    element.locator("input[placeholder=exp_month]").fill("10")
    element.locator("input[placeholder=exp_year]").fill("28")
    element.locator("input[placeholder=cvc]").fill("123")
    page.get_by_test_id("next-step").click()


@pytest.mark.parametrize("complete", [True, False], ids=["completed", "cancelled"])
def test_three_d_secure(live_server, webhook_to_live_server, seed, page, screenshot, complete):
    home, john, invoice = seed
    to_card_step(page, live_server, john, invoice, "4000002500003155")
    page.get_by_role("button", name="Complete authentication").click()  # 3-D Secure when the card is set up
    page.wait_for_url("**/qt9/pay/confirm/")
    page.get_by_label("Payment details are correct and I authorize this payment.").check()
    page.get_by_test_id("authorize-payment").click()
    # the bank asks again for the payment itself
    page.get_by_role("button", name="Complete authentication" if complete else "Fail authentication").click()
    page.wait_for_url("**/qt9/pay/result/pi_*/")
    state = "succeeded" if complete else "failed"
    page.wait_for_selector(f"[data-testid=payment-result][data-state={state}]", timeout=20_000)
    screenshot(page, f"pay-3ds-{state}")
    invoice.refresh_from_db()
    if complete:
        assert invoice.status == InvoiceStatus.PAID and invoice.amount_paid == Decimal("6283.00")
    else:
        assert "3-D Secure" in page.get_by_test_id("failure-message").inner_text()
        assert invoice.status == InvoiceStatus.OPEN and invoice.amount_due == Decimal("6100.00")
        assert not Payment.objects.exists()


def test_saved_card_and_autopay(live_server, webhook_to_live_server, seed, phone, screenshot):
    home, john, invoice = seed
    page = phone
    page.goto(f"{live_server.url}/qt9/payments/methods/")
    page.get_by_label("Email").fill(john.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/qt9/payments/methods/")
    element = page.locator("#card-element")
    element.locator("input[placeholder=number]").fill("4242424242424242")
    element.locator("input[placeholder=exp_month]").fill("10")
    element.locator("input[placeholder=exp_year]").fill("28")
    element.locator("input[placeholder=cvc]").fill("123")
    page.get_by_role("button", name="Save card").click()
    page.get_by_test_id("saved-card").wait_for()
    assert "Visa •••• 4242" in page.get_by_test_id("saved-card").inner_text()
    page.get_by_label("I authorize charging my default card", exact=False).check()
    page.get_by_role("button", name="Turn autopay on").click()
    page.get_by_text("Autopay is on.").wait_for()
    screenshot(page, "payment-methods-phone")
    john.account.refresh_from_db()
    assert john.account.autopay

    # the saved card is offered in the wizard
    page.goto(f"{live_server.url}/qt9/invoices/{invoice.pk}/pay/")
    page.get_by_label("Address 1").fill("1 Quality Way")
    page.get_by_label("ZIP / Postal code").fill("10001")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/qt9/pay/payment/")
    assert page.locator("input[name=source]:checked").get_attribute("value").startswith("pm_")
    screenshot(page, "pay-2-saved-card-phone")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/qt9/pay/confirm/")
    assert page.get_by_test_id("confirm-card").inner_text().endswith("4242")
