"""Writes to invoices and payments. Totals are computed here, in one place (:func:`invoice_totals`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal_models.models import (
    Account,
    CreditMemo,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    User,
)
from portal_models.models.audit import SecurityEventType
from portal_models.models.billing import PAYABLE_STATUSES
from portal_models.money import ZERO, quantize
from portal_models.services.audit import security_event_record

COUNTED_PAYMENT_STATUSES = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED)


@dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Decimal
    credit_total: Decimal
    total: Decimal
    amount_paid: Decimal
    amount_due: Decimal


def invoice_totals(*, invoice: Invoice, lines: list[InvoiceLine] | None = None) -> InvoiceTotals:
    """Subtotal, credits, total, paid and due of an invoice, from its lines, credit memos and allocations."""
    cur = invoice.currency
    lines = invoice.lines.all() if lines is None else lines
    subtotal = sum((quantize(line.quantity * line.unit_price, cur) for line in lines), ZERO)
    credits = invoice.credit_memos.aggregate(s=Sum("amount"))["s"] or ZERO
    paid = (
        invoice.allocations.filter(payment__status__in=COUNTED_PAYMENT_STATUSES).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    total = quantize(subtotal - credits, cur)
    due = max(quantize(total - paid, cur), ZERO)
    return InvoiceTotals(subtotal, quantize(credits, cur), total, quantize(paid, cur), due)


def invoice_recalculate(*, invoice: Invoice) -> Invoice:
    """Store line totals, invoice totals and the derived status (drafts and voids keep theirs)."""
    lines = list(invoice.lines.all())
    for line in lines:
        expected = quantize(line.quantity * line.unit_price, invoice.currency)
        if line.line_total != expected:
            line.line_total = expected
            line.save(update_fields=["line_total"])
    totals = invoice_totals(invoice=invoice, lines=lines)
    invoice.subtotal = totals.subtotal
    invoice.credit_total = totals.credit_total
    invoice.total = totals.total
    invoice.amount_paid = totals.amount_paid
    invoice.amount_due = totals.amount_due
    if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
        if totals.amount_due == ZERO and totals.total > ZERO:
            invoice.status = InvoiceStatus.PAID
        elif totals.amount_paid > ZERO:
            invoice.status = InvoiceStatus.PARTIALLY_PAID
        else:
            invoice.status = InvoiceStatus.OPEN
    invoice.save()
    return invoice


@transaction.atomic
def invoice_create(
    *,
    account: Account,
    number: str,
    lines: Iterable[Mapping],
    due_date: date,
    invoice_date: date | None = None,
    terms: str = "Net 30",
    status: str = InvoiceStatus.OPEN,
    notes: str = "",
) -> Invoice:
    """Create an invoice with its lines; ``lines`` are mappings of description, quantity, unit_price."""
    invoice = Invoice.objects.create(
        tenant=account.tenant,
        account=account,
        number=number,
        status=status,
        invoice_date=invoice_date or timezone.localdate(),
        due_date=due_date,
        terms=terms,
        currency=account.tenant.currency,
        notes=notes,
        issued_at=timezone.now() if status != InvoiceStatus.DRAFT else None,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=i,
            description=line["description"],
            quantity=Decimal(line.get("quantity", 1)),
            unit_price=Decimal(line["unit_price"]),
            kind=line.get("kind", InvoiceLine.Kind.ITEM),
        )
        for i, line in enumerate(lines)
    )
    return invoice_recalculate(invoice=invoice)


def invoice_add_fee_line(*, invoice: Invoice, amount: Decimal, description: str | None = None) -> InvoiceLine:
    """Add the card convenience fee as a line ("Credit Card Fee", as on seed 000's invoice)."""
    position = (invoice.lines.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    line = InvoiceLine.objects.create(
        invoice=invoice,
        position=position,
        kind=InvoiceLine.Kind.CARD_FEE,
        description=description or _("Credit Card Fee"),
        quantity=Decimal("1"),
        unit_price=amount,
    )
    invoice_recalculate(invoice=invoice)
    return line


@transaction.atomic
def credit_memo_apply(*, invoice: Invoice, number: str, amount: Decimal, reason: str = "") -> CreditMemo:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if amount <= ZERO or amount > invoice.amount_due:
        raise ValidationError({"amount": _("A credit must be more than zero and at most the amount due.")})
    memo = CreditMemo.objects.create(
        tenant=invoice.tenant, account=invoice.account, invoice=invoice, number=number, amount=amount, reason=reason
    )
    invoice_recalculate(invoice=invoice)
    return memo


def allocate_oldest_first(*, invoices: Iterable[Invoice], amount: Decimal) -> dict[Invoice, Decimal]:
    """Spread ``amount`` over invoices, oldest due first; what cannot be placed raises."""
    remaining = amount
    plan: dict[Invoice, Decimal] = {}
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.pk)):
        if remaining <= ZERO:
            break
        part = min(invoice.amount_due, remaining)
        if part > ZERO:
            plan[invoice] = part
            remaining -= part
    if remaining > ZERO:
        raise ValidationError({"amount": _("The amount is more than what is due on the chosen invoices.")})
    return plan


@transaction.atomic
def payment_record(
    *,
    account: Account,
    method: str,
    amount: Decimal,
    invoices: Iterable[Invoice] | None = None,
    allocations: Mapping[Invoice, Decimal] | None = None,
    received_at=None,
    reference: str = "",
    payer_name: str = "",
    payer: User | None = None,
    recorded_by: User | None = None,
    status: str = Payment.Status.SUCCEEDED,
    notes: str = "",
    **extra,
) -> Payment:
    """Record a payment and allocate it to invoices of the same account (explicitly, or oldest first).

    Invoices are locked (``select_for_update``) so two payments cannot both pay the same amount due.
    """
    amount = quantize(Decimal(amount), account.tenant.currency)
    if amount <= ZERO:
        raise ValidationError({"amount": _("Enter an amount greater than zero.")})
    if allocations is not None:
        ids = [inv.pk for inv in allocations]
    elif invoices is not None:
        ids = [inv.pk for inv in invoices]
    else:
        ids = list(Invoice.objects.filter(account=account).payable().values_list("pk", flat=True))
    locked = {
        inv.pk: inv
        for inv in Invoice.objects.select_for_update().filter(pk__in=ids, account=account, status__in=PAYABLE_STATUSES)
    }
    if len(locked) != len(set(ids)):
        raise ValidationError({"invoices": _("Only open invoices of this account can be paid.")})
    if allocations is not None:
        plan = {locked[inv.pk]: quantize(Decimal(part)) for inv, part in allocations.items()}
        if any(part <= ZERO or part > inv.amount_due for inv, part in plan.items()):
            raise ValidationError({"amount": _("Each allocation must be positive and at most the amount due.")})
        if sum(plan.values(), ZERO) > amount:
            raise ValidationError({"amount": _("The allocations exceed the payment amount.")})
    else:
        plan = allocate_oldest_first(invoices=locked.values(), amount=amount)
    payment = Payment.objects.create(
        tenant=account.tenant,
        account=account,
        method=method,
        status=status,
        amount=amount,
        currency=account.tenant.currency,
        received_at=received_at or timezone.now(),
        reference=reference,
        payer_name=payer_name,
        payer=payer,
        recorded_by=recorded_by,
        notes=notes,
        **extra,
    )
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(payment=payment, invoice=inv, amount=part) for inv, part in plan.items()
    )
    for inv in plan:
        invoice_recalculate(invoice=inv)
    security_event_record(
        event=SecurityEventType.PAYMENT_RECORDED,
        account=account,
        user=payer,
        actor=recorded_by,
        details={
            "payment_id": payment.pk,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "method": payment.method,
            "status": payment.status,
            "invoices": [inv.number for inv in plan],
            "stripe_payment_intent_id": payment.stripe_payment_intent_id or "",
        },
    )
    return payment


@transaction.atomic
def invoice_void(*, invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.amount_paid > ZERO:
        raise ValidationError(_("An invoice with payments cannot be voided; refund the payments first."))
    invoice.status = InvoiceStatus.VOID
    return invoice_recalculate(invoice=invoice)


ACCOUNT_ADDRESS_FIELDS = ("address_1", "address_2", "address_3", "city", "state", "postal_code", "country")
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "email",
    "business_phone",
    "cell_phone",
    "address_1",
    "address_2",
    "city",
    "state",
    "postal_code",
    "country",
    "notes",
    "is_main",
    "is_billing",
    "is_technical",
)


def account_update_address(*, account: Account, data: Mapping) -> Account:
    """The owner edits the company address on record (only the address fields change)."""
    fields = [f for f in ACCOUNT_ADDRESS_FIELDS if f in data]
    fresh = Account.objects.get(pk=account.pk)  # validate a copy: bad input leaves ``account`` untouched
    for field in fields:
        setattr(fresh, field, data[field])
    fresh.full_clean()
    fresh.save(update_fields=fields)
    for field in fields:
        setattr(account, field, getattr(fresh, field))
    return account


def contact_save(*, account: Account, data: Mapping, contact=None):
    """Create or update a contact of ``account`` (record fields and roles only, never portal rights)."""
    from portal_models.models import Contact

    if contact is None:
        contact = Contact(account=account)
    elif contact.account_id != account.pk:
        raise ValidationError(_("This contact belongs to another account."))
    for field in CONTACT_FIELDS:
        if field in data:
            setattr(contact, field, data[field])
    contact.full_clean()
    contact.save()
    return contact


def invoice_issue(*, invoice: Invoice, by: User | None = None) -> tuple[Invoice, list[str]]:
    """Issue an invoice: a draft becomes open, and its billing contacts get it by email.

    Returns the invoice and the addresses it was sent to.
    """
    from django.template.loader import render_to_string

    from portal_models.models import Contact

    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_("A void invoice cannot be issued."))
    if not invoice.lines.exists():
        raise ValidationError(_("Add at least one line before issuing the invoice."))
    if invoice.status == InvoiceStatus.DRAFT:
        invoice.status = InvoiceStatus.OPEN
    invoice.issued_at = timezone.now()
    invoice = invoice_recalculate(invoice=invoice)
    recipients = list(
        Contact.objects.filter(account=invoice.account, is_billing=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        from portal_models.services.emails import send_plain_email

        context = {"invoice": invoice, "tenant": invoice.tenant, "account": invoice.account}
        send_plain_email(
            tenant=invoice.tenant,
            to=recipients,
            reply_to=[invoice.tenant.support_email],
            build=lambda: (
                _("Invoice %(number)s from %(tenant)s") % {"number": invoice.number, "tenant": invoice.tenant.name},
                render_to_string("theme/portal/billing/email_invoice.txt", context),
            ),
        )
    return invoice, recipients
