"""What the browser sends cannot change what is charged or what is marked paid.

The pay wizard is driven through its real routes against a real localstripe; amounts, fees and invoice ids
added to the requests are ignored or refused, and the PaymentIntent carries the server-computed amount.
"""

import time
from datetime import date
from decimal import Decimal

import pytest

from portal_models.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from portal_models.services import billing
from portal_models.tests.factories import AccountFactory, LoginContactFactory

pytestmark = pytest.mark.django_db

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
TAMPER = {
    "amount": "1.00",
    "total": "1.00",
    "fee": "0",
    "subtotal": "-6100.00",
    "currency": "JPY",
    "invoice": "{other}",
    "invoices": "{other}",
    "invoice_ids": "{other}",
    "account": "{other_account}",
}


def invoice_for(account, number, amount):
    return billing.invoice_create(
        account=account,
        number=number,
        lines=[{"description": "Service", "unit_price": amount}],
        invoice_date=date(2022, 8, 26),
        due_date=date(2022, 9, 26),
    )


@pytest.fixture
def mine(customer_a):
    return invoice_for(customer_a.account, "10020", "6100.00")  # + 3% card fee = $6,283.00


@pytest.fixture
def neighbours(portal_a):
    account = LoginContactFactory(account=AccountFactory(tenant=portal_a.tenant)).account
    return invoice_for(account, "N-1", "10.00")


@pytest.fixture
def foreign(portal_b):
    account = LoginContactFactory(account=AccountFactory(tenant=portal_b.tenant)).account
    return invoice_for(account, "F-1", "10.00")


def tamper(other: Invoice) -> dict:
    return {k: v.format(other=other.pk, other_account=other.account_id) for k, v in TAMPER.items()}


def pay_through_the_wizard(client, localstripe, start_url, other, card="4242424242424242"):
    """Every step of the wizard with tampered fields added; returns the PaymentIntent id."""
    assert client.get(start_url).status_code == 302
    assert client.post("/acme/pay/billing/", {**BILLING, **tamper(other)}).status_code == 302
    page = client.get("/acme/pay/payment/")
    pm = localstripe.confirm_setup(page.context["client_secret"], card)
    assert client.post("/acme/pay/payment/", {"payment_method": pm, **tamper(other)}).status_code == 302
    nonce = client.get("/acme/pay/confirm/").context["form"].initial["nonce"]
    response = client.post("/acme/pay/confirm/", {"authorize": "on", "nonce": nonce, **tamper(other)})
    assert response.status_code == 302 and "/pay/result/pi_" in response["Location"], response
    return response["Location"].rstrip("/").rsplit("/", 1)[1]


def charged(localstripe, intent: str) -> dict:
    return localstripe.event("payment_intent.succeeded", intent)["data"]["object"]


@pytest.mark.parametrize("other_fixture", ["neighbours", "foreign"])
def test_tampered_fields_change_neither_the_charge_nor_the_invoices(
    signed_in_client, localstripe, mine, other_fixture, request
):
    other = request.getfixturevalue(other_fixture)
    intent = pay_through_the_wizard(signed_in_client, localstripe, f"/acme/invoices/{mine.pk}/pay/", other)
    obj = charged(localstripe, intent)
    assert (obj["amount"], obj["currency"]) == (628300, "usd")
    assert obj["metadata"]["invoices"] == f"{mine.pk}:6100.00"
    assert obj["metadata"]["portal_account_id"] == str(mine.account_id)
    localstripe.deliver(signed_in_client, localstripe.event("payment_intent.succeeded", intent))
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.status == InvoiceStatus.PAID
    assert (other.status, other.amount_due) == (InvoiceStatus.OPEN, Decimal("10.00"))
    assert Payment.objects.get().amount == Decimal("6283.00")


def test_paying_the_balance_charges_the_server_total(signed_in_client, localstripe, mine, customer_a, neighbours):
    second = invoice_for(customer_a.account, "10021", "100.00")
    intent = pay_through_the_wizard(signed_in_client, localstripe, "/acme/pay/", neighbours)
    # 6,200.00 due, 3% fee over the $5,000 threshold = 186.00
    assert charged(localstripe, intent)["amount"] == 638600
    localstripe.deliver(signed_in_client, localstripe.event("payment_intent.succeeded", intent))
    assert {i.status for i in Invoice.objects.filter(pk__in=[mine.pk, second.pk])} == {InvoiceStatus.PAID}


@pytest.mark.parametrize("value", ["{neighbour}", "{foreign}", "-1", "0", "abc", "{mine}&invoice={neighbour}", "1e3"])
def test_choosing_invoices_that_are_not_ours_or_not_ids_starts_nothing(
    signed_in_client, mine, neighbours, foreign, value
):
    query = value.format(mine=mine.pk, neighbour=neighbours.pk, foreign=foreign.pk)
    response = signed_in_client.get(f"/acme/pay/?invoice={query}")
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"].endswith("/acme/invoices/")  # back, with a message; no wizard
    assert signed_in_client.get("/acme/pay/billing/")["Location"].endswith("/acme/invoices/")


def test_another_invoice_cannot_be_slipped_into_a_running_wizard(signed_in_client, mine, neighbours):
    signed_in_client.get(f"/acme/invoices/{mine.pk}/pay/")
    assert signed_in_client.get(f"/acme/pay/?invoice={neighbours.pk}").status_code == 404
    assert signed_in_client.get(f"/acme/invoices/{neighbours.pk}/pay/").status_code == 404
    page = signed_in_client.get("/acme/pay/billing/")
    assert [inv.pk for inv in page.context["quote"].invoices] == [mine.pk]
    assert page.context["quote"].total == Decimal("6283.00")


def test_paid_or_void_invoices_cannot_be_paid(signed_in_client, customer_a, mine):
    void = invoice_for(customer_a.account, "V-1", "20.00")
    billing.invoice_void(invoice=void, reason="Issued in error")
    assert signed_in_client.get(f"/acme/pay/?invoice={void.pk}").status_code == 404
    response = signed_in_client.get(f"/acme/invoices/{void.pk}/pay/")
    assert response.status_code == 302 and response["Location"].endswith("/acme/invoices/")


def test_an_invoice_paid_meanwhile_is_not_charged_again(signed_in_client, localstripe, mine):
    signed_in_client.get(f"/acme/invoices/{mine.pk}/pay/")
    signed_in_client.post("/acme/pay/billing/", BILLING)
    page = signed_in_client.get("/acme/pay/payment/")
    pm = localstripe.confirm_setup(page.context["client_secret"], "4242424242424242")
    signed_in_client.post("/acme/pay/payment/", {"payment_method": pm})
    nonce = signed_in_client.get("/acme/pay/confirm/").context["form"].initial["nonce"]
    billing.payment_record(account=mine.account, method=Payment.Method.CHECK, amount=Decimal("6100.00"))
    started = int(time.time())
    response = signed_in_client.post("/acme/pay/confirm/", {"authorize": "on", "nonce": nonce})
    assert response.status_code == 302 and "/pay/result/" not in response["Location"]
    charges = [
        e
        for kind in ("payment_intent.succeeded", "payment_intent.payment_failed")
        for e in localstripe.events_all(kind)
        if e["created"] >= started and e["data"]["object"]["metadata"].get("invoices", "").startswith(f"{mine.pk}:")
    ]
    assert not charges  # no charge was even started


def test_the_amount_is_recomputed_at_confirmation(signed_in_client, localstripe, mine):
    """Staff adjust the invoice while the customer is in the wizard: the charge is what is due now."""
    signed_in_client.get(f"/acme/invoices/{mine.pk}/pay/")
    signed_in_client.post("/acme/pay/billing/", BILLING)
    page = signed_in_client.get("/acme/pay/payment/")
    pm = localstripe.confirm_setup(page.context["client_secret"], "4242424242424242")
    signed_in_client.post("/acme/pay/payment/", {"payment_method": pm})
    nonce = signed_in_client.get("/acme/pay/confirm/").context["form"].initial["nonce"]
    billing.credit_memo_apply(
        invoice=mine, number="CM-1", amount=Decimal("2000.00"), reason="Goodwill"
    )  # now 4,100.00 due, no fee
    response = signed_in_client.post("/acme/pay/confirm/", {"authorize": "on", "nonce": nonce, "amount": "6283.00"})
    intent = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert charged(localstripe, intent)["amount"] == 410000


def test_another_accounts_card_cannot_be_used(signed_in_client, localstripe, mine, neighbours):
    from portal_models.services import payments as svc

    secret = svc.setup_intent_start(account=neighbours.account, contact=None, nonce="n")
    their_card = localstripe.confirm_setup(secret, "4242424242424242")
    svc.payment_method_add(account=neighbours.account, payment_method_id=their_card)  # their saved card
    signed_in_client.get(f"/acme/invoices/{mine.pk}/pay/")
    signed_in_client.post("/acme/pay/billing/", BILLING)
    signed_in_client.get("/acme/pay/payment/")
    response = signed_in_client.post("/acme/pay/payment/", {"payment_method": their_card})
    assert response.status_code == 400 and "Enter your card details again." in response.content.decode()
    response = signed_in_client.post("/acme/payments/methods/", {"action": "add", "payment_method": their_card})
    assert response.status_code == 400
    assert not PaymentMethod.objects.filter(account=mine.account).exists()


def test_the_wizard_forms_have_no_amount_fields():
    from portal_pages.payments.forms import BillingForm, CardChoiceForm, ConfirmForm

    for form in (BillingForm, CardChoiceForm, ConfirmForm):
        names = set(form.base_fields)
        assert not names & {"amount", "total", "fee", "invoice", "invoices", "account", "currency"}, form
