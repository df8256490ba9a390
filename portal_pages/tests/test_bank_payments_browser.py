"""Bank payments in headless Chromium, against a running portal (live_server) and localstripe delivering its signed
webhooks to it: a customer of an EUR portal adds a bank account under the SEPA mandate (localstripe's Stripe.js
confirmSepaDebitSetup) and pays an invoice by direct debit (processing, then paid after the webhook); a QT9
customer announces a business check, billing staff record it received, the invoice shows the check number."""

from datetime import date
from decimal import Decimal

import pytest

from portal_models.gateways import stripe as gateway
from portal_models.models import InvoiceStatus, Payment, PaymentMethod, PromisedCheck, StaffRole
from portal_models.services import billing
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory, UserFactory
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401
from portal_pages.tests.factories import ensure_wagtail_root, make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def webhook_to_live_server(live_server, localstripe):  # noqa: F811
    url = live_server.url.replace("localhost", "127.0.0.1") + "/stripe/webhook/"
    gateway.webhook_register_localstripe(url=url)
    yield localstripe
    gateway.webhook_register_localstripe(url="http://127.0.0.1:9/closed/")  # nothing after this test


def both(page, screenshot, name):
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def sign_in(page, live_server, url, email):
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()


def test_eur_customer_adds_a_bank_account_and_pays_by_direct_debit(
    live_server, webhook_to_live_server, page, screenshot
):
    ensure_wagtail_root()
    home = make_portal(name="Alpenwerk Energie", slug="alpenwerk", currency="EUR", primary="#0f5132", accent="#b45309")
    home.tenant.bank_debit_enabled = True
    home.tenant.save()
    account = AccountFactory(tenant=home.tenant, name="Kaffeehaus Huber GmbH", city="Wien", country="Austria")
    anna = LoginContactFactory(account=account, first_name="Anna", last_name="Huber", email="anna@huber.example.com")
    invoice = billing.invoice_create(
        account=account,
        number="AW-131",
        lines=[{"description": "Gas supply — December", "unit_price": "6210.75"}],
        invoice_date=date(2026, 11, 20),
        due_date=date(2026, 12, 20),
    )

    # Payment methods: add a bank account under the mandate; a wrong IBAN is refused next to its field first
    sign_in(page, live_server, f"{live_server.url}/alpenwerk/payments/methods/", anna.email)
    page.wait_for_url("**/alpenwerk/payments/methods/")
    bank = page.get_by_test_id("bank-accounts")
    bank.get_by_label("Account holder").fill("Kaffeehaus Huber GmbH")
    bank.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 01")
    bank.get_by_label("I accept the direct debit mandate above.").check()
    bank.get_by_test_id("save-bank").click()
    page.get_by_text("This IBAN is not valid.", exact=False).wait_for()
    assert not PaymentMethod.objects.exists()
    both(page, screenshot, "bank-1-methods-bad-iban")
    bank.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    bank.get_by_test_id("save-bank").click()
    page.get_by_test_id("saved-bank").wait_for()
    method = PaymentMethod.objects.get()
    assert (method.type, method.last4, method.is_default) == ("sepa_debit", "3000", True)
    assert method.mandate_accepted_at is not None
    both(page, screenshot, "bank-2-methods-saved")

    # The wizard: billing, then the saved bank account (no card fee), confirm
    page.goto(f"{live_server.url}/alpenwerk/invoices/{invoice.pk}/")
    page.get_by_test_id("pay-now").click()
    page.wait_for_url("**/alpenwerk/pay/billing/")
    page.get_by_label("Address 1").fill("Kärntner Straße 12")
    page.get_by_label("City").fill("Wien")
    page.get_by_label("State").fill("Wien")
    page.get_by_label("ZIP / Postal code").fill("1010")
    page.get_by_label("Country").fill("Austria")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/alpenwerk/pay/payment/")
    assert page.get_by_test_id("saved-bank").is_checked()
    assert page.get_by_test_id("no-fee").first.is_visible()
    both(page, screenshot, "bank-3-payment-step")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/alpenwerk/pay/confirm/")
    assert page.get_by_test_id("confirm-amount").inner_text() == "€6,210.75"  # no card fee on a bank debit
    assert page.get_by_test_id("confirm-fee").count() == 0 and page.get_by_test_id("confirm-no-fee").is_visible()
    assert page.get_by_test_id("confirm-source").inner_text() == "Bank account (direct debit)"
    page.get_by_label("Payment details are correct and I authorize this direct debit.").check()
    both(page, screenshot, "bank-4-confirm")
    page.get_by_test_id("authorize-payment").click()

    # Processing, then paid once localstripe's signed webhook reached the portal
    page.wait_for_url("**/alpenwerk/pay/result/pi_*/")
    if page.get_by_test_id("payment-result").get_attribute("data-state") == "processing":
        both(page, screenshot, "bank-5-processing")
    page.wait_for_selector("[data-testid=payment-result][data-state=succeeded]", timeout=20_000)
    assert "€6,210.75 was debited from your bank account." in page.content()
    both(page, screenshot, "bank-6-paid")
    payment = Payment.objects.get()
    assert (payment.method, payment.amount, payment.fee_amount, payment.currency) == (
        Payment.Method.BANK_DEBIT,
        Decimal("6210.75"),
        Decimal("0.00"),
        "EUR",
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_qt9_customer_announces_a_check_and_staff_record_it(live_server, page, screenshot, localstripe):  # noqa: F811
    ensure_wagtail_root()
    home = make_portal(name="QT9 Software", slug="qt9", primary="#0b4f8a", accent="#16a34a", card_only=False)
    account = AccountFactory(tenant=home.tenant, name="Test Inc.", city="Aurora", state="IL")
    john = LoginContactFactory(account=account, first_name="John", last_name="Doe", email="johndoe@test.com")
    invoice = billing.invoice_create(
        account=account,
        number="10020",
        lines=[{"description": "QMS Web Subscription", "unit_price": "6100.00"}],
        invoice_date=date(2022, 8, 26),
        due_date=date(2022, 9, 26),
    )
    sign_in(page, live_server, f"{live_server.url}/qt9/invoices/{invoice.pk}/", john.email)
    page.wait_for_url(f"**/qt9/invoices/{invoice.pk}/")
    page.get_by_test_id("pay-now").click()
    page.wait_for_url("**/qt9/pay/billing/")
    page.get_by_label("Address 1").fill("1 Quality Way")
    page.get_by_label("ZIP / Postal code").fill("60505")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/qt9/pay/payment/")
    page.get_by_test_id("business-check").check()
    checks = page.get_by_test_id("check-fields")
    assert checks.get_by_label("Check amount").input_value() == "6100.00"  # what is due, no card fee
    checks.get_by_label("Check number").fill("40771")
    both(page, screenshot, "check-1-payment-step")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/qt9/pay/confirm/")
    assert page.get_by_test_id("confirm-amount").inner_text() == "$6,100.00"
    page.get_by_label("These check details are correct and the check was mailed.").check()
    both(page, screenshot, "check-2-confirm")
    page.get_by_test_id("authorize-payment").click()
    page.wait_for_url("**/qt9/invoices/")
    page.goto(f"{live_server.url}/qt9/invoices/{invoice.pk}/")
    assert page.get_by_test_id("invoice-claim").inner_text() == "Check on its way"
    assert page.get_by_test_id("pay-now").count() == 0
    both(page, screenshot, "check-3-invoice-on-its-way")

    # Billing staff of QT9 record it received
    staff = UserFactory(email="billing@qt9.example.com", is_staff=True)
    staff.set_password(PASSWORD)
    staff.save()
    staff.groups.add(tenant_staff_groups_ensure(tenant=home.tenant)[StaffRole.BILLING])
    assert staff.has_perm("portal_models.change_invoice")  # billing staff may record payments
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/login/?next=/admin/payments/checks/")
    page.locator('[name="auth-username"]').fill(staff.email)
    page.locator('[name="auth-password"]').fill(PASSWORD)
    page.locator('[name="auth-password"]').press("Enter")
    page.wait_for_url("**/admin/payments/checks/")
    row = page.get_by_test_id("promised-check")
    assert "40771" in row.inner_text() and "Test Inc." in row.inner_text()
    both(page, screenshot, "check-4-admin-promised")
    row.get_by_test_id("record-received").click()
    page.get_by_text("was recorded as payment", exact=False).wait_for()
    check = PromisedCheck.objects.get()
    assert check.status == PromisedCheck.Status.RECEIVED and check.payment.reference == "40771"

    # The customer sees the invoice paid, the check number in its payments table, on the receipt and history
    page.context.clear_cookies()
    sign_in(page, live_server, f"{live_server.url}/qt9/invoices/{invoice.pk}/", john.email)
    page.wait_for_url(f"**/qt9/invoices/{invoice.pk}/")
    assert page.get_by_test_id("check-number").first.inner_text() == "40771"
    assert page.get_by_test_id("invoice-claim").count() == 0
    both(page, screenshot, "check-5-invoice-paid")
    page.goto(f"{live_server.url}/qt9/payments/")
    assert page.get_by_test_id("check-number").first.inner_text() == "40771"
    page.goto(f"{live_server.url}/qt9/payments/{check.payment.pk}/receipt/")
    assert page.get_by_test_id("receipt-check-number").inner_text() == "40771"
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
