"""Contacts limited to branches: the owner (Settings › System access) or staff (the admin's contact form) limit a
contact to some branches; the header offers only those (no "All branches"), lists are filtered, other branches'
orders, deliveries, invoices and payments answer 404, and ship-to offers only their branches."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal_models.models import Contact, Order, StaffRole
from portal_models.services import billing, team
from portal_models.services import orders as svc
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import AccountFactory, LoginContactFactory, UserFactory
from portal_models.tests.order_factories import BranchFactory, CatalogueProductFactory

pytestmark = pytest.mark.django_db


def url(portal, route, *args):
    return portal.url + portal.reverse_subpage(route, args=args or None)


@pytest.fixture
def staff_a(portal_a):
    user = UserFactory(is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=portal_a.tenant)[StaffRole.BILLING])
    return user


@pytest.fixture
def world(portal_a, customer_a):
    account = customer_a.account
    customer_a.can_manage_contacts = True
    customer_a.save()
    north = BranchFactory(account=account, name="North", code="N")
    south = BranchFactory(account=account, name="South", code="S")
    product = CatalogueProductFactory(tenant=portal_a.tenant, name="Widget", sku="W-1")
    clerk = LoginContactFactory(account=account, can_order=True, can_pay=True)
    records = {}
    for branch in (north, south):
        order = svc.order_submit(account=account, user=None, lines=[{"product": product, "quantity": 2}], branch=branch)
        svc.order_confirm(order=order)
        delivery = svc.delivery_record(order=order, quantities={order.lines.get().pk: 2})
        invoice = svc.invoice_from_order(order=order)
        payment = billing.payment_record(account=account, method="check", amount=Decimal("1.00"), invoices=[invoice])
        records[branch.code] = {"order": order, "delivery": delivery, "invoice": invoice, "payment": payment}
    hq = billing.invoice_create(
        account=account,
        number="HQ-1",
        lines=[{"description": "HQ", "unit_price": "5.00"}],
        due_date=timezone.localdate(),
    )
    return {
        "owner": customer_a,
        "clerk": clerk,
        "north": north,
        "south": south,
        "product": product,
        "hq": hq,
        **records,
    }


def test_owner_limits_a_contact_in_settings(client, portal_a, world):
    clerk, north = world["clerk"], world["north"]
    client.force_login(world["owner"].user)
    page = client.get(url(portal_a, "settings")).content.decode()
    assert 'data-testid="branch-limits"' in page
    response = client.post(
        url(portal_a, "system_access"),
        {"action": "set_branches", "contact": clerk.pk, "branches": [north.pk], "from": "settings"},
    )
    assert response.status_code == 302
    assert list(clerk.branches.all()) == [north]
    # another company's branch is refused, nothing changes
    foreign = BranchFactory(account=AccountFactory(tenant=portal_a.tenant))
    client.post(
        url(portal_a, "system_access"), {"action": "set_branches", "contact": clerk.pk, "branches": [foreign.pk]}
    )
    assert list(clerk.branches.all()) == [north]
    # another account's contact answers 404
    stranger = LoginContactFactory(account=foreign.account)
    response = client.post(url(portal_a, "system_access"), {"action": "set_branches", "contact": stranger.pk})
    assert response.status_code == 404
    # none ticked: all branches again
    client.post(url(portal_a, "system_access"), {"action": "set_branches", "contact": clerk.pk})
    assert not clerk.branches.exists()


def test_service_refuses_other_accounts_branches(world):
    foreign = BranchFactory(account=AccountFactory(tenant=world["owner"].account.tenant))
    with pytest.raises(ValidationError):
        team.contact_set_branches(contact=world["clerk"], branches=[foreign])
    assert not world["clerk"].branches.exists()


def test_limited_contact_sees_only_their_branch(client, portal_a, world):
    clerk, north, south = world["clerk"], world["north"], world["south"]
    team.contact_set_branches(contact=clerk, branches=[north], by=world["owner"].user)
    client.force_login(clerk.user)
    page = client.get(url(portal_a, "orders")).content.decode()
    assert 'data-testid="branch-switch"' in page and "All branches" not in page
    assert world["N"]["order"].number in page and world["S"]["order"].number not in page
    # they cannot choose another branch nor "all branches"
    assert client.post(url(portal_a, "switch_branch"), {"branch": south.pk}).status_code == 404
    assert client.post(url(portal_a, "switch_branch"), {"branch": ""}).status_code == 404
    routes = {"order": "order", "delivery": "delivery", "invoice": "invoice", "payment": "payment"}
    for kind, route in routes.items():
        assert client.get(url(portal_a, route, world["N"][kind].pk)).status_code == 200, kind
        assert client.get(url(portal_a, route, world["S"][kind].pk)).status_code == 404, kind
    assert client.get(url(portal_a, "invoice", world["hq"].pk)).status_code == 404
    text = client.get(url(portal_a, "invoices")).content.decode()
    assert world["N"]["invoice"].number in text and world["S"]["invoice"].number not in text and "HQ-1" not in text
    text = client.get(url(portal_a, "deliveries")).content.decode()
    assert world["N"]["delivery"].number in text and world["S"]["delivery"].number not in text
    text = client.get(url(portal_a, "payments")).content.decode()
    assert world["N"]["payment"].display_number in text and world["S"]["payment"].display_number not in text
    # ship-to offers only their branch, not the company address
    client.post(url(portal_a, "order_pad"), {f"qty_{world['product'].pk}": "1"})
    review = client.get(url(portal_a, "order_review")).content.decode()
    assert "North" in review and "South (S)" not in review and "Company address" not in review
    assert client.post(url(portal_a, "order_review"), {"ship_to": str(south.pk)}).status_code == 400
    assert client.post(url(portal_a, "order_review"), {"ship_to": ""}).status_code == 400
    assert client.post(url(portal_a, "order_review"), {"ship_to": str(north.pk)}).status_code == 302
    assert Order.objects.latest("pk").branch == north
    # the owner (not limited) still has all branches
    client.force_login(world["owner"].user)
    page = client.get(url(portal_a, "orders")).content.decode()
    assert "All branches" in page and world["S"]["order"].number in page


def test_staff_limit_a_contact_in_the_admin(client, portal_a, world, staff_a):
    clerk, north = world["clerk"], world["north"]
    client.force_login(staff_a)
    edit = reverse("portal_models_contact_modeladmin_edit", args=[clerk.pk])
    page = client.get(edit)
    assert page.status_code == 200
    form = page.context["form"]
    foreign = BranchFactory(account=AccountFactory(), name="Elsewhere")
    assert north in form.fields["branches"].queryset and foreign not in form.fields["branches"].queryset
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"account": clerk.account_id, "branches": [north.pk]})
    for name in ("can_login", "can_pay", "can_order", "can_see_documents", "can_manage_contacts", "is_main"):
        if not getattr(clerk, name, False):
            data.pop(name, None)
    response = client.post(edit, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert list(Contact.objects.get(pk=clerk.pk).branches.all()) == [north]


def test_demo_has_a_buyer_limited_to_one_branch(client):
    from portal_pages.demo import orders as demo_orders
    from portal_pages.tests.factories import make_portal

    home = make_portal(name="Summit Supply", slug="summit", primary="#1e3a8a", accent="#0891b2")
    account = AccountFactory(tenant=home.tenant, number="SS-2001", name="Riverside Builders")
    LoginContactFactory(account=account, email="lee.chen@example.com")
    lines = demo_orders.load()
    assert any("sam.ortiz@example.com" in line for line in lines)
    sam = Contact.objects.get(account=account, email="sam.ortiz@example.com")
    assert [b.code for b in sam.branches.all()] == ["DEN-N"]
    client.force_login(sam.user)
    page = client.get(home.url + home.reverse_subpage("orders")).content.decode()
    assert "North yard" in page and "All branches" not in page
    south = Order.objects.filter(account=account, branch__code="DEN-S").first()
    assert south.number not in page
    assert client.get(home.url + home.reverse_subpage("order", args=[south.pk])).status_code == 404
