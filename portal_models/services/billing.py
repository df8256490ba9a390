"""Writes to invoices and payments. Totals are computed here, in one place (:func:`invoice_totals`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Func, Q, Subquery, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django_tasks import task

from portal_models.changes import invoice_changed
from portal_models.models import (
    Account,
    Contact,
    CreditMemo,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentReminder,
    Tenant,
    User,
)
from portal_models.models.audit import SecurityEventType
from portal_models.models.billing import PAYABLE_STATUSES
from portal_models.money import ZERO, currency_choices, quantize
from portal_models.selectors.admin_dashboard import accounts_with_collection_figures
from portal_models.selectors.billing import billing_contact_emails, invoices_overdue
from portal_models.services import outgoing_webhooks as webhooks
from portal_models.services.audit import security_event_record
from portal_models.services.emails import account_portal_url, send_branded_email

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
    sums = (
        Invoice.objects.filter(pk=invoice.pk)
        .values(credits=_sum_of(CreditMemo.objects.filter(invoice=invoice.pk)), paid=_sum_of(_counted(invoice)))
        .get()
    )
    credits = sums["credits"] or ZERO
    paid = sums["paid"] or ZERO
    total = quantize(subtotal - credits, cur)
    due = max(quantize(total - paid, cur), ZERO)
    return InvoiceTotals(subtotal, quantize(credits, cur), total, quantize(paid, cur), due)


def _counted(invoice: Invoice):
    """The allocations that count as paid on ``invoice``."""
    return PaymentAllocation.objects.filter(invoice=invoice.pk, payment__status__in=COUNTED_PAYMENT_STATUSES)


def _sum_of(rows) -> Subquery:
    """SUM(amount) of ``rows`` as a scalar subquery (both sums of :func:`invoice_totals` in one query)."""
    return Subquery(rows.order_by().values(s=Func("amount", function="SUM")))


# What invoice_recalculate derives and stores; with payments_only, only the last four.
TOTALS_FIELDS = ("subtotal", "credit_total", "total", "amount_paid", "amount_due", "status", "updated_at")
PAYMENT_TOTALS_FIELDS = TOTALS_FIELDS[3:]


def invoice_recalculate(
    *, invoice: Invoice, fields: Iterable[str] = (), account_bumped: bool = False, payments_only: bool = False
) -> Invoice:
    """Store line totals, invoice totals and the derived status (drafts and voids keep theirs).

    Writes the derived fields (:data:`TOTALS_FIELDS`) and ``fields``, other fields the caller set on ``invoice``.
    ``account_bumped``: the caller has already bumped the account's cache ``data_version`` in the current
    transaction (a row of the account was just saved: the Payment in :func:`payment_record_locked`, the fee line
    in :func:`invoice_add_fee_line`), so the invoice is written with a queryset update, which sends no
    ``post_save`` and so no second bump of the same counter.
    ``payments_only``: only the invoice's payments changed (an allocation was added); its lines and credit memos
    did not, so its stored total stands and only what is paid, what is due and the status are derived again,
    from one query (:data:`PAYMENT_TOTALS_FIELDS`). ``invoice`` must be the row locked in this transaction.
    """
    if account_bumped and not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("account_bumped is only true inside the bump's transaction.")
    if payments_only:
        paid = quantize(_counted(invoice).aggregate(s=Sum("amount"))["s"] or ZERO, invoice.currency)
        totals = InvoiceTotals(
            invoice.subtotal, invoice.credit_total, invoice.total, paid, max(invoice.total - paid, ZERO)
        )
        derived = PAYMENT_TOTALS_FIELDS
    else:
        lines = list(invoice.lines.order_by())  # in no particular order (no sort)
        for line in lines:
            expected = quantize(line.quantity * line.unit_price, invoice.currency)
            if line.line_total != expected:
                line.line_total = expected
                if invoice.status == InvoiceStatus.DRAFT:  # an issued invoice's lines are stored once, as issued
                    line.save(update_fields=["line_total"])
        totals = invoice_totals(invoice=invoice, lines=lines)
        invoice.subtotal = totals.subtotal
        invoice.credit_total = totals.credit_total
        invoice.total = totals.total
        derived = TOTALS_FIELDS
    invoice.amount_paid = totals.amount_paid
    invoice.amount_due = ZERO if invoice.status == InvoiceStatus.VOID else totals.amount_due  # void owes nothing
    if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
        if totals.amount_due == ZERO and totals.total > ZERO:
            invoice.status = InvoiceStatus.PAID
        elif totals.amount_paid > ZERO:
            invoice.status = InvoiceStatus.PARTIALLY_PAID
        else:
            invoice.status = InvoiceStatus.OPEN
    invoice.updated_at = timezone.now()
    update_fields = [*derived, *(name for name in fields if name not in derived)]
    if account_bumped:
        Invoice.objects.filter(pk=invoice.pk).update(**{name: getattr(invoice, name) for name in update_fields})
    else:
        invoice.save(update_fields=update_fields)
    if invoice.status != InvoiceStatus.DRAFT:
        invoice_changed.send(sender=Invoice, invoice=invoice)  # its PDF is rendered again, off the request
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
    currency: str | None = None,
) -> Invoice:
    """Create an invoice with its lines; ``lines`` are mappings of description, quantity, unit_price.

    ``currency``: an ISO 4217 code, the tenant's by default. An invoice created issued (not a draft) keeps its
    bill-to and seller details from now on (:func:`invoice_snapshot`).
    """
    currency = (currency or account.tenant.currency).upper()
    currency_check(currency=currency)
    invoice = Invoice(
        tenant=account.tenant,
        account=account,
        number=number,
        status=status,
        invoice_date=invoice_date or timezone.localdate(),
        due_date=due_date,
        terms=terms,
        currency=currency,
        notes=notes,
    )
    if status != InvoiceStatus.DRAFT:  # a draft adds nothing to the balance until it is issued
        invoice.currency_check_balance()
        invoice_snapshot(invoice=invoice)
    invoice.save()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=i,
            description=line["description"],
            quantity=(quantity := Decimal(line.get("quantity", 1))),
            unit_price=(price := Decimal(line["unit_price"])),
            line_total=quantize(quantity * price, currency),
            kind=line.get("kind", InvoiceLine.Kind.ITEM),
        )
        for i, line in enumerate(lines)
    )
    return invoice_recalculate(invoice=invoice)


def currency_check(*, currency: str) -> str:
    if currency not in dict(currency_choices()):
        raise ValidationError({"currency": _("Choose a currency from the list (ISO 4217).")})
    return currency


def account_bill_to_address(account: Account) -> str:
    """The account's postal address as printed on an invoice, one line per part."""
    city = " ".join(part for part in (account.state, account.postal_code) if part)
    city = ", ".join(part for part in (account.city, city) if part)
    parts = (account.address_1, account.address_2, account.address_3, city, account.country)
    return "\n".join(part for part in parts if part)


SNAPSHOT_FIELDS = ("issued_at", "bill_to_name", "bill_to_address", "seller_name", "seller_email")


def invoice_snapshot(*, invoice: Invoice) -> Invoice:
    """Keep on the invoice, at issue, who it is billed to and who sells (printed from here afterwards)."""
    invoice.issued_at = timezone.now()
    invoice.bill_to_name = invoice.account.name
    invoice.bill_to_address = account_bill_to_address(invoice.account)
    invoice.seller_name = invoice.tenant.name
    invoice.seller_email = invoice.tenant.support_email
    return invoice


def invoice_add_fee_line(*, invoice: Invoice, amount: Decimal, description: str | None = None) -> InvoiceLine:
    """Add the card convenience fee as a line ("Credit Card Fee", as on seed 000's invoice)."""
    with transaction.atomic(savepoint=False):  # the line's data_version bump covers the invoice's new totals
        position = (invoice.lines.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        line = InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            kind=InvoiceLine.Kind.CARD_FEE,
            description=description or _("Credit Card Fee"),
            quantity=Decimal("1"),
            unit_price=amount,
            line_total=quantize(amount, invoice.currency),  # as invoice_recalculate stores it: no second write
        )
        invoice_recalculate(invoice=invoice, account_bumped=True)
    return line


def credit_memo_apply(
    *, invoice: Invoice, number: str, amount: Decimal, reason: str, date: date | None = None
) -> CreditMemo:
    """Credit an issued, open invoice (the correction of an issued invoice): a number not used by the tenant, a
    reason, an amount above zero and at most what is due, dated today or earlier. Errors name their field."""
    number = (number or "").strip()
    reason = (reason or "").strip()
    date = date or timezone.localdate()
    errors = {}
    if not number:
        errors["number"] = _("Enter the credit memo number.")
    if not reason:
        errors["reason"] = _("Say why the invoice is credited.")
    if date > timezone.localdate():
        errors["date"] = _("A credit memo cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            invoice = Invoice.objects.select_for_update().select_related("tenant", "account").get(pk=invoice.pk)
            if invoice.status not in PAYABLE_STATUSES:
                raise ValidationError({"invoice": _("Only an issued invoice that is still open can be credited.")})
            amount = quantize(Decimal(amount), invoice.currency)
            if amount <= ZERO or amount > invoice.amount_due:
                raise ValidationError({"amount": _("A credit must be more than zero and at most the amount due.")})
            if CreditMemo.objects.filter(tenant=invoice.tenant, number=number).exists():
                raise ValidationError({"number": _("This tenant already has a credit memo with this number.")})
            memo = CreditMemo.objects.create(
                tenant=invoice.tenant,
                account=invoice.account,
                invoice=invoice,
                number=number,
                amount=amount,
                reason=reason,
                date=date,
            )
            invoice_recalculate(invoice=invoice)
    except IntegrityError:  # the same number, saved meanwhile by someone else
        raise ValidationError({"number": _("This tenant already has a credit memo with this number.")}) from None
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
    amount: Decimal,
    invoices: Iterable[Invoice] | None = None,
    allocations: Mapping[Invoice, Decimal] | None = None,
    **fields,
) -> Payment:
    """Record a payment and allocate it to invoices of the same account (explicitly, or oldest first).

    Invoices are locked (``select_for_update``) so two payments cannot both pay the same amount due. ``fields``
    (``method``, ``payer``, ``reference``, ...) are those of :func:`payment_record_locked`.
    """
    amount = payment_amount_check(account=account, amount=amount)
    if allocations is not None:
        ids = [inv.pk for inv in allocations]
    elif invoices is not None:
        ids = [inv.pk for inv in invoices]
    else:
        ids = list(Invoice.objects.filter(account=account).payable().values_list("pk", flat=True))
    locked = invoices_lock(account=account, ids=ids)
    if len(locked) != len(set(ids)):
        raise ValidationError({"invoices": _("Only open invoices of this account can be paid.")})
    if allocations is not None:
        plan = {locked[inv.pk]: part for inv, part in allocations.items()}
    else:
        plan = allocate_oldest_first(invoices=locked.values(), amount=amount)
    return payment_record_locked(account=account, amount=amount, allocations=plan, **fields)


def payment_amount_check(*, account: Account, amount: Decimal, currency: str | None = None) -> Decimal:
    """``amount`` quantized in ``currency`` (the account's by default); more than zero or a ValidationError."""
    amount = quantize(Decimal(amount), currency or account.tenant.currency)
    if amount <= ZERO:
        raise ValidationError({"amount": _("Enter an amount greater than zero.")})
    return amount


def invoices_lock(*, account: Account, ids: Iterable[int]) -> dict[int, Invoice]:
    """The open invoices of ``account`` among ``ids``, by pk, locked (``select_for_update``, in pk order so that
    concurrent payments lock in the same order) until the current transaction ends."""
    return {
        inv.pk: inv
        for inv in Invoice.objects.select_for_update()
        .filter(pk__in=ids, account=account, status__in=PAYABLE_STATUSES)
        .order_by("pk")
    }


def payment_record_locked(
    *,
    account: Account,
    method: str,
    amount: Decimal,
    allocations: Mapping[Invoice, Decimal],
    received_at=None,
    reference: str = "",
    payer_name: str = "",
    payer: User | None = None,
    recorded_by: User | None = None,
    status: str = Payment.Status.SUCCEEDED,
    notes: str = "",
    **extra,
) -> Payment:
    """The part of :func:`payment_record` after the invoices are locked, for callers that lock them themselves
    (:func:`invoices_lock`) in their own transaction (the Stripe webhook): no savepoint, no second lock.

    ``allocations`` map invoices of ``account`` locked in the current transaction to what is paid on each.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("payment_record_locked needs the invoices' transaction.")
    currencies = {inv.currency for inv in allocations} or {account.tenant.currency}
    if len(currencies) > 1:
        raise ValidationError({"invoices": _("One payment pays invoices of one currency only.")})
    (currency,) = currencies
    amount = payment_amount_check(account=account, amount=amount, currency=currency)
    plan = {inv: quantize(Decimal(part), currency) for inv, part in allocations.items()}
    if any(inv.status not in PAYABLE_STATUSES for inv in plan):
        raise ValidationError({"invoices": _("Only open invoices of this account can be paid.")})
    if any(inv.account_id != account.pk or part <= ZERO or part > inv.amount_due for inv, part in plan.items()):
        raise ValidationError({"amount": _("Each allocation must be positive and at most the amount due.")})
    if sum(plan.values(), ZERO) > amount:
        raise ValidationError({"amount": _("The allocations exceed the payment amount.")})
    received_at = received_at or timezone.now()
    if isinstance(received_at, str):
        received_at = parse_datetime(received_at) or timezone.now()
    if received_at > timezone.now():
        raise ValidationError({"received_on": _("A payment cannot be received in the future.")})
    # Its post_save bumps the account's cache data_version in this transaction, for the allocations and the
    # invoices below too (all of this account): they are written without a second bump.
    payment = Payment.objects.create(
        tenant=account.tenant,
        account=account,
        method=method,
        status=status,
        amount=amount,
        currency=currency,
        received_at=received_at,
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
    for inv in plan:  # only allocations were added to the locked invoices
        invoice_recalculate(invoice=inv, account_bumped=True, payments_only=True)
    security_event_record(
        event=SecurityEventType.PAYMENT_RECORDED,
        account=account,
        user=payer,
        actor=recorded_by,
        details={
            "payment_id": payment.pk,
            "payment_number": payment.display_number,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "method": payment.method,
            "status": payment.status,
            "invoices": [inv.number for inv in plan],
            "stripe_payment_intent_id": payment.stripe_payment_intent_id or "",
        },
    )
    webhooks.payment_event_emit(payment=payment, event=webhooks.WebhookEvent.PAYMENT_RECORDED)
    return payment


@transaction.atomic
def invoice_void(*, invoice: Invoice, reason: str) -> Invoice:
    """Void an invoice (a correction of an issued one, with its reason): it owes nothing from now on and takes
    no payment or credit. One with payments counted on it cannot be voided."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the invoice is voided.")})
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_("This invoice is already void."))
    if invoice.amount_paid > ZERO:
        raise ValidationError(_("An invoice with payments cannot be voided; refund the payments first."))
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = timezone.now()
    invoice.void_reason = reason[:255]
    return invoice_recalculate(invoice=invoice, fields=["voided_at", "void_reason"])


@transaction.atomic
def invoice_reissue(*, invoice: Invoice, number: str, reason: str) -> Invoice:
    """Void ``invoice`` with ``reason`` and make a draft copy of it under ``number`` (its lines, except a card
    fee), to be corrected and issued: void and reissue, in one transaction (both happen or neither)."""
    number = (number or "").strip()
    if not number:
        raise ValidationError({"reissue_number": _("Give the new invoice a number.")})
    if Invoice.objects.filter(tenant_id=invoice.tenant_id, number=number).exists():
        raise ValidationError({"reissue_number": _("This tenant already has an invoice with this number.")})
    with transaction.atomic():
        return _invoice_void_and_copy(invoice=invoice, number=number, reason=reason)


def _invoice_void_and_copy(*, invoice: Invoice, number: str, reason: str) -> Invoice:
    invoice = invoice_void(invoice=invoice, reason=reason)
    return invoice_create(
        account=invoice.account,
        number=number,
        lines=[
            {"description": line.description, "quantity": line.quantity, "unit_price": line.unit_price}
            for line in invoice.lines.all()
            if line.kind == InvoiceLine.Kind.ITEM
        ],
        due_date=invoice.due_date,
        invoice_date=timezone.localdate(),
        terms=invoice.terms,
        status=InvoiceStatus.DRAFT,
        notes=invoice.notes,
        currency=invoice.currency,
    )


def payment_lock(*, payment: Payment) -> tuple[Payment, list[Invoice]]:
    """Lock a recorded payment for a change (a refund, a reversal, a dispute) in the payments' lock order: the
    invoices it pays first (pk order, as a payment being recorded locks them), then the payment's row. Taking the
    payment first would deadlock with the webhook recording a payment of the same invoices.

    The invoices are read before they are locked; an allocation only ever leaves a payment under the payment's
    lock, so what is locked covers every invoice the payment pays when its row is locked."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("payment_lock needs the caller's transaction.")
    ids = list(PaymentAllocation.objects.filter(payment=payment.pk).values_list("invoice_id", flat=True))
    invoices = list(Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    locked = Payment.objects.select_for_update(of=("self",)).select_related("account", "tenant").get(pk=payment.pk)
    return locked, invoices


def payment_reverse(*, payment: Payment, reason: str, by: User | None = None) -> Payment:
    """Reverse a manual payment (a bounced check): it no longer counts, and the invoices it paid are open again
    for what it had paid on them. Card payments are refunded instead (services.payments)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the payment is reversed (for example: the check bounced).")})
    with transaction.atomic():
        payment, invoices = payment_lock(payment=payment)
        if not payment.is_reversible:
            raise ValidationError(_("Only a succeeded check, bank transfer or cash payment can be reversed."))
        payment.status = Payment.Status.REVERSED
        payment.reversed_at = timezone.now()
        payment.reversed_by = by
        payment.reversal_reason = reason[:255]
        payment.save(update_fields=["status", "reversed_at", "reversed_by", "reversal_reason"])
        for invoice in invoices:
            invoice_recalculate(invoice=invoice, account_bumped=True, payments_only=True)
        security_event_record(
            event=SecurityEventType.PAYMENT_RECORDED,
            account=payment.account,
            user=None,
            actor=by,
            details={
                "payment_id": payment.pk,
                "payment_number": payment.display_number,
                "amount": str(payment.amount),
                "currency": payment.currency,
                "status": payment.status,
                "reason": payment.reversal_reason,
                "invoices": [invoice.number for invoice in invoices],
            },
        )
    return payment


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
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_("A void invoice cannot be issued."))
    if not invoice.lines.exists():
        raise ValidationError(_("Add at least one line before issuing the invoice."))
    invoice.currency_check_balance()
    if invoice.status == InvoiceStatus.DRAFT:
        invoice.status = InvoiceStatus.OPEN
        invoice_snapshot(invoice=invoice)
    invoice = invoice_recalculate(invoice=invoice, fields=SNAPSHOT_FIELDS)
    recipients = billing_contact_emails(account=invoice.account)
    if recipients:
        context = {
            "invoice": invoice,
            "account": invoice.account,
            "invoice_url": account_portal_url(invoice.account, "invoice", pk=invoice.pk),
        }
        send_branded_email(tenant=invoice.tenant, to=recipients, template="invoice_issued", context=context)
    return invoice, recipients


# --- Payment reminders (staff chase overdue accounts) -----------------------------------------------------------

# A second reminder within this time is refused: a double click or a resubmitted form sends one email, not two.
REMINDER_RESEND_AFTER = timedelta(minutes=10)


def payment_reminder_send(
    *, account: Account, sent_by: User | None = None, automatic: bool = False, today: date | None = None
) -> PaymentReminder:
    """Email the account's billing contacts a reminder of its overdue invoices, with a link to pay them in the
    portal, and record it in the account's reminder history. Raises ValidationError (and sends nothing) when the
    account has nothing overdue, no billing contact with an email address, or was reminded moments ago."""

    today = today or timezone.localdate()
    with transaction.atomic():
        # One reminder at a time per account: a concurrent second request waits here, then sees the first. The
        # lock is held only for these checks, not while the mail server is talked to.
        account = Account.objects.select_for_update().select_related("tenant").get(pk=account.pk)
        invoices = invoices_overdue(account=account, today=today)
        if not invoices:
            raise ValidationError(_("%(account)s has no overdue invoices.") % {"account": account})
        recipients = billing_contact_emails(account=account)
        if not recipients:
            raise ValidationError(
                _("%(account)s has no billing (AP) contact with an email address: add one to its contacts first.")
                % {"account": account}
            )
        last = account.payment_reminders.first()
        if last is not None and last.sent_at > timezone.now() - REMINDER_RESEND_AFTER:
            raise ValidationError(
                _("A reminder was sent to %(account)s at %(time)s; it was not sent again.")
                % {"account": account, "time": timezone.localtime(last.sent_at).strftime("%H:%M")}
            )
        amount = sum((invoice.amount_due for invoice in invoices), ZERO)
        reminder = PaymentReminder.objects.create(
            account=account,
            sent_by=sent_by,
            automatic=automatic,
            recipients=recipients,
            invoice_numbers=[invoice.number for invoice in invoices],
            amount_overdue=amount,
            currency=account.tenant.currency,
        )
    try:
        send_branded_email(
            tenant=account.tenant,
            to=recipients,
            template="payment_reminder",
            context={
                "account": account,
                "invoices": invoices,
                "amount": amount,
                "currency": account.tenant.currency,
                "pay_url": account_portal_url(account, "invoices", {"status": "overdue"}),
            },
        )
    except Exception:
        reminder.delete()  # the mail server refused it: it was not sent, so it is not in the history
        raise
    return reminder


@dataclass
class ReminderRun:
    sent: list = dataclasses.field(default_factory=list)  # the PaymentReminders sent
    skipped: list = dataclasses.field(default_factory=list)  # (account, why) of accounts due a reminder that got none


def payment_reminders_send_due(*, today: date | None = None) -> ReminderRun:
    """The automatic reminders (run once a day): each account with overdue invoices, of a tenant that reminds
    every N days (``Tenant.reminder_every_days``), whose last reminder, by staff or by this run, is N days old or
    more (or that never had one). An account without a billing email is skipped and reported."""
    today = today or timezone.localdate()
    run = ReminderRun()
    for tenant in Tenant.objects.filter(reminder_every_days__gt=0).order_by("name"):
        not_since = timezone.now() - timedelta(days=tenant.reminder_every_days)
        due = (
            accounts_with_collection_figures(
                Account.objects.filter(tenant=tenant, is_active=True).order_by("name"), today=today
            )
            .filter(overdue_amount__gt=0)
            .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=not_since))
        )
        for account in due:
            try:
                run.sent.append(payment_reminder_send(account=account, automatic=True, today=today))
            except ValidationError as exc:
                run.skipped.append((account, " ".join(exc.messages)))
    return run


@task()
def payment_reminders_task() -> int:
    """django-tasks entry point (run daily by the worker, or `manage.py send_payment_reminders`)."""
    return len(payment_reminders_send_due().sent)
