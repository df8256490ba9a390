from decimal import Decimal

import pytest

from portal_models.models import Payment
from portal_models.tests.factories import UserFactory

from .test_payments import SEED_LINES, make_invoice, start_payment  # noqa: F401


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def paid(client, localstripe, customer_a):
    invoice = make_invoice(customer_a.account, "10020", lines=SEED_LINES)
    start = start_payment(localstripe, invoice)
    localstripe.deliver(client, localstripe.event("payment_intent.succeeded", start.intent.id))
    return Payment.objects.get()


def test_inspect_shows_stripe_ids_fee_allocations_and_events(paid, staff_client):
    page = staff_client.get(f"/admin/portal_models/payment/inspect/{paid.pk}/").content.decode()
    assert paid.stripe_payment_intent_id in page and paid.stripe_charge_id in page
    assert "$6,283.00" in page and "183.00" in page and "payment_intent.succeeded" in page
    assert staff_client.get("/admin/portal_models/payment/").status_code == 200


def test_staff_refunds_part_then_too_much_is_refused(paid, staff_client):
    url = f"/admin/payments/{paid.pk}/refund/"
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"amount": "283.00"}).status_code == 302
    paid.refresh_from_db()
    assert (paid.status, paid.refunded_amount) == (Payment.Status.PARTIALLY_REFUNDED, Decimal("283.00"))
    response = staff_client.post(url, {"amount": "9000.00"})
    assert response.status_code == 400 and "Enter an amount between" in response.content.decode()
    paid.refresh_from_db()
    assert paid.refunded_amount == Decimal("283.00")


def test_customers_cannot_refund(paid, client, customer_a):
    client.force_login(customer_a.user)
    response = client.post(f"/admin/payments/{paid.pk}/refund/", {"amount": "10"})
    assert response.status_code in (302, 403)
    paid.refresh_from_db()
    assert paid.refunded_amount == 0
