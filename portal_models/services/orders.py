"""Writes of ordering: orders (submit, confirm, adjust, cancel), deliveries, invoices from orders, and quotes
(request, price, send, accept, decline). Every write is one transaction; an order or quote is locked
(``select_for_update``) before it changes, so two staff members (or a customer and staff) never both act on one
state. Amounts are computed here, in the order's currency (:func:`order_recalculate`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from portal_models.models import (
    OPEN_ORDER_STATUSES,
    Account,
    AccountPrice,
    Branch,
    Delivery,
    DeliveryLine,
    Invoice,
    InvoiceStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
    StaffRole,
    TenantSequence,
    User,
)
from portal_models.money import ZERO, quantize
from portal_models.selectors.billing import billing_contact_emails
from portal_models.services import billing as billing_services
from portal_models.services import documents
from portal_models.services import outgoing_webhooks as webhooks
from portal_models.services.emails import (
    account_portal_url,
    admin_url,
    send_branded_email,
    send_plain_email,
    tenant_language,
)

ORDER_SEQUENCE = "order"
QUOTE_SEQUENCE = "quote"
DELIVERY_SEQUENCE = "delivery"
MAX_LINES = 200
MAX_QUANTITY = Decimal("999999")


def _number(*, tenant_id: int, sequence: str, prefix: str) -> str:
    return f"{prefix}-{TenantSequence.next_value(tenant_id=tenant_id, name=sequence)}"


def _event(order: Order, kind: str, message: str = "", by: User | None = None) -> OrderEvent:
    return OrderEvent.objects.create(order=order, kind=kind, message=message[:500], by=by)


def _quantity(value, *, field: str = "quantity") -> Decimal:
    try:
        quantity = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not quantity.is_finite() or quantity < 0 or quantity > MAX_QUANTITY:
        raise ValidationError({field: _("Enter a quantity between 0 and %(max)s.") % {"max": MAX_QUANTITY}})
    if quantity != quantity.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Use at most two decimals.")})
    return quantity


def _recipients(order_or_quote, user: User | None) -> list[str]:
    emails = set(billing_contact_emails(account=order_or_quote.account))
    if user is not None and user.email:
        emails.add(user.email)
    return sorted(emails)


def _send(*, record, template: str, subject, url_route: str, to: list[str], **extra) -> None:
    if not to:
        return
    context = {
        "record": record,
        "tenant": record.tenant,
        "account": record.account,
        "url": account_portal_url(record.account, url_route, pk=record.pk),
        **extra,
    }
    send_plain_email(
        tenant=record.tenant,
        to=to,
        build=lambda: (subject(), render_to_string(f"theme/emails/orders/{template}.txt", context)),
        template=f"orders/{template}",
        context=context,
    )


def order_staff_emails(*, tenant) -> list[str]:
    """Who handles the tenant's orders and quotes: its active billing staff (else its support address)."""
    from portal_models.models import User as UserModel

    emails = list(
        UserModel.objects.filter(
            is_staff=True,
            is_active=True,
            groups__tenant_role__tenant=tenant,
            groups__tenant_role__role=StaffRole.BILLING,
        )
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return emails or [address for address in [tenant.support_email] if address]


def _email_staff(record, *, kind: str) -> None:
    """One branded email to the staff who handle orders: a new order or a request for quote, linked in the admin."""
    template = "orders/staff_new_order" if kind == "order" else "orders/staff_new_quote"
    name = f"portal_models_{kind}_modeladmin_inspect"
    send_branded_email(
        tenant=record.tenant,
        to=order_staff_emails(tenant=record.tenant),
        template=template,
        language=tenant_language(record.tenant),
        context={
            "record": record,
            "account": record.account,
            "lines": list(record.lines.all()),
            "staff_url": admin_url(tenant=record.tenant, name=name, instance_pk=record.pk),
        },
    )


# --- prices and totals -------------------------------------------------------------------------------------------


def product_prices(*, account: Account, products: Iterable[Product]) -> dict[int, Decimal | None]:
    """The price each product has for ``account``: its account price, else the catalogue price (None: unpriced)."""
    products = list(products)
    special = dict(
        AccountPrice.objects.filter(account=account, product__in=products).values_list("product_id", "price")
    )
    return {p.pk: special.get(p.pk, p.price) for p in products}


def order_recalculate(*, order: Order) -> Order:
    """Line totals and the subtotal of an order (tax is left to staff, on the invoice)."""
    subtotal = ZERO
    for line in order.lines.all():
        total = quantize(line.quantity * line.unit_price, order.currency)
        if total != line.line_total:
            OrderLine.objects.filter(pk=line.pk).update(line_total=total)
        subtotal += total
    order.subtotal = quantize(subtotal, order.currency)
    Order.objects.filter(pk=order.pk).update(subtotal=order.subtotal)
    return order


def _lock_order(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("account__tenant", "tenant").get(pk=order.pk)


def _lock_quote(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().select_related("account__tenant", "tenant").get(pk=quote.pk)


def _check_branch(*, account: Account, branch: Branch | None) -> None:
    if branch is not None and (branch.account_id != account.pk or not branch.is_active):
        raise ValidationError({"ship_to": _("Choose one of your company's branches.")})


def ship_to_of(*, account: Account, branch: Branch | None) -> tuple[str, str]:
    """The name and address an order ships to: the branch's, or the company address."""
    if branch is not None:
        return f"{account.name} — {branch.name}", branch.address
    return account.name, billing_services.account_bill_to_address(account)


# --- orders ------------------------------------------------------------------------------------------------------


@transaction.atomic
def order_submit(
    *,
    account: Account,
    user: User | None,
    lines: Iterable[Mapping],
    po_number: str = "",
    requested_date: date | None = None,
    branch: Branch | None = None,
    notes: str = "",
    quote: Quote | None = None,
    send_email: bool = True,
) -> Order:
    """Place an order. ``lines`` are mappings of ``product`` (a Product of the account's tenant) and ``quantity``,
    or — from a quote — ``description``, ``quantity`` and ``unit_price``. Lines with quantity 0 are left out.

    Prices are the account's (:func:`product_prices`), never the customer's input. Raises ValidationError and
    creates nothing when there is no line, a product is not orderable, or the requested date is past."""
    tenant = account.tenant
    _check_branch(account=account, branch=branch)
    if requested_date is not None and requested_date < timezone.localdate():
        raise ValidationError({"requested_date": _("The requested date cannot be in the past.")})
    rows = []
    for line in lines:
        quantity = _quantity(line.get("quantity", 0))
        if quantity > 0:
            rows.append((line, quantity))
    if not rows:
        raise ValidationError(_("Enter a quantity for at least one product."))
    if len(rows) > MAX_LINES:
        raise ValidationError(_("An order has at most %(max)s lines.") % {"max": MAX_LINES})
    products = [line["product"] for line, _q in rows if line.get("product") is not None]
    prices = product_prices(account=account, products=products)
    order = Order(
        tenant=tenant,
        account=account,
        branch=branch,
        number=_number(tenant_id=tenant.pk, sequence=ORDER_SEQUENCE, prefix="SO"),
        po_number=po_number.strip(),
        requested_date=requested_date,
        notes=notes.strip(),
        currency=tenant.currency,
        placed_by=user if user is not None and user.is_authenticated else None,
        quote=quote,
    )
    order.ship_to_name, order.ship_to_address = ship_to_of(account=account, branch=branch)
    order.save()
    order_lines = []
    for position, (line, quantity) in enumerate(rows):
        product = line.get("product")
        if product is not None:
            if product.tenant_id != tenant.pk or not product.active or prices.get(product.pk) is None:
                raise ValidationError(_("%(product)s cannot be ordered online any more.") % {"product": product.name})
            unit_price = prices[product.pk]
            description, sku, unit = product.name, product.sku, product.unit
        else:
            unit_price = Decimal(line["unit_price"])
            description, sku, unit = line["description"], line.get("sku", ""), line.get("unit", "")
        order_lines.append(
            OrderLine(
                order=order,
                position=position,
                product=product,
                sku=sku,
                description=description,
                unit=unit,
                quantity=quantity,
                unit_price=unit_price,
                line_total=quantize(quantity * unit_price, order.currency),
            )
        )
    OrderLine.objects.bulk_create(order_lines)
    order_recalculate(order=order)
    _event(order, "submitted", _("Order submitted"), by=order.placed_by)
    webhooks.order_placed_emit(order=order)
    if send_email:
        transaction.on_commit(
            lambda: _send(
                record=order,
                template="order_submitted",
                subject=lambda: _("Order %(number)s received") % {"number": order.number},
                url_route="order",
                to=_recipients(order, order.placed_by),
                lines=list(order.lines.all()),
            )
        )
        transaction.on_commit(lambda: _email_staff(order, kind="order"))
    return order


@transaction.atomic
def order_confirm(*, order: Order, by: User | None = None) -> Order:
    """Staff confirm a submitted order; the customer gets an email."""
    order = _lock_order(order)
    if order.status != OrderStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted order can be confirmed."))
    order.status = OrderStatus.CONFIRMED
    order.confirmed_at = timezone.now()
    order.save(update_fields=["status", "confirmed_at"])
    _event(order, "confirmed", _("Order confirmed"), by=by)
    transaction.on_commit(
        lambda: _send(
            record=order,
            template="order_confirmed",
            subject=lambda: _("Order %(number)s confirmed") % {"number": order.number},
            url_route="order",
            to=_recipients(order, order.placed_by),
        )
    )
    return order


@transaction.atomic
def order_cancel(*, order: Order, reason: str, by: User | None = None) -> Order:
    """Cancel an order nothing of which has been delivered, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the order is cancelled.")})
    order = _lock_order(order)
    if order.status not in (OrderStatus.SUBMITTED, OrderStatus.CONFIRMED):
        raise ValidationError(_("Only an order that has not been delivered can be cancelled."))
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = timezone.now()
    order.cancel_reason = reason[:255]
    order.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    _event(order, "cancelled", reason, by=by)
    return order


def _delivery_status(order: Order) -> str:
    lines = list(order.lines.all())
    delivered = [line.delivered_quantity >= line.quantity for line in lines]
    if lines and all(delivered):
        invoiced = all(line.invoiced_quantity >= line.quantity for line in lines)
        return OrderStatus.INVOICED if invoiced else OrderStatus.DELIVERED
    if any(line.delivered_quantity > 0 for line in lines):
        return OrderStatus.PARTLY_DELIVERED
    return OrderStatus.CONFIRMED


@transaction.atomic
def order_adjust_line(
    *, line: OrderLine, quantity, reason: str, unit_price: Decimal | None = None, by: User | None = None
) -> OrderLine:
    """Staff change a line's quantity (not below what was delivered) or price, with a reason (in the history)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the line is changed.")})
    order = _lock_order(line.order)
    if not order.is_open:
        raise ValidationError(_("Only an open order can be changed."))
    line = OrderLine.objects.get(pk=line.pk, order=order)
    quantity = _quantity(quantity)
    if quantity < line.delivered_quantity:
        raise ValidationError(
            {"quantity": _("At least %(n)s have been delivered already.") % {"n": line.delivered_quantity}}
        )
    if unit_price is not None and unit_price < 0:
        raise ValidationError({"unit_price": _("A price cannot be negative.")})
    before = f"{line.quantity} × {line.unit_price}"
    line.quantity = quantity
    if unit_price is not None:
        line.unit_price = quantize(unit_price, order.currency)
    line.line_total = quantize(line.quantity * line.unit_price, order.currency)
    line.save(update_fields=["quantity", "unit_price", "line_total"])
    order_recalculate(order=order)
    if order.status != OrderStatus.SUBMITTED:
        status = _delivery_status(order)
        if status != order.status:
            order.status = status
            order.save(update_fields=["status"])
    message = _("%(line)s: %(before)s → %(after)s (%(reason)s)") % {
        "line": line.description,
        "before": before,
        "after": f"{line.quantity} × {line.unit_price}",
        "reason": reason,
    }
    _event(order, "adjusted", message, by=by)
    return line


@transaction.atomic
def delivery_record(
    *,
    order: Order,
    quantities: Mapping[int, object],
    carrier: str = "",
    tracking_number: str = "",
    shipped_on: date | None = None,
    delivered_on: date | None = None,
    proof_of_delivery=None,
    by: User | None = None,
) -> Delivery:
    """Record a shipment of a confirmed order: ``quantities`` maps order line ids to the quantity shipped (at most
    what is outstanding). The order becomes partly delivered or delivered; the customer gets an email."""
    order = _lock_order(order)
    if order.status not in (OrderStatus.CONFIRMED, OrderStatus.PARTLY_DELIVERED):
        raise ValidationError(_("Only a confirmed order that is not fully delivered can be shipped."))
    shipped_on = shipped_on or timezone.localdate()
    if delivered_on is not None and delivered_on < shipped_on:
        raise ValidationError({"delivered_on": _("The delivery date cannot be before the ship date.")})
    lines = {line.pk: line for line in order.lines.select_for_update()}
    shipped = []
    for line_id, value in quantities.items():
        line = lines.get(int(line_id))
        if line is None:
            raise ValidationError(_("That line is not on this order."))
        quantity = _quantity(value, field=f"line_{line.pk}")
        if quantity == 0:
            continue
        if quantity > line.outstanding_quantity:
            raise ValidationError(
                {
                    f"line_{line.pk}": _("At most %(n)s of %(line)s remain to be delivered.")
                    % {"n": line.outstanding_quantity, "line": line.description}
                }
            )
        shipped.append((line, quantity))
    if not shipped:
        raise ValidationError(_("Enter the quantity shipped of at least one line."))
    delivery = Delivery.objects.create(
        tenant=order.tenant,
        account=order.account,
        order=order,
        branch=order.branch,
        number=_number(tenant_id=order.tenant_id, sequence=DELIVERY_SEQUENCE, prefix="D"),
        carrier=carrier.strip(),
        tracking_number=tracking_number.strip(),
        shipped_on=shipped_on,
        delivered_on=delivered_on,
        proof_of_delivery=proof_of_delivery,
    )
    DeliveryLine.objects.bulk_create(
        DeliveryLine(delivery=delivery, order_line=line, quantity=q) for line, q in shipped
    )
    for line, quantity in shipped:
        OrderLine.objects.filter(pk=line.pk).update(delivered_quantity=F("delivered_quantity") + quantity)
    order.status = _delivery_status(order)
    order.save(update_fields=["status"])
    tracking = f"{delivery.carrier} {delivery.tracking_number}".strip()
    _event(
        order,
        "shipped",
        _("Delivery %(number)s shipped %(tracking)s") % {"number": delivery.number, "tracking": tracking},
        by=by,
    )
    transaction.on_commit(
        lambda: _send(
            record=delivery,
            template="delivery_shipped",
            subject=lambda: _("Order %(number)s has shipped") % {"number": order.number},
            url_route="delivery",
            to=_recipients(order, order.placed_by),
            order=order,
            lines=list(delivery.lines.select_related("order_line")),
        )
    )
    return delivery


@transaction.atomic
def delivery_update(
    *, delivery: Delivery, delivered_on: date | None = None, proof_of_delivery=None, by: User | None = None
) -> Delivery:
    """Staff note that a shipment arrived and/or attach its proof of delivery."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivered_on is not None:
        if delivered_on < delivery.shipped_on:
            raise ValidationError({"delivered_on": _("The delivery date cannot be before the ship date.")})
        delivery.delivered_on = delivered_on
    if proof_of_delivery is not None:
        delivery.proof_of_delivery = proof_of_delivery
    delivery.save(update_fields=["delivered_on", "proof_of_delivery"])
    _event(delivery.order, "delivered", _("Delivery %(number)s updated") % {"number": delivery.number}, by=by)
    return delivery


@transaction.atomic
def delivery_attach_proof(*, delivery: Delivery, file, by: User | None = None) -> Delivery:
    """Attach the proof of delivery (a checked upload) as a document of the account's own collection, where the
    customer's document rule finds it (``access.visible_documents``)."""
    documents.check_upload(file=file)
    collection = documents.account_collection(account=delivery.account)
    title = _("Proof of delivery %(number)s") % {"number": delivery.number}
    document = documents.document_create(collection=collection, title=title, file=file, user=by)
    return delivery_update(delivery=delivery, proof_of_delivery=document, by=by)


@transaction.atomic
def invoice_from_order(
    *,
    order: Order,
    number: str | None = None,
    issue: bool = True,
    due_in_days: int = 30,
    by: User | None = None,
) -> Invoice:
    """Invoice what has been delivered and not yet invoiced (one invoice line per order line), through the billing
    services: a draft, or issued (and emailed) with ``issue``. The order becomes invoiced once everything is."""
    order = _lock_order(order)
    if order.status in (OrderStatus.SUBMITTED, OrderStatus.CANCELLED, OrderStatus.INVOICED):
        raise ValidationError(_("This order has nothing delivered to invoice."))
    lines = list(order.lines.select_for_update())
    to_invoice = [(line, line.delivered_quantity - line.invoiced_quantity) for line in lines]
    to_invoice = [(line, q) for line, q in to_invoice if q > 0]
    if not to_invoice:
        raise ValidationError(_("Everything delivered on this order has been invoiced already."))
    if not number:
        number = f"{order.number}-{order.invoices.count() + 1}"
    if Invoice.objects.filter(tenant=order.tenant, number=number).exists():
        raise ValidationError({"number": _("This tenant already has an invoice with this number.")})
    today = timezone.localdate()
    notes = _("Order %(number)s") % {"number": order.number}
    if order.po_number:
        notes += " · " + _("PO %(po)s") % {"po": order.po_number}
    invoice = billing_services.invoice_create(
        account=order.account,
        number=number,
        lines=[
            {"description": f"{line.sku} {line.description}".strip(), "quantity": q, "unit_price": line.unit_price}
            for line, q in to_invoice
        ],
        due_date=today + timedelta(days=due_in_days),
        invoice_date=today,
        status=InvoiceStatus.DRAFT,
        notes=notes,
        currency=order.currency,
    )
    invoice.branch = order.branch
    invoice.save(update_fields=["branch"])
    if issue:
        invoice, _recipients_ = billing_services.invoice_issue(invoice=invoice, by=by)
    for line, quantity in to_invoice:
        OrderLine.objects.filter(pk=line.pk).update(invoiced_quantity=F("invoiced_quantity") + quantity)
    order.invoices.add(invoice)
    status = _delivery_status(order)
    if status != order.status:
        order.status = status
        order.save(update_fields=["status"])
    _event(order, "invoiced", _("Invoice %(number)s created") % {"number": invoice.number}, by=by)
    return invoice


# --- quotes ------------------------------------------------------------------------------------------------------


@transaction.atomic
def quote_request(
    *,
    account: Account,
    user: User | None,
    lines: Iterable[Mapping],
    notes: str = "",
    branch: Branch | None = None,
) -> Quote:
    """A request for quote: lines of a ``product`` of the catalogue or a free-text ``description``, with a
    ``quantity``. Staff price it (:func:`quote_price`) and send it (:func:`quote_send`)."""
    _check_branch(account=account, branch=branch)
    rows = []
    for line in lines:
        quantity = _quantity(line.get("quantity", 0))
        product = line.get("product")
        description = (line.get("description") or "").strip()
        if quantity == 0 and not description and product is None:
            continue
        if quantity == 0:
            raise ValidationError(_("Enter a quantity for every line you describe."))
        if product is not None and product.tenant_id != account.tenant_id:
            raise ValidationError(_("Choose products of the catalogue."))
        if product is None and not description:
            raise ValidationError(_("Describe what you need or choose a product."))
        rows.append((product, description or product.name, quantity))
    if not rows:
        raise ValidationError(_("Add at least one line to the quote request."))
    if len(rows) > MAX_LINES:
        raise ValidationError(_("A quote has at most %(max)s lines.") % {"max": MAX_LINES})
    tenant = account.tenant
    quote = Quote.objects.create(
        tenant=tenant,
        account=account,
        branch=branch,
        number=_number(tenant_id=tenant.pk, sequence=QUOTE_SEQUENCE, prefix="Q"),
        notes=notes.strip(),
        currency=tenant.currency,
        requested_by=user if user is not None and user.is_authenticated else None,
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(quote=quote, position=i, product=product, description=description[:255], quantity=quantity)
        for i, (product, description, quantity) in enumerate(rows)
    )
    transaction.on_commit(lambda: _email_staff(quote, kind="quote"))
    return quote


@transaction.atomic
def quote_price(
    *,
    quote: Quote,
    prices: Mapping[int, Decimal],
    valid_until: date,
    terms: str = "",
    by: User | None = None,
) -> Quote:
    """Staff price a quote: a unit price for each line (``prices`` by line id), how long it is valid, its terms."""
    quote = _lock_quote(quote)
    if quote.status not in (QuoteStatus.REQUESTED, QuoteStatus.SENT):
        raise ValidationError(_("An accepted or declined quote cannot be changed."))
    if valid_until is None or valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("A quote must be valid until today or later.")})
    total = ZERO
    for line in quote.lines.select_for_update():
        price = prices.get(line.pk, line.unit_price)
        if price is None:
            raise ValidationError({f"price_{line.pk}": _("Price every line.")})
        if price < 0:
            raise ValidationError({f"price_{line.pk}": _("A price cannot be negative.")})
        line.unit_price = quantize(price, quote.currency)
        line.line_total = quantize(line.quantity * line.unit_price, quote.currency)
        line.save(update_fields=["unit_price", "line_total"])
        total += line.line_total
    quote.valid_until = valid_until
    quote.terms = terms.strip()
    quote.total = quantize(total, quote.currency)
    quote.save(update_fields=["valid_until", "terms", "total"])
    return quote


@transaction.atomic
def quote_send(*, quote: Quote, by: User | None = None) -> Quote:
    """Send a priced quote to the customer (email); it can then be accepted until its valid-until date."""
    quote = _lock_quote(quote)
    if quote.status not in (QuoteStatus.REQUESTED, QuoteStatus.SENT):
        raise ValidationError(_("An accepted or declined quote cannot be sent."))
    if quote.valid_until is None or quote.lines.filter(unit_price__isnull=True).exists():
        raise ValidationError(_("Price every line and set the valid-until date before sending the quote."))
    if quote.is_expired():
        raise ValidationError({"valid_until": _("A quote must be valid until today or later.")})
    quote.status = QuoteStatus.SENT
    quote.sent_at = timezone.now()
    quote.save(update_fields=["status", "sent_at"])
    transaction.on_commit(
        lambda: _send(
            record=quote,
            template="quote_sent",
            subject=lambda: (
                _("Quote %(number)s from %(tenant)s") % {"number": quote.number, "tenant": quote.tenant.name}
            ),
            url_route="quote",
            to=_recipients(quote, quote.requested_by),
        )
    )
    return quote


def _answerable(quote: Quote) -> None:
    if quote.status != QuoteStatus.SENT:
        raise ValidationError(_("This quote has already been answered or is not ready yet."))
    if quote.is_expired():
        raise ValidationError(
            _("This quote expired on %(date)s and can no longer be accepted.") % {"date": quote.valid_until}
        )


@transaction.atomic
def quote_accept(*, quote: Quote, user: User | None, po_number: str = "") -> Order:
    """The customer accepts a sent, unexpired quote: it becomes an order with the quote's lines and prices."""
    quote = _lock_quote(quote)
    _answerable(quote)
    order = order_submit(
        account=quote.account,
        user=user,
        branch=quote.branch,
        po_number=po_number,
        notes=_("From quote %(number)s") % {"number": quote.number},
        quote=quote,
        lines=[
            {
                "description": line.description,
                "sku": line.product.sku if line.product_id else "",
                "unit": line.product.unit if line.product_id else "",
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for line in quote.lines.select_related("product")
        ],
    )
    quote.status = QuoteStatus.ACCEPTED
    quote.accepted_at = timezone.now()
    quote.save(update_fields=["status", "accepted_at"])
    return order


@transaction.atomic
def quote_decline(*, quote: Quote, user: User | None, reason: str) -> Quote:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell us why you decline the quote.")})
    quote = _lock_quote(quote)
    _answerable(quote)
    quote.status = QuoteStatus.DECLINED
    quote.declined_at = timezone.now()
    quote.decline_reason = reason[:500]
    quote.save(update_fields=["status", "declined_at", "decline_reason"])
    return quote


__all__ = [
    "OPEN_ORDER_STATUSES",
    "delivery_attach_proof",
    "delivery_record",
    "delivery_update",
    "invoice_from_order",
    "order_adjust_line",
    "order_cancel",
    "order_confirm",
    "order_recalculate",
    "order_submit",
    "product_prices",
    "quote_accept",
    "quote_decline",
    "quote_price",
    "quote_request",
    "quote_send",
    "ship_to_of",
]
