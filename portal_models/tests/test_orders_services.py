"""Ordering services against the database: order totals, delivered vs ordered, quote expiry and acceptance,
invoice from order, branch filter."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from portal_models.models import AccountPrice, InvoiceStatus, OrderStatus, Product, QuoteStatus
from portal_models.selectors import orders as selectors
from portal_models.services import orders as svc

from .factories import AccountFactory, ContactFactory, TenantFactory, UserFactory
from .order_factories import BranchFactory, CatalogueProductFactory

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    tenant = TenantFactory(slug="distrib", currency="USD")
    account = AccountFactory(tenant=tenant)
    user = UserFactory(email="buyer@example.com")
    ContactFactory(account=account, user=user, email=user.email, can_login=True, can_order=True, is_billing=True)
    products = [CatalogueProductFactory(tenant=tenant, price=Decimal(p)) for p in ("10.00", "2.50", "99.99")]
    return tenant, account, user, products


def _order(account, user, products, quantities=(3, 4, 1), **kwargs):
    return svc.order_submit(
        account=account,
        user=user,
        lines=[{"product": p, "quantity": q} for p, q in zip(products, quantities, strict=False)],
        **kwargs,
    )


def test_order_totals_and_confirmation_email(world, django_capture_on_commit_callbacks):
    tenant, account, user, products = world
    with django_capture_on_commit_callbacks(execute=True):
        order = _order(account, user, products, po_number=" PO-77 ")
    assert order.number.startswith("SO-")
    assert order.po_number == "PO-77"
    assert order.subtotal == Decimal("30.00") + Decimal("10.00") + Decimal("99.99")
    assert order.status == OrderStatus.SUBMITTED
    assert [line.line_total for line in order.lines.all()] == [Decimal("30.00"), Decimal("10.00"), Decimal("99.99")]
    to_buyer = [m for m in mail.outbox if "buyer@example.com" in m.to]
    assert len(to_buyer) == 1 and order.number in to_buyer[0].subject  # the confirmation (staff are told apart)
    assert all(m.to != to_buyer[0].to for m in mail.outbox if m is not to_buyer[0])


def test_account_price_wins_and_customer_price_is_ignored(world):
    tenant, account, user, products = world
    AccountPrice.objects.create(product=products[0], account=account, price=Decimal("8.00"))
    order = svc.order_submit(
        account=account, user=user, lines=[{"product": products[0], "quantity": 2, "unit_price": "0.01"}]
    )
    assert order.subtotal == Decimal("16.00")


def test_bad_input_creates_nothing(world):
    tenant, account, user, products = world
    other = CatalogueProductFactory(tenant=TenantFactory(slug="other"), price=Decimal("1"))
    inactive = CatalogueProductFactory(tenant=tenant, price=Decimal("1"), active=False)
    for lines in (
        [],
        [{"product": products[0], "quantity": 0}],
        [{"product": other, "quantity": 1}],
        [{"product": inactive, "quantity": 1}],
        [{"product": products[0], "quantity": "-1"}],
        [{"product": products[0], "quantity": "abc"}],
    ):
        with pytest.raises(ValidationError):
            svc.order_submit(account=account, user=user, lines=lines)
    with pytest.raises(ValidationError):
        _order(account, user, products, requested_date=timezone.localdate() - timedelta(days=1))
    foreign_branch = BranchFactory(account=AccountFactory(tenant=tenant))
    with pytest.raises(ValidationError):
        _order(account, user, products, branch=foreign_branch)
    assert not account.orders.exists()


def test_delivered_vs_ordered_partial_then_full_then_invoice(world, django_capture_on_commit_callbacks):
    tenant, account, user, products = world
    order = _order(account, user, products)
    with pytest.raises(ValidationError):  # not confirmed yet
        svc.delivery_record(order=order, quantities={order.lines.first().pk: 1})
    svc.order_confirm(order=order)
    lines = list(order.lines.all())
    with pytest.raises(ValidationError):  # more than ordered
        svc.delivery_record(order=order, quantities={lines[0].pk: 4})
    with django_capture_on_commit_callbacks(execute=True):
        delivery = svc.delivery_record(
            order=order, quantities={lines[0].pk: 2, lines[1].pk: 4}, carrier="UPS", tracking_number="1Z999"
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTLY_DELIVERED
    assert delivery.number.startswith("D-") and delivery.lines.count() == 2
    assert any("1Z999" in m.body for m in mail.outbox)
    line0 = order.lines.get(pk=lines[0].pk)
    assert (line0.quantity, line0.delivered_quantity, line0.outstanding_quantity) == (3, 2, 1)

    invoice = svc.invoice_from_order(order=order)
    assert invoice.status == InvoiceStatus.OPEN
    assert invoice.total == Decimal("20.00") + Decimal("10.00")
    assert list(order.invoices.all()) == [invoice]
    with pytest.raises(ValidationError):  # nothing new delivered
        svc.invoice_from_order(order=order)

    svc.delivery_record(order=order, quantities={lines[0].pk: 1, lines[2].pk: 1})
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    second = svc.invoice_from_order(order=order, issue=False)
    assert second.status == InvoiceStatus.DRAFT and second.total == Decimal("10.00") + Decimal("99.99")
    order.refresh_from_db()
    assert order.status == OrderStatus.INVOICED


def test_adjust_line_needs_reason_and_not_below_delivered(world):
    tenant, account, user, products = world
    order = _order(account, user, products)
    svc.order_confirm(order=order)
    line = order.lines.first()
    svc.delivery_record(order=order, quantities={line.pk: 2})
    with pytest.raises(ValidationError):
        svc.order_adjust_line(line=line, quantity=5, reason="")
    with pytest.raises(ValidationError):
        svc.order_adjust_line(line=line, quantity=1, reason="customer asked")
    svc.order_adjust_line(line=line, quantity=2, reason="out of stock")
    order.refresh_from_db()
    assert order.subtotal == Decimal("20.00") + Decimal("10.00") + Decimal("99.99")
    assert order.events.filter(kind="adjusted", message__contains="out of stock").exists()


def test_cancel(world):
    tenant, account, user, products = world
    order = _order(account, user, products)
    with pytest.raises(ValidationError):
        svc.order_cancel(order=order, reason=" ")
    svc.order_cancel(order=order, reason="duplicate")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    with pytest.raises(ValidationError):
        svc.order_confirm(order=order)


def test_quote_request_price_send_accept(world, django_capture_on_commit_callbacks):
    tenant, account, user, products = world
    quote = svc.quote_request(
        account=account,
        user=user,
        lines=[{"product": products[0], "quantity": 10}, {"description": "Custom pallet wrap", "quantity": 2}],
    )
    assert quote.status == QuoteStatus.REQUESTED and quote.number.startswith("Q-")
    with pytest.raises(ValidationError):  # not priced
        svc.quote_send(quote=quote)
    with pytest.raises(ValidationError):  # not sent yet
        svc.quote_accept(quote=quote, user=user)
    lines = list(quote.lines.all())
    svc.quote_price(
        quote=quote,
        prices={lines[0].pk: Decimal("9.00"), lines[1].pk: Decimal("45.50")},
        valid_until=timezone.localdate() + timedelta(days=30),
        terms="Net 30",
    )
    with django_capture_on_commit_callbacks(execute=True):
        svc.quote_send(quote=quote)
    assert any(quote.number in m.subject for m in mail.outbox)
    quote.refresh_from_db()
    assert quote.total == Decimal("181.00")
    order = svc.quote_accept(quote=quote, user=user, po_number="PO-Q")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and order.quote == quote
    assert order.subtotal == Decimal("181.00")
    assert [line.description for line in order.lines.all()] == [products[0].name, "Custom pallet wrap"]
    with pytest.raises(ValidationError):
        svc.quote_decline(quote=quote, user=user, reason="too late")


def test_expired_quote_refused_and_decline_needs_reason(world):
    tenant, account, user, products = world
    quote = svc.quote_request(account=account, user=user, lines=[{"product": products[1], "quantity": 1}])
    svc.quote_price(quote=quote, prices={quote.lines.get().pk: Decimal("2")}, valid_until=timezone.localdate())
    svc.quote_send(quote=quote)
    type(quote).objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    quote.refresh_from_db()
    with pytest.raises(ValidationError, match="expired"):
        svc.quote_accept(quote=quote, user=user)
    assert not account.orders.exists()
    fresh = svc.quote_request(account=account, user=user, lines=[{"description": "Thing", "quantity": 1}])
    svc.quote_price(quote=fresh, prices={fresh.lines.get().pk: Decimal("5")}, valid_until=timezone.localdate())
    svc.quote_send(quote=fresh)
    with pytest.raises(ValidationError):
        svc.quote_decline(quote=fresh, user=user, reason="")
    svc.quote_decline(quote=fresh, user=user, reason="Found it cheaper")
    fresh.refresh_from_db()
    assert fresh.status == QuoteStatus.DECLINED and fresh.decline_reason == "Found it cheaper"


def test_branch_filter(world):
    tenant, account, user, products = world
    north, south = BranchFactory(account=account, code="N"), BranchFactory(account=account, code="S")
    a = _order(account, user, products, branch=north)
    b = _order(account, user, products, branch=south)
    c = _order(account, user, products)
    assert set(selectors.orders_visible(account=account)) == {a, b, c}
    assert list(selectors.orders_visible(account=account, branch=north)) == [a]
    assert a.ship_to_address == north.address and c.ship_to_name == account.name
    for order in (a, b):
        svc.order_confirm(order=order)
        svc.delivery_record(order=order, quantities={line.pk: line.quantity for line in order.lines.all()})
    inv_a = svc.invoice_from_order(order=a)
    svc.invoice_from_order(order=b)
    assert list(selectors.deliveries_visible(account=account, branch=north)) == list(a.deliveries.all())
    invoices = selectors.invoices_of_branch(account.invoices.all(), branch=north)
    assert list(invoices) == [inv_a]


def test_catalogue_search_and_prices(world):
    tenant, account, user, products = world
    CatalogueProductFactory(tenant=tenant, name="Hex bolt M8", sku="HB-M8", category="Fasteners", price=Decimal("1"))
    CatalogueProductFactory(tenant=tenant, name="Unpriced", price=None)
    AccountPrice.objects.create(product=products[2], account=account, price=Decimal("50"))
    found = list(selectors.catalogue(tenant=tenant, account=account, search="hb-m8"))
    assert [p.name for p in found] == ["Hex bolt M8"]
    assert list(selectors.catalogue(tenant=tenant, account=account, category="Fasteners")) == found
    everything = {p.pk: p.account_price for p in selectors.catalogue(tenant=tenant, account=account)}
    assert everything[products[2].pk] == Decimal("50") and len(everything) == 4
    # a product without a catalogue price is orderable by the accounts that have a price of their own for it
    special = CatalogueProductFactory(tenant=tenant, name="Made to order", price=None)
    AccountPrice.objects.create(product=special, account=account, price=Decimal("12.00"))
    other = AccountFactory(tenant=tenant)
    assert selectors.catalogue(tenant=tenant, account=account, search="made to").get().account_price == Decimal("12")
    assert not selectors.catalogue(tenant=tenant, account=other, search="made to").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only")
def test_catalogue_search_reads_the_trigram_index(world):
    """In a catalogue of thousands, the Order Pad's search for a SKU is answered from the trigram index over the
    expressions it compares (migration 0041), not by reading every product (the bench's 10k: 11 ms to 0.3 ms)."""
    tenant, account, user, products = world
    Product.objects.bulk_create(
        Product(tenant=tenant, name=f"Steel part {n}", sku=f"SP-{n:05}", description="Galvanised", price=Decimal("1"))
        for n in range(3000)
    )
    CatalogueProductFactory(tenant=tenant, name="Brass valve", sku="BV-77")
    search = selectors.catalogue(tenant=tenant, account=account, search="bv-77")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_models_product")
        sql, params = search.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "product_search_trgm" in plan, plan
    assert [p.sku for p in search] == ["BV-77"]
