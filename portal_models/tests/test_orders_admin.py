"""Billing staff and the Orders menu: their role's rights (migration 0027), the actions through the services with
a history entry and errors next to the fields, another tenant's order 404."""

from decimal import Decimal

import pytest
from wagtail.models import ModelLogEntry

from portal_models.models import OrderStatus, StaffRole
from portal_models.services import orders as svc
from portal_models.services.tenants import tenant_staff_groups_ensure

from .factories import AccountFactory, TenantFactory, UserFactory
from .order_factories import CatalogueProductFactory

pytestmark = pytest.mark.django_db


def _order(tenant):
    product = CatalogueProductFactory(tenant=tenant, price=Decimal("10.00"))
    return svc.order_submit(
        account=AccountFactory(tenant=tenant), user=None, lines=[{"product": product, "quantity": 3}], send_email=False
    )


@pytest.fixture
def billing_client(client):
    tenant = TenantFactory(slug="alpha-orders")
    user = UserFactory(email="billing@alpha.example.com", is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.BILLING])
    client.force_login(user)
    return client, tenant


def test_billing_staff_confirm_deliver_and_invoice(billing_client):
    client, tenant = billing_client
    order = _order(tenant)
    assert order.number in client.get("/admin/portal_models/order/").content.decode()
    assert client.post(f"/admin/portal_models/order/confirm/{order.pk}/").status_code == 302
    line = order.lines.get()
    bad = client.post(
        f"/admin/portal_models/order/deliver/{order.pk}/", {f"line_{line.pk}": "9", "shipped_on": "2026-12-01"}
    )
    assert bad.status_code == 400 and "remain to be delivered" in bad.content.decode()
    ok = client.post(
        f"/admin/portal_models/order/deliver/{order.pk}/",
        {f"line_{line.pk}": "2", "shipped_on": "2026-12-01", "carrier": "UPS", "tracking_number": "1Z"},
    )
    assert ok.status_code == 302
    assert client.post(f"/admin/portal_models/order/invoice/{order.pk}/", {"issue": "on"}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTLY_DELIVERED and order.invoices.get().total == Decimal("20.00")
    actions = set(ModelLogEntry.objects.filter(object_id=str(order.pk)).values_list("action", flat=True))
    assert {"portal.order.confirm", "portal.order.deliver", "portal.order.invoice"} <= actions
    assert client.get("/admin/portal_models/branch/").status_code == 200


def test_another_tenants_order_is_404(billing_client):
    client, _tenant = billing_client
    foreign = _order(TenantFactory(slug="bravo-orders"))
    for action in ("inspect", "confirm", "cancel", "deliver", "invoice", "adjust"):
        assert client.get(f"/admin/portal_models/order/{action}/{foreign.pk}/").status_code == 404
    assert client.post(f"/admin/portal_models/order/confirm/{foreign.pk}/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == OrderStatus.SUBMITTED
