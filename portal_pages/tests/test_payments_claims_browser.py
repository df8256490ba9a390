"""Two contacts of one account pay the same invoice at the same moment, in two headless Chromium browsers, against
a running portal and localstripe: one charge, one payment; the other payer sees the payment in progress."""

from decimal import Decimal

import pytest

from portal_models.gateways import stripe as gateway
from portal_models.models import Account, InvoiceStatus, Payment
from portal_models.tests.factories import LoginContactFactory
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401

from .test_payments_browser import seed, to_card_step, webhook_to_live_server  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_two_browsers_paying_one_invoice_charge_once(live_server, webhook_to_live_server, seed, browser):  # noqa: F811
    home, john, invoice = seed
    jane = LoginContactFactory(account=john.account, first_name="Jane", last_name="Roe", email="jane@test.com")
    pages = []
    for contact in (john, jane):
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.set_default_timeout(20_000)
        to_card_step(page, live_server, contact, invoice, "4242424242424242")
        page.wait_for_url("**/qt9/pay/confirm/")
        page.get_by_label("Payment details are correct and I authorize this payment.").check()
        pages.append(page)
    for page in pages:  # both click "Authorize payment" before either answer comes back
        page.get_by_test_id("authorize-payment").click(no_wait_after=True)
    for page in pages:  # each lands on its result, or back on the confirm step with the refusal
        page.locator("[data-testid=payment-result]").or_(
            page.get_by_text("A payment for this invoice is already in progress", exact=False)
        ).first.wait_for()
    paid = [p for p in pages if "/pay/result/" in p.url]
    refused = [p for p in pages if "/pay/result/" not in p.url]
    assert len(paid) == 1 and len(refused) == 1, [p.url for p in pages]
    paid[0].wait_for_selector("[data-testid=payment-result][data-state=succeeded]", timeout=20_000)
    text = refused[0].locator("main").inner_text()
    winner = john if paid[0] is pages[0] else jane
    assert f"{winner.first_name} {winner.last_name}" in text
    customer = Account.objects.get(pk=john.account_id).stripe_customer_id
    charges = [i for i in gateway.payment_intents_list(since=0, until=2**31) if i.customer == customer]
    assert len(charges) == 1 and charges[0].status == "succeeded"
    payment = Payment.objects.get()
    assert payment.stripe_payment_intent_id == charges[0].id and payment.amount == Decimal("6283.00")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_paid == Decimal("6283.00")
    for page in pages:
        page.context.close()
