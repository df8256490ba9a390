"""The pay wizard's routes: access, validation, amounts from the server only, errors shown, never a 500."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from portal_models.models import Invoice, Payment
from portal_models.services import billing
from portal_models.tests.factories import AccountFactory, LoginContactFactory
from portal_models.tests.localstripe import free_port, localstripe, localstripe_url  # noqa: F401

SEED_LINES = [{"description": "QMS Web Subscription", "unit_price": "6100.00"}]


@pytest.fixture
def invoice(customer_a):
    return billing.invoice_create(
        account=customer_a.account, number="10020", lines=SEED_LINES, due_date=date(2022, 9, 26)
    )


BILLING = {
    "first_name": "John",
    "last_name": "Doe",
    "email": "john@example.com",
    "address_1": "1 Main",
    "city": "Aurora",
    "state": "IL",
    "postal_code": "60505",
    "country": "USA",
}


def test_pay_now_starts_the_wizard_with_prefilled_billing(signed_in_client, invoice, customer_a):
    response = signed_in_client.get(f"/acme/invoices/{invoice.pk}/pay/")
    assert response.status_code == 302 and response["Location"].endswith("/acme/pay/billing/")
    page = signed_in_client.get("/acme/pay/billing/")
    assert page.status_code == 200
    assert page.context["form"].initial["first_name"] == customer_a.first_name
    assert b"$6,283.00" in page.content and b"$183.00" in page.content


def test_another_accounts_invoice_is_404(signed_in_client, portal_a):
    other = billing.invoice_create(
        account=AccountFactory(tenant=portal_a.tenant), number="X1", lines=SEED_LINES, due_date=date(2022, 9, 26)
    )
    assert signed_in_client.get(f"/acme/invoices/{other.pk}/pay/").status_code == 404
    assert signed_in_client.get(f"/acme/pay/?invoice={other.pk}").status_code == 404


def test_contact_who_may_not_pay_is_told_which_right_is_missing(client, portal_a, invoice):
    contact = LoginContactFactory(account=invoice.account, can_pay=False)
    client.force_login(contact.user)
    for url in (f"/acme/invoices/{invoice.pk}/pay/", "/acme/pay/"):
        response = client.get(url)
        assert response.status_code == 403 and b"Can pay" in response.content


def test_billing_errors_are_shown_next_to_the_field(signed_in_client, invoice):
    signed_in_client.get(f"/acme/invoices/{invoice.pk}/pay/")
    response = signed_in_client.post("/acme/pay/billing/", {**BILLING, "email": "nope"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_steps_cannot_be_skipped(signed_in_client, invoice):
    assert signed_in_client.get("/acme/pay/confirm/")["Location"].endswith("/acme/invoices/")
    signed_in_client.get(f"/acme/invoices/{invoice.pk}/pay/")
    assert signed_in_client.get("/acme/pay/confirm/")["Location"].endswith("/acme/pay/payment/")


def test_browser_cannot_change_the_amount(signed_in_client, invoice, localstripe):  # noqa: F811
    signed_in_client.get(f"/acme/invoices/{invoice.pk}/pay/")
    signed_in_client.post("/acme/pay/billing/", BILLING)
    page = signed_in_client.get("/acme/pay/payment/")
    pm = localstripe.confirm_setup(page.context["client_secret"], "4242424242424242")
    assert signed_in_client.post("/acme/pay/payment/", {"payment_method": pm})["Location"].endswith("/pay/confirm/")
    confirm = signed_in_client.get("/acme/pay/confirm/")
    nonce = confirm.context["form"].initial["nonce"]
    response = signed_in_client.post(
        "/acme/pay/confirm/", {"authorize": "on", "nonce": nonce, "amount": "1.00", "fee": "0"}
    )
    assert response.status_code == 302 and "/acme/pay/result/pi_" in response["Location"]
    intent = response["Location"].rstrip("/").rsplit("/", 1)[1]
    event = localstripe.event("payment_intent.succeeded", intent)
    assert event["data"]["object"]["amount"] == 628300
    # a second click on "Authorize payment" does not charge twice
    again = signed_in_client.post("/acme/pay/confirm/", {"authorize": "on", "nonce": nonce})
    assert again["Location"] == response["Location"]
    assert len(localstripe.events("payment_intent.succeeded", intent)) == 1
    status = signed_in_client.get(f"/acme/pay/status/{intent}/").json()
    assert status["state"] == "processing"  # not recorded until the webhook arrives
    localstripe.deliver(signed_in_client, event)
    assert signed_in_client.get(f"/acme/pay/status/{intent}/").json()["state"] == "succeeded"
    result = signed_in_client.get(f"/acme/pay/result/{intent}/")
    assert b"$6,283.00 was charged to your card." in result.content
    payment = Payment.objects.get()
    assert signed_in_client.get(f"/acme/payments/{payment.pk}/receipt/").status_code == 200


def test_declined_card_at_payment_step_shows_message(signed_in_client, invoice, localstripe):  # noqa: F811
    signed_in_client.get(f"/acme/invoices/{invoice.pk}/pay/")
    signed_in_client.post("/acme/pay/billing/", BILLING)
    signed_in_client.get("/acme/pay/payment/")
    pm = localstripe.create_card("4000000000000002")
    response = signed_in_client.post("/acme/pay/payment/", {"payment_method": pm})
    assert response.status_code == 400
    assert "Your card was declined" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("6100.00") and not Payment.objects.exists()


def test_someone_elses_card_is_refused(signed_in_client, invoice, localstripe):  # noqa: F811
    signed_in_client.get(f"/acme/invoices/{invoice.pk}/pay/")
    signed_in_client.post("/acme/pay/billing/", BILLING)
    signed_in_client.get("/acme/pay/payment/")
    response = signed_in_client.post("/acme/pay/payment/", {"payment_method": "pm_doesnotexist"})
    assert response.status_code == 400 and "Enter your card details again." in response.content.decode()


def test_stripe_unreachable_says_so_and_records_nothing(signed_in_client, invoice, settings):
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    signed_in_client.get(f"/acme/invoices/{invoice.pk}/pay/")
    signed_in_client.post("/acme/pay/billing/", BILLING)
    response = signed_in_client.get("/acme/pay/payment/")
    assert response.status_code == 400
    assert "payment service is unavailable" in response.content.decode()
    assert not Payment.objects.exists()
    assert Invoice.objects.get().amount_due == Decimal("6100.00")


def test_status_of_another_accounts_payment_is_not_shown(signed_in_client, invoice, localstripe):  # noqa: F811
    assert signed_in_client.get("/acme/pay/status/pi_unknown/").status_code == 404
    assert signed_in_client.get("/acme/pay/result/pi_unknown/").status_code == 404


def test_payment_methods_and_autopay(signed_in_client, customer_a, localstripe):  # noqa: F811
    page = signed_in_client.get("/acme/payments/methods/")
    assert page.status_code == 200
    refused = signed_in_client.post(
        "/acme/payments/methods/", {"action": "autopay", "enabled": "on", "authorize": "on"}
    )
    assert refused.status_code == 400 and "Add a card" in refused.content.decode()
    pm = localstripe.confirm_setup(page.context["client_secret"], "4242424242424242")
    assert signed_in_client.post("/acme/payments/methods/", {"action": "add", "payment_method": pm}).status_code == 302
    missing = signed_in_client.post("/acme/payments/methods/", {"action": "autopay", "enabled": "on"})
    assert missing.status_code == 400 and "authorize automatic payments" in missing.content.decode()
    ok = signed_in_client.post("/acme/payments/methods/", {"action": "autopay", "enabled": "on", "authorize": "on"})
    assert ok.status_code == 302
    customer_a.account.refresh_from_db()
    assert customer_a.account.autopay
    method = customer_a.account.payment_methods.get()
    other = LoginContactFactory(account=AccountFactory(tenant=customer_a.account.tenant))
    assert (
        signed_in_client.post("/acme/payments/methods/", {"action": "remove", "method": method.pk + 999}).status_code
        == 404
    )
    # the rule: a colleague who may pay (not an owner, not the one who saved it) neither removes it nor sees how
    colleague = LoginContactFactory(account=customer_a.account, can_pay=True)
    client = Client()
    client.force_login(colleague.user)
    methods = client.get("/acme/payments/methods/").content.decode()
    assert 'data-testid="methods-rule"' in methods and 'data-testid="remove-method"' not in methods
    refused = client.post("/acme/payments/methods/", {"action": "remove", "method": method.pk})
    assert refused.status_code == 400 and "Only your company" in refused.content.decode()
    assert customer_a.account.payment_methods.filter(pk=method.pk).exists()
    signed_in_client.post("/acme/payments/methods/", {"action": "remove", "method": method.pk})
    customer_a.account.refresh_from_db()
    assert not customer_a.account.payment_methods.exists() and not customer_a.account.autopay
    assert other.account.payment_methods.count() == 0


def test_payment_history_links_to_payment_methods(signed_in_client, invoice, customer_a):
    page = signed_in_client.get("/acme/payments/")
    assert page.status_code == 200 and "/acme/payments/methods/" in page.content.decode()
    assert signed_in_client.get("/acme/pay/")["Location"].endswith("/acme/pay/billing/")


def test_receipt_of_another_account_is_404(signed_in_client, portal_a):
    other = AccountFactory(tenant=portal_a.tenant)
    billing.invoice_create(account=other, number="Z1", lines=SEED_LINES, due_date=date(2022, 9, 26))
    payment = billing.payment_record(account=other, method="check", amount=Decimal("10"))
    assert signed_in_client.get(f"/acme/payments/{payment.pk}/receipt/").status_code == 404


def _to_confirm(client, invoice, localstripe):  # noqa: F811
    client.get(f"/acme/invoices/{invoice.pk}/pay/")
    client.post("/acme/pay/billing/", BILLING)
    page = client.get("/acme/pay/payment/")
    pm = localstripe.confirm_setup(page.context["client_secret"], "4242424242424242")
    client.post("/acme/pay/payment/", {"payment_method": pm})
    return client.get("/acme/pay/confirm/").context["form"].initial["nonce"]


def test_outage_at_confirm_says_so_and_a_retry_gets_a_new_key(signed_in_client, invoice, localstripe, settings):  # noqa: F811
    nonce = _to_confirm(signed_in_client, invoice, localstripe)
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    response = signed_in_client.post("/acme/pay/confirm/", {"authorize": "on", "nonce": nonce})
    assert response.status_code == 400
    assert "payment service is unavailable" in response.content.decode()
    assert response.context["form"].initial["nonce"] != nonce
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("6100.00")


def test_invoice_paid_meanwhile_changes_nothing(signed_in_client, invoice, localstripe, customer_a):  # noqa: F811
    nonce = _to_confirm(signed_in_client, invoice, localstripe)
    billing.payment_record(account=customer_a.account, method="check", amount=Decimal("6100.00"))
    response = signed_in_client.post("/acme/pay/confirm/", {"authorize": "on", "nonce": nonce})
    assert response.status_code == 302
    assert Payment.objects.count() == 1  # only the check


def test_payers_use_the_default_and_their_own_methods_only(customer_a, invoice, localstripe):  # noqa: F811
    """Issue 25's rule in the wizard, server side: a payer is shown the company's default and the cards they saved,
    never a colleague's own card, and a posted id of one is refused (nothing is charged)."""
    saver = LoginContactFactory(account=customer_a.account, can_pay=True)
    payer = LoginContactFactory(account=customer_a.account, can_pay=True)
    clients = {}
    for contact in (customer_a, saver):
        clients[contact.pk] = client = Client()
        client.force_login(contact.user)
        page = client.get("/acme/payments/methods/")
        number = "4242424242424242" if contact is customer_a else "5555555555554444"
        pm = localstripe.confirm_setup(page.context["client_secret"], number)
        assert client.post("/acme/payments/methods/", {"action": "add", "payment_method": pm}).status_code == 302
    default = customer_a.account.payment_methods.get(is_default=True)
    own = customer_a.account.payment_methods.get(is_default=False)
    assert own.created_by == saver.user
    client = Client()
    client.force_login(payer.user)
    client.get(f"/acme/invoices/{invoice.pk}/pay/")
    client.post("/acme/pay/billing/", BILLING)
    step = client.get("/acme/pay/payment/")
    assert [m.pk for m in step.context["saved_cards"]] == [default.pk]
    assert own.stripe_payment_method_id not in step.content.decode()
    refused = client.post("/acme/pay/payment/", {"payment_method": own.stripe_payment_method_id})
    assert refused.status_code == 400 and "default method, or with a card" in refused.content.decode()
    assert client.get("/acme/pay/confirm/").status_code == 302  # back to the payment step: nothing chosen
    methods = client.get("/acme/payments/methods/").content.decode()
    assert "4242" in methods and "4444" not in methods
    saver_methods = clients[saver.pk].get("/acme/payments/methods/").content.decode()  # the default and their own
    assert "4242" in saver_methods and "4444" in saver_methods
    ok = client.post("/acme/pay/payment/", {"payment_method": default.stripe_payment_method_id})
    assert ok.status_code == 302 and ok["Location"].endswith("/acme/pay/confirm/")
