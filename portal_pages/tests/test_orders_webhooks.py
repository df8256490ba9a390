"""An order placed through the customer screens reaches the tenant's ERP as a signed ``order.placed`` webhook, on a
real HTTP receiver on a local port."""

import json

import pytest

from portal_models.models import Order, WebhookDelivery, WebhookEvent
from portal_models.services import outgoing_webhooks as webhooks
from portal_models.tests.order_factories import CatalogueProductFactory

pytestmark = pytest.mark.django_db


def url(portal, route, *args):
    return portal.url + portal.reverse_subpage(route, args=args or None)


def test_an_order_placed_in_the_portal_is_delivered_signed(
    client, portal_a, customer_a, receiver, django_capture_on_commit_callbacks
):
    endpoint, secret = webhooks.webhook_endpoint_create(
        tenant=portal_a.tenant, url=receiver.url, events=[WebhookEvent.ORDER_PLACED]
    )
    customer_a.can_order = True
    customer_a.save()
    product = CatalogueProductFactory(tenant=portal_a.tenant, name="Widget", sku="W-9")
    client.force_login(customer_a.user)
    client.post(url(portal_a, "order_pad"), {f"qty_{product.pk}": "3"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(portal_a, "order_review"), {"po_number": "PO-HOOK"})
    assert response.status_code == 302
    order = Order.objects.get()
    [got] = receiver.received
    assert webhooks.webhook_signature_verify(secret=secret, header=got.headers["Portal-Signature"], body=got.body)
    assert not webhooks.webhook_signature_verify(
        secret="whsec_wrong", header=got.headers["Portal-Signature"], body=got.body
    )
    event = json.loads(got.body)
    assert event["type"] == "order.placed" and got.headers["Portal-Event"] == "order.placed"
    assert order.number in got.body.decode() and "PO-HOOK" in got.body.decode()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.last_status_code) == ("delivered", 200)
