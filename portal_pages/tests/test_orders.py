"""Customer ordering screens: Order Pad (quantities kept while browsing, review, submit), orders list/CSV/detail,
order again, quotes (request, PDF, accept, decline), deliveries, credit memos, the branch drop-down; the "can order"
right; other accounts' records answer 404."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from portal_models.models import Order, OrderStatus, Quote, QuoteStatus
from portal_models.services import billing
from portal_models.services import orders as svc
from portal_models.tests.factories import AccountFactory, LoginContactFactory
from portal_models.tests.order_factories import BranchFactory, CatalogueProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(customer_a):
    customer_a.can_order = True
    customer_a.is_billing = True
    customer_a.save()
    return customer_a


@pytest.fixture
def catalogue(portal_a):
    tenant = portal_a.tenant
    products = [
        CatalogueProductFactory(tenant=tenant, name=f"Widget {i:02d}", sku=f"W-{i:02d}", category="Widgets")
        for i in range(30)
    ]
    products.append(
        CatalogueProductFactory(tenant=tenant, name="Hex bolt", sku="HB-8", category="Fasteners", price=Decimal("0.25"))
    )
    return products


def url(portal, route, *args):
    return portal.url + portal.reverse_subpage(route, args=args or None)


def test_order_pad_keeps_quantities_across_pages_and_submits(
    client, portal_a, buyer, catalogue, django_capture_on_commit_callbacks
):
    client.force_login(buyer.user)
    pad = url(portal_a, "order_pad")
    first, bolt = catalogue[0], catalogue[-1]
    response = client.post(pad, {f"qty_{first.pk}": "3", "action": "save"})
    assert response.status_code == 302
    response = client.get(pad, {"q": "hb-8"})
    assert "Hex bolt" in response.content.decode() and "Widget 05" not in response.content.decode()
    client.post(pad + "?q=hb-8", {f"qty_{bolt.pk}": "100", "action": "save"})
    # bad input: an error next to the field, nothing saved
    response = client.post(pad + "?q=hb-8", {f"qty_{bolt.pk}": "-4", "action": "save"})
    assert response.status_code == 400 and 'data-testid="field-error"' in response.content.decode()
    review = client.get(url(portal_a, "order_review"))
    text = review.content.decode()
    assert "Widget 00" in text and "Hex bolt" in text and "$55.00" in text  # 3 × 10 + 100 × 0.25
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    bad = client.post(url(portal_a, "order_review"), {"po_number": "PO-1", "requested_date": past, "ship_to": ""})
    assert bad.status_code == 400 and not Order.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(portal_a, "order_review"), {"po_number": "PO-1", "ship_to": "", "notes": "Dock 4"})
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/orders/{order.pk}/")
    assert order.po_number == "PO-1" and order.subtotal == Decimal("55.00") and order.lines.count() == 2
    assert any(order.number in m.subject for m in mail.outbox)
    assert client.get(url(portal_a, "order_review")).content.decode().count("Submit order") == 0  # pad emptied
    detail = client.get(url(portal_a, "order", order.pk)).content.decode()
    assert order.number in detail and "PO-1" in detail


def test_without_can_order_no_order_pad_but_orders_visible(client, portal_a, customer_a, catalogue):
    order = svc.order_submit(account=customer_a.account, user=None, lines=[{"product": catalogue[0], "quantity": 1}])
    client.force_login(customer_a.user)
    # a right of their own company they lack: the page that names the right (access.MissingRight), not the pad
    assert client.get(url(portal_a, "order_pad")).status_code == 403
    assert client.get(url(portal_a, "quote_new")).status_code == 403
    assert client.post(url(portal_a, "order_again", order.pk)).status_code == 403
    listing = client.get(url(portal_a, "orders"))
    assert listing.status_code == 200 and order.number in listing.content.decode()
    assert "Place an order" not in client.get(url(portal_a, "dashboard")).content.decode()


def test_orders_list_filters_csv_and_isolation(client, portal_a, portal_b, buyer, catalogue):
    account = buyer.account
    mine = [
        svc.order_submit(account=account, user=None, lines=[{"product": catalogue[i], "quantity": 1}], po_number=po)
        for i, po in enumerate(("PO-A", "PO-B", "=HYPERLINK(1)"))
    ]
    svc.order_cancel(order=mine[1], reason="dup")
    other = svc.order_submit(
        account=AccountFactory(tenant=portal_a.tenant), user=None, lines=[{"product": catalogue[0], "quantity": 1}]
    )
    client.force_login(buyer.user)
    text = client.get(url(portal_a, "orders"), {"status": "cancelled"}).content.decode()
    assert mine[1].number in text and mine[0].number not in text
    text = client.get(url(portal_a, "orders"), {"q": "PO-A"}).content.decode()
    assert mine[0].number in text and mine[2].number not in text
    assert client.get(url(portal_a, "orders"), {"status": "bogus", "sort": "nope"}).status_code == 200
    rows = list(csv.reader(io.StringIO(client.get(url(portal_a, "orders_export")).getvalue().decode())))
    assert len(rows) == 4 and other.number not in str(rows)
    assert any(cell.startswith("'=") for row in rows for cell in row)  # CSV injection neutralised
    assert client.get(url(portal_a, "order", other.pk)).status_code == 404


def test_order_again_fills_the_pad(client, portal_a, buyer, catalogue):
    order = svc.order_submit(account=buyer.account, user=None, lines=[{"product": catalogue[2], "quantity": 7}])
    client.force_login(buyer.user)
    response = client.post(url(portal_a, "order_again", order.pk))
    assert response.status_code == 302
    assert "Widget 02" in client.get(url(portal_a, "order_review")).content.decode()


def test_quote_request_accept_and_decline(client, portal_a, buyer, catalogue):
    client.force_login(buyer.user)
    response = client.post(
        url(portal_a, "quote_new"),
        {"product_0": str(catalogue[0].pk), "quantity_0": "5", "description_1": "Custom crate", "quantity_1": "2"},
    )
    quote = Quote.objects.get()
    assert response.status_code == 302 and quote.lines.count() == 2
    bad = client.post(url(portal_a, "quote_new"), {"description_0": "No quantity"})
    assert bad.status_code == 400 and Quote.objects.count() == 1
    lines = list(quote.lines.all())
    svc.quote_price(
        quote=quote,
        prices={lines[0].pk: Decimal("9"), lines[1].pk: Decimal("20")},
        valid_until=timezone.localdate() + timedelta(days=10),
        terms="Net 30",
    )
    svc.quote_send(quote=quote)
    pdf = client.get(url(portal_a, "quote_pdf", quote.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    response = client.post(url(portal_a, "quote_accept", quote.pk), {"po_number": "PO-QQ"})
    order = Order.objects.get()
    assert response.status_code == 302 and order.subtotal == Decimal("85.00") and order.po_number == "PO-QQ"
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    # answered: a second answer is refused with a message, nothing changes
    again = client.post(url(portal_a, "quote_decline", quote.pk), {"reason": "no"})
    assert again.status_code == 400 and Order.objects.count() == 1

    expired = svc.quote_request(account=buyer.account, user=None, lines=[{"description": "X", "quantity": 1}])
    svc.quote_price(quote=expired, prices={expired.lines.get().pk: Decimal("1")}, valid_until=timezone.localdate())
    svc.quote_send(quote=expired)
    Quote.objects.filter(pk=expired.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    response = client.post(url(portal_a, "quote_accept", expired.pk), {})
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert client.post(url(portal_a, "quote_decline", expired.pk), {"reason": ""}).status_code == 400


def test_deliveries_credit_memos_and_other_accounts(client, portal_a, buyer, catalogue):
    order = svc.order_submit(account=buyer.account, user=None, lines=[{"product": catalogue[0], "quantity": 4}])
    svc.order_confirm(order=order)
    delivery = svc.delivery_record(
        order=order, quantities={order.lines.get().pk: 1}, carrier="UPS", tracking_number="1Z-TRACK"
    )
    invoice = svc.invoice_from_order(order=order)
    memo = billing.credit_memo_apply(invoice=invoice, number="CM-1", amount=Decimal("1.00"), reason="Damaged box")
    other = LoginContactFactory(account=AccountFactory(tenant=portal_a.tenant))
    client.force_login(buyer.user)
    text = client.get(url(portal_a, "deliveries")).content.decode()
    assert delivery.number in text and "1Z-TRACK" in text
    assert "1Z-TRACK" in client.get(url(portal_a, "delivery", delivery.pk)).content.decode()
    detail = client.get(url(portal_a, "order", order.pk)).content.decode()
    assert invoice.number in detail and "1Z-TRACK" in detail
    assert "Damaged box" in client.get(url(portal_a, "credit_memos")).content.decode()
    assert client.get(url(portal_a, "credit_memo_pdf", memo.pk))["Content-Type"] == "application/pdf"
    client.force_login(other.user)
    for route, pk in (("delivery", delivery.pk), ("credit_memo_pdf", memo.pk), ("order", order.pk)):
        assert client.get(url(portal_a, route, pk)).status_code == 404
    assert delivery.number not in client.get(url(portal_a, "deliveries")).content.decode()


def test_branch_drop_down_filters(client, portal_a, buyer, catalogue):
    account = buyer.account
    client.force_login(buyer.user)
    assert 'data-testid="branch-switch"' not in client.get(url(portal_a, "orders")).content.decode()
    north, south = BranchFactory(account=account, name="North"), BranchFactory(account=account, name="South")
    a = svc.order_submit(account=account, user=None, lines=[{"product": catalogue[0], "quantity": 1}], branch=north)
    b = svc.order_submit(account=account, user=None, lines=[{"product": catalogue[0], "quantity": 1}], branch=south)
    text = client.get(url(portal_a, "orders")).content.decode()
    assert 'data-testid="branch-switch"' in text and a.number in text and b.number in text
    client.post(url(portal_a, "switch_branch"), {"branch": north.pk, "next": url(portal_a, "orders")})
    text = client.get(url(portal_a, "orders")).content.decode()
    assert a.number in text and b.number not in text
    foreign = BranchFactory(account=AccountFactory(tenant=portal_a.tenant))
    assert client.post(url(portal_a, "switch_branch"), {"branch": foreign.pk}).status_code == 404
    client.post(url(portal_a, "switch_branch"), {"branch": ""})
    assert b.number in client.get(url(portal_a, "orders")).content.decode()
    # ship-to offers the branches
    client.post(url(portal_a, "order_pad"), {f"qty_{catalogue[0].pk}": "1"})
    review = client.get(url(portal_a, "order_review")).content.decode()
    assert "North" in review and "South" in review
    response = client.post(url(portal_a, "order_review"), {"ship_to": str(south.pk)})
    assert response.status_code == 302
    assert Order.objects.latest("pk").branch == south and Order.objects.latest("pk").status == OrderStatus.SUBMITTED


def test_branch_filters_invoices_and_payments(client, portal_a, buyer, catalogue):
    account = buyer.account
    north = BranchFactory(account=account, name="North")
    order = svc.order_submit(account=account, user=None, lines=[{"product": catalogue[0], "quantity": 2}], branch=north)
    svc.order_confirm(order=order)
    svc.delivery_record(order=order, quantities={order.lines.get().pk: 2})
    north_invoice = svc.invoice_from_order(order=order)
    other_invoice = billing.invoice_create(
        account=account,
        number="HQ-1",
        lines=[{"description": "HQ", "unit_price": "5.00"}],
        due_date=timezone.localdate(),
    )
    paid_north = billing.payment_record(
        account=account, method="check", amount=Decimal("20.00"), invoices=[north_invoice]
    )
    paid_hq = billing.payment_record(account=account, method="check", amount=Decimal("5.00"), invoices=[other_invoice])
    client.force_login(buyer.user)
    text = client.get(url(portal_a, "invoices")).content.decode()
    assert north_invoice.number in text and "HQ-1" in text
    client.post(url(portal_a, "switch_branch"), {"branch": north.pk})
    text = client.get(url(portal_a, "invoices")).content.decode()
    assert north_invoice.number in text and "HQ-1" not in text
    rows = client.get(url(portal_a, "invoices_export")).getvalue().decode()
    assert north_invoice.number in rows and "HQ-1" not in rows
    text = client.get(url(portal_a, "payments")).content.decode()
    assert paid_north.display_number in text and paid_hq.display_number not in text
