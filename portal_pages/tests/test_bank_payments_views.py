"""The Payment step's bank account (SEPA Direct Debit) and business check, through the test client against a real
localstripe: the IBAN is checked before Stripe sees it (errors next to the field, nothing changed), the mandate must
be accepted, no card fee, the debit processing then paid; a check announced shows on the invoice; saved bank
accounts on Payment methods."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from portal_models.models import InvoiceStatus, Payment, PaymentClaim, PaymentMethod, PromisedCheck, Tenant, User
from portal_models.services import billing
from portal_models.tests.factories import AccountFactory, LoginContactFactory
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401
from portal_pages.tests.factories import make_portal

GOOD_IBAN = "DE89 3704 0044 0532 0130 00"
BILLING = {
    "first_name": "Jana",
    "last_name": "Novak",
    "email": "jana@example.com",
    "address_1": "Hauptstrasse 1",
    "city": "Wien",
    "state": "W",
    "postal_code": "1010",
    "country": "Austria",
}


@pytest.fixture
def eur_home(db):
    home = make_portal(name="Alpenwerk", slug="alpen", currency="EUR", card_only=False)
    home.tenant.bank_debit_enabled = True  # Settings › Portals › Payment policy
    home.tenant.save()
    return home


@pytest.fixture
def payer(eur_home):
    return LoginContactFactory(account=AccountFactory(tenant=eur_home.tenant, name="Kaffee GmbH", country="Austria"))


@pytest.fixture
def invoice(payer):
    return billing.invoice_create(
        account=payer.account,
        number="AW-100",
        lines=[{"description": "Wartung", "unit_price": "6000.00"}],
        due_date=date(2026, 12, 15),
    )


@pytest.fixture
def wizard(client, payer, invoice, localstripe):  # noqa: F811
    client.force_login(payer.user)
    client.get(f"/alpen/invoices/{invoice.pk}/pay/")
    assert client.post("/alpen/pay/billing/", BILLING).status_code == 302
    return client


def bank_post(**extra):
    data = {
        "source": "new_bank",
        "bank-account_holder": "Kaffee GmbH",
        "bank-iban": GOOD_IBAN,
        "bank-mandate": "on",
    }
    data.update(extra)
    return data


def test_the_payment_step_offers_the_bank_account_with_its_mandate(wizard):
    page = wizard.get("/alpen/pay/payment/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bank account (direct debit)" in html and "Business check" in html
    assert "you authorise (A) Alpenwerk and Stripe" in html  # the mandate text, shown before it is accepted
    assert "No card convenience fee on bank account payments or checks." in html
    assert 'data-bank-secret="seti_' in html


@pytest.mark.parametrize(
    "iban, message",
    [
        ("DE89 3704 0044 0532 0130 01", "not valid"),  # one digit off: the check digits catch it
        ("DE89", "not valid"),
        ("TR33 0006 1005 1978 6457 8413 26", "SEPA zone"),  # a valid IBAN outside SEPA
    ],
)
def test_a_bad_iban_is_refused_next_to_the_field_before_stripe(wizard, iban, message):
    answer = wizard.post("/alpen/pay/payment/", bank_post(**{"bank-iban": iban, "validate_only": "1"}))
    assert answer.status_code == 400
    assert message in " ".join(answer.json()["errors"]["bank-iban"])
    page = wizard.post("/alpen/pay/payment/", bank_post(**{"bank-iban": iban}))
    assert page.status_code == 400 and message in page.content.decode()
    assert b'data-testid="field-error"' in page.content
    assert not PaymentMethod.objects.exists() and not PaymentClaim.objects.exists()


def test_the_mandate_must_be_accepted(wizard):
    data = bank_post(validate_only="1")
    del data["bank-mandate"]
    answer = wizard.post("/alpen/pay/payment/", data)
    assert answer.status_code == 400 and "bank-mandate" in answer.json()["errors"]
    assert wizard.post("/alpen/pay/payment/", bank_post(validate_only="1")).json() == {"ok": True, "errors": {}}


def test_a_confirmed_bank_account_is_debited_without_fee(wizard, localstripe, payer, invoice):  # noqa: F811
    page = wizard.get("/alpen/pay/payment/")
    secret = page.context["bank_secret"]
    pm = localstripe.confirm_sepa_setup(secret, GOOD_IBAN.replace(" ", ""), name="Kaffee GmbH")
    wrong = wizard.post(
        "/alpen/pay/payment/", bank_post(**{"bank-payment_method": pm, "bank-iban": "AT611904300234573201"})
    )
    assert wrong.status_code == 400  # not the account Stripe confirmed
    answer = wizard.post("/alpen/pay/payment/", bank_post(**{"bank-payment_method": pm}))
    assert answer.status_code == 302 and answer["Location"].endswith("/alpen/pay/confirm/")
    confirm = wizard.get("/alpen/pay/confirm/")
    html = confirm.content.decode()
    assert "Bank account (direct debit)" in html and "•••• 3000" in html
    assert "no card convenience fee" in html.lower() and 'data-testid="confirm-fee"' not in html
    assert "6.000,00" in html or "6,000.00" in html  # the amount due, no fee
    nonce = confirm.context["form"].initial["nonce"]
    done = wizard.post("/alpen/pay/confirm/", {"authorize": "on", "save_card": "on", "nonce": nonce})
    assert done.status_code == 302 and "/alpen/pay/result/pi_" in done["Location"]
    result = wizard.get(done["Location"])
    assert result.context["outcome"].state == "processing" and b"Your bank payment is processing" in result.content
    claim = PaymentClaim.objects.get(invoice=invoice)
    assert localstripe.intent(claim.payment_intent_id)["amount"] == 600000
    invoice_page = wizard.get(f"/alpen/invoices/{invoice.pk}/")
    assert b'data-testid="invoice-claim"' in invoice_page.content and b"Payment processing" in invoice_page.content
    listing = wizard.get("/alpen/invoices/").content.decode()  # the list says it too (bank debit in flight)
    assert 'data-testid="invoice-claim"' in listing and "Processing" in listing
    event = localstripe.wait_event("payment_intent.succeeded", claim.payment_intent_id)
    assert localstripe.deliver(wizard, event).status_code == 200
    payment = Payment.objects.get(stripe_payment_intent_id=claim.payment_intent_id)
    assert (payment.method, payment.fee_amount) == (Payment.Method.BANK_DEBIT, Decimal("0.00"))
    assert PaymentMethod.objects.get(account=payer.account).type == "sepa_debit"  # saved for next time
    result = wizard.get(done["Location"])
    assert result.context["outcome"].state == "succeeded" and b"debited from your bank account" in result.content


def test_a_business_check_is_announced_and_shown_on_the_invoice(wizard, invoice):
    today = timezone.localdate().isoformat()
    bad = wizard.post(
        "/alpen/pay/payment/",
        {"source": "check", "check-check_number": "1207", "check-amount": "10.00", "check-mailed_on": today},
    )
    assert bad.status_code == 400 and b"The check must be for" in bad.content
    ok = wizard.post(
        "/alpen/pay/payment/",
        {"source": "check", "check-check_number": "1207", "check-amount": "6000.00", "check-mailed_on": today},
    )
    assert ok.status_code == 302 and ok["Location"].endswith("/alpen/pay/confirm/")
    confirm = wizard.get("/alpen/pay/confirm/")
    assert b"Business check" in confirm.content and b"No. 1207" in confirm.content
    assert b"save_card" not in confirm.content
    nonce = confirm.context["form"].initial["nonce"]
    done = wizard.post("/alpen/pay/confirm/", {"authorize": "on", "nonce": nonce})
    assert done.status_code == 302 and done["Location"].endswith("/alpen/invoices/")
    check = PromisedCheck.objects.get()
    assert (check.check_number, check.amount, check.status) == ("1207", Decimal("6000.00"), "promised")
    page = wizard.get(f"/alpen/invoices/{invoice.pk}/")
    assert b"Check on its way" in page.content and b'data-testid="pay-now"' not in page.content
    listing = wizard.get("/alpen/invoices/").content.decode()
    assert 'data-testid="invoice-claim"' in listing and "Check on its way" in listing
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_a_bank_account_is_saved_in_payment_methods(client, payer, localstripe):  # noqa: F811
    client.force_login(payer.user)
    page = client.get("/alpen/payments/methods/")
    assert page.status_code == 200 and b"Add a bank account (direct debit)" in page.content
    bad = client.post("/alpen/payments/methods/", {"action": "add_bank", **bank_post(**{"bank-iban": "DE00 1234"})})
    assert bad.status_code == 400 and not PaymentMethod.objects.exists()
    pm = localstripe.confirm_sepa_setup(page.context["bank_secret"], GOOD_IBAN.replace(" ", ""))
    saved = client.post("/alpen/payments/methods/", {"action": "add_bank", **bank_post(**{"bank-payment_method": pm})})
    assert saved.status_code == 302
    method = PaymentMethod.objects.get()
    assert (method.type, method.last4, method.is_default) == ("sepa_debit", "3000", True)
    listing = client.get("/alpen/payments/methods/")
    assert b'data-testid="saved-bank"' in listing.content and b"DE" in listing.content


def test_a_usd_tenant_offers_no_bank_debit(signed_in_client, customer_a):
    invoice = billing.invoice_create(
        account=customer_a.account,
        number="U1",
        lines=[{"description": "x", "unit_price": "10.00"}],
        due_date=date(2026, 12, 1),
    )
    signed_in_client.get(f"/acme/invoices/{invoice.pk}/pay/")
    signed_in_client.post("/acme/pay/billing/", BILLING)
    page = signed_in_client.get("/acme/pay/payment/")
    assert b"Bank account (direct debit)" not in page.content and b"Business check" not in page.content
    answer = signed_in_client.post("/acme/pay/payment/", bank_post(validate_only="1"))
    assert answer.status_code == 400 and not PaymentClaim.objects.exists()


def test_the_demo_eur_tenant_pays_by_bank_account(db, client, localstripe):  # noqa: F811
    from portal_pages.demo import bank

    bank.load()
    bank.load()  # idempotent
    tenant = Tenant.objects.get(slug="alpenwerk")
    assert (tenant.currency, tenant.bank_debit_enabled, tenant.card_only) == ("EUR", True, False)
    assert tenant.invoices.count() == 2
    client.force_login(User.objects.get(email="anna.huber@example.com"))
    invoices = client.get("/alpenwerk/invoices/")
    assert invoices.status_code == 200 and "€" in invoices.content.decode()
    client.get("/alpenwerk/pay/")
    assert client.post("/alpenwerk/pay/billing/", BILLING).status_code == 302
    assert b"Bank account (direct debit)" in client.get("/alpenwerk/pay/payment/").content


def test_a_bank_account_already_saved_is_not_offered_for_saving_again(wizard, localstripe, payer, invoice):  # noqa: F811
    """The same IBAN confirmed again (a new PaymentMethod at Stripe): the confirm step says it is saved already
    and offers no "Save this bank account"; a posted save_card saves no second copy."""
    from portal_models.services import payments as svc

    first = svc.setup_intent_start(account=payer.account, contact=None, nonce="first", method="sepa_debit")
    svc.payment_method_add(
        account=payer.account,
        payment_method_id=localstripe.confirm_sepa_setup(first, GOOD_IBAN.replace(" ", "")),
        method="sepa_debit",
        mandate_accepted=True,
    )
    again = svc.setup_intent_start(account=payer.account, contact=None, nonce="again", method="sepa_debit")
    pm = localstripe.confirm_sepa_setup(again, GOOD_IBAN.replace(" ", ""), name="Kaffee GmbH")
    response = wizard.post("/alpen/pay/payment/", bank_post(**{"bank-payment_method": pm}))
    assert response.status_code == 302, response.content.decode()[:2000]
    confirm = wizard.get("/alpen/pay/confirm/")
    html = confirm.content.decode()
    assert "Save this bank account" not in html and 'data-testid="already-saved"' in html and "3000" in html
    nonce = confirm.context["form"].initial["nonce"]
    done = wizard.post("/alpen/pay/confirm/", {"nonce": nonce, "authorize": "on", "save_card": "on"})
    assert done.status_code == 302 and "/alpen/pay/result/pi_" in done["Location"]
    assert PaymentMethod.objects.filter(account=payer.account).count() == 1
