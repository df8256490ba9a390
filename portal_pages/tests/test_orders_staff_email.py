"""A customer's order or request for quote sends one branded email to the tenant's staff who handle orders (its
billing staff), with a link to the record in the admin that works for them; no other tenant's staff get it."""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from portal_models.models import Order, Quote, StaffRole
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import UserFactory
from portal_models.tests.order_factories import CatalogueProductFactory

pytestmark = pytest.mark.django_db


def url(portal, route, *args):
    return portal.url + portal.reverse_subpage(route, args=args or None)


def staff_of(tenant, role, email):
    user = UserFactory(is_staff=True, email=email)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[role])
    return user


@pytest.fixture
def people(portal_a, portal_b, customer_a):
    customer_a.can_order = True
    customer_a.save()
    return {
        "billing": staff_of(portal_a.tenant, StaffRole.BILLING, "billing-a@example.com"),
        "marketing": staff_of(portal_a.tenant, StaffRole.MARKETING, "marketing-a@example.com"),
        "other": staff_of(portal_b.tenant, StaffRole.BILLING, "billing-b@example.com"),
        "customer": customer_a,
    }


def staff_messages():
    return [m for m in mail.outbox if "billing-a@example.com" in m.to or "billing-b@example.com" in m.to]


def follow_as(user, message, number):
    link = next(word for word in message.body.split() if "/admin/" in word)
    client = Client()
    client.force_login(user)
    response = client.get(urlsplit(link).path)
    assert response.status_code == 200 and number in response.content.decode()
    other = Client()
    other.force_login(UserFactory(is_staff=True))  # staff of no tenant: not theirs
    assert other.get(urlsplit(link).path).status_code != 200


def test_order_placed_emails_the_tenants_order_staff(client, portal_a, people, django_capture_on_commit_callbacks):
    product = CatalogueProductFactory(tenant=portal_a.tenant, name="Widget", sku="W-1")
    client.force_login(people["customer"].user)
    client.post(url(portal_a, "order_pad"), {f"qty_{product.pk}": "3"})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(portal_a, "order_review"), {"po_number": "PO-1"})
    assert response.status_code == 302
    order = Order.objects.get()
    sent = staff_messages()
    assert len(sent) == 1 and sent[0].to == ["billing-a@example.com"]
    assert order.number in sent[0].subject and sent[0].alternatives  # branded: HTML beside the text
    assert not any("marketing-a@example.com" in m.to for m in mail.outbox)
    follow_as(people["billing"], sent[0], order.number)


def test_quote_request_emails_the_tenants_order_staff(client, portal_a, people, django_capture_on_commit_callbacks):
    client.force_login(people["customer"].user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(portal_a, "quote_new"), {"description_0": "Custom crate", "quantity_0": "2"})
    assert response.status_code == 302
    quote = Quote.objects.get()
    sent = staff_messages()
    assert len(sent) == 1 and sent[0].to == ["billing-a@example.com"]
    assert quote.number in sent[0].subject and "Custom crate" in sent[0].body
    follow_as(people["billing"], sent[0], quote.number)
