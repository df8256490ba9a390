"""A refund made by staff in the admin (through Stripe, here a real localstripe server) reaches the tenant's ERP as a
signed ``payment.refunded`` webhook, on a real HTTP receiver on a local port."""

import json
from decimal import Decimal

import pytest

from portal_models.models import Payment, WebhookDelivery, WebhookEvent
from portal_models.services import outgoing_webhooks as webhooks
from portal_models.tests.factories import UserFactory

from .test_payments import SEED_LINES, make_invoice, start_payment

pytestmark = pytest.mark.django_db


def test_a_refund_is_delivered_signed_as_payment_refunded(
    client, localstripe, customer_a, receiver, django_capture_on_commit_callbacks
):
    tenant = customer_a.account.tenant
    endpoint, secret = webhooks.webhook_endpoint_create(
        tenant=tenant, url=receiver.url, events=[WebhookEvent.PAYMENT_REFUNDED]
    )
    invoice = make_invoice(customer_a.account, "10020", lines=SEED_LINES)
    start = start_payment(localstripe, invoice)
    with django_capture_on_commit_callbacks(execute=True):
        localstripe.deliver(client, localstripe.event("payment_intent.succeeded", start.intent.id))
    payment = Payment.objects.get()
    assert receiver.received == []  # the endpoint wants refunds only

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/payments/{payment.pk}/refund/", {"amount": "283.00"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (Payment.Status.PARTIALLY_REFUNDED, Decimal("283.00"))

    [got] = receiver.received
    assert webhooks.webhook_signature_verify(secret=secret, header=got.headers["Portal-Signature"], body=got.body)
    assert not webhooks.webhook_signature_verify(
        secret="whsec_wrong", header=got.headers["Portal-Signature"], body=got.body
    )
    event = json.loads(got.body)
    assert event["type"] == "payment.refunded" and got.headers["Portal-Event"] == "payment.refunded"
    data = event["data"]["payment"]
    assert data["id"] == payment.pk and data["status"] == Payment.Status.PARTIALLY_REFUNDED
    assert Decimal(str(data["refunded_amount"])) == Decimal("283.00")
    assert [line["number"] for line in data["invoices"]] == ["10020"]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.event, delivery.status, delivery.last_status_code) == ("payment.refunded", "delivered", 200)
