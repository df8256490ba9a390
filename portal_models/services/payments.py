"""Online card payments: fee policy, quotes, starting payments, recording them from Stripe's webhook,
saved cards, autopay and refunds. Only :mod:`portal_models.gateways.stripe` talks to Stripe."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from portal_models.gateways import stripe as gateway
from portal_models.models import (
    Account,
    Contact,
    Invoice,
    Payment,
    PaymentMethod,
    StripeEvent,
    Tenant,
    User,
)
from portal_models.models.audit import SecurityEventType
from portal_models.money import ZERO, from_minor_units, quantize
from portal_models.selectors.billing import billing_contact_emails
from portal_models.tasks import enqueue_on_commit

from .audit import security_event_record
from .billing import invoice_add_fee_line, invoice_recalculate, invoices_lock, payment_record_locked

logger = logging.getLogger(__name__)

# Re-exported so that routes catch our errors without importing the gateway.
PaymentError = gateway.PaymentError
PaymentDeclined = gateway.PaymentDeclined
PaymentServiceUnavailable = gateway.PaymentServiceUnavailable


# --- Fee policy ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeePolicy:
    percent: Decimal
    threshold: Decimal
    card_only: bool

    @property
    def applies(self) -> bool:
        return self.percent > ZERO


def fee_policy_for(*, tenant: Tenant) -> FeePolicy:
    """The tenant's card convenience fee (default 3.00% on card payments over $5,000.00, as in seed 000)."""
    percent = tenant.card_fee_percent
    threshold = tenant.card_fee_threshold
    if percent is None:
        percent = settings.PORTAL_DEFAULT_CARD_FEE_PERCENT
    if threshold is None:
        threshold = settings.PORTAL_DEFAULT_CARD_FEE_THRESHOLD
    return FeePolicy(percent=Decimal(percent), threshold=Decimal(threshold), card_only=tenant.card_only)


def card_fee(*, policy: FeePolicy, amount: Decimal, currency: str) -> Decimal:
    """The fee on a card payment of ``amount``: only strictly over the threshold, rounded half up."""
    amount = quantize(amount, currency)
    if not policy.applies or amount <= policy.threshold:
        return quantize(ZERO, currency)
    return quantize(amount * policy.percent / Decimal(100), currency)


def split_fee(*, fee: Decimal, parts: dict[Invoice, Decimal], currency: str) -> dict[Invoice, Decimal]:
    """Spread the fee over invoices in proportion to what is paid on each; never a zero part."""
    if fee <= ZERO or not parts:
        return {}
    total = sum(parts.values(), ZERO)
    ordered = sorted(parts, key=lambda inv: (parts[inv], -inv.pk))
    largest = ordered[-1]
    result: dict[Invoice, Decimal] = {}
    for inv in ordered[:-1]:
        share = quantize(fee * parts[inv] / total, currency)
        if share > ZERO:
            result[inv] = share
    rest = fee - sum(result.values(), ZERO)
    if rest > ZERO:
        result[largest] = rest
    return result


# --- Quotes: what the customer pays --------------------------------------------------------------


@dataclass(frozen=True)
class PaymentQuote:
    account: Account
    currency: str
    invoices: tuple[Invoice, ...]
    subtotal: Decimal
    fee: Decimal
    policy: FeePolicy
    fee_parts: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.fee

    @property
    def invoice_ids(self) -> list[int]:
        return [inv.pk for inv in self.invoices]

    def metadata_invoices(self) -> str:
        return ",".join(f"{inv.pk}:{inv.amount_due}" for inv in self.invoices)


def payment_quote(*, account: Account, invoice_ids: Sequence[int] | None = None) -> PaymentQuote:
    """What is due on the chosen open invoices of ``account`` (all of them when none are chosen), plus the fee."""
    qs = Invoice.objects.filter(account=account).payable().order_by("due_date", "pk")
    if invoice_ids:
        wanted = {int(i) for i in invoice_ids}
        qs = qs.filter(pk__in=wanted)
        invoices = tuple(qs)
        if len(invoices) != len(wanted):
            raise ValidationError({"invoices": _("Some of the chosen invoices are no longer open.")})
    else:
        invoices = tuple(qs)
    if not invoices:
        raise ValidationError({"invoices": _("There is nothing to pay: no open invoice is due.")})
    currency = account.tenant.currency
    subtotal = quantize(sum((inv.amount_due for inv in invoices), ZERO), currency)
    policy = fee_policy_for(tenant=account.tenant)
    fee = card_fee(policy=policy, amount=subtotal, currency=currency)
    parts = split_fee(fee=fee, parts={inv: inv.amount_due for inv in invoices}, currency=currency)
    return PaymentQuote(
        account=account,
        currency=currency,
        invoices=invoices,
        subtotal=subtotal,
        fee=fee,
        policy=policy,
        fee_parts={inv.pk: part for inv, part in parts.items()},
    )


# --- Stripe customer and cards -------------------------------------------------------------------


def customer_ensure(*, account: Account, contact: Contact | None = None) -> str:
    """The account's Stripe customer id, creating the customer the first time (also set on ``account``)."""
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if not (locked.stripe_customer_id and gateway.customer_exists(customer_id=locked.stripe_customer_id)):
            locked.stripe_customer_id = gateway.customer_create(
                name=locked.name,
                email=(contact.email if contact else ""),
                account_id=locked.pk,
                idempotency_key=f"customer-{locked.pk}-{locked.stripe_customer_id or 'new'}",
            )
            locked.save(update_fields=["stripe_customer_id"])
    account.stripe_customer_id = locked.stripe_customer_id
    return locked.stripe_customer_id


def setup_intent_start(*, account: Account, contact: Contact | None, nonce: str) -> str:
    """A SetupIntent for the browser to confirm with the Card Element; returns its client secret."""
    customer_id = customer_ensure(account=account, contact=contact)
    _id, secret = gateway.setup_intent_create(customer_id=customer_id, idempotency_key=f"setup-{account.pk}-{nonce}")
    return secret


def card_for_account(*, account: Account, payment_method_id: str) -> gateway.Card:
    """The confirmed card the browser sent, attached to this account's customer (or a clear error)."""
    card = gateway.card_retrieve(payment_method_id=payment_method_id or "")
    customer_id = account.stripe_customer_id
    if card is None or not customer_id or (card.customer and card.customer != customer_id):
        raise ValidationError({"card": _("Enter your card details again.")})
    if card.customer is None:
        card = gateway.card_attach(payment_method_id=card.id, customer_id=customer_id)
    return card


def payment_method_save(*, account: Account, card: gateway.Card, user: User | None = None) -> PaymentMethod:
    """Keep a card for later; the first card of an account becomes its default."""
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)
        method, _created = PaymentMethod.objects.get_or_create(
            stripe_payment_method_id=card.id,
            defaults={
                "account": account,
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
                "created_by": user,
                "is_default": not PaymentMethod.objects.filter(account=account, is_default=True).exists(),
            },
        )
        if method.account_id != account.pk:
            raise ValidationError({"card": _("Enter your card details again.")})
        return method


def payment_method_add(*, account: Account, payment_method_id: str, user: User | None = None) -> PaymentMethod:
    card = card_for_account(account=account, payment_method_id=payment_method_id)
    return payment_method_save(account=account, card=card, user=user)


@transaction.atomic
def payment_method_set_default(*, method: PaymentMethod) -> PaymentMethod:
    PaymentMethod.objects.select_for_update().filter(account_id=method.account_id).update(is_default=False)
    method.is_default = True
    method.save(update_fields=["is_default"])
    return method


def payment_method_remove(*, method: PaymentMethod) -> None:
    """Detach the card at Stripe and forget it; another card becomes the default, or autopay stops."""
    gateway.card_detach(payment_method_id=method.stripe_payment_method_id)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=method.account_id)
        was_default = method.is_default
        method.delete()
        if was_default:
            successor = PaymentMethod.objects.filter(account=account).order_by("-created_at").first()
            if successor:
                payment_method_set_default(method=successor)
            elif account.autopay:
                account.autopay = False
                account.save(update_fields=["autopay"])


def autopay_set(*, account: Account, enabled: bool) -> Account:
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if enabled and not PaymentMethod.objects.filter(account=account, is_default=True).exists():
            raise ValidationError({"autopay": _("Add a card and make it your default before turning on autopay.")})
        account.autopay = enabled
        account.save(update_fields=["autopay"])
        return account


# --- Starting a payment --------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentStart:
    intent: gateway.Intent
    quote: PaymentQuote


def payment_start(
    *,
    account: Account,
    user: User,
    payer_name: str,
    invoice_ids: Sequence[int] | None,
    payment_method_id: str,
    save_card: bool,
    nonce: str,
    off_session: bool = False,
) -> PaymentStart:
    """Charge the card for what is due on the chosen invoices plus the fee (amounts computed here, never sent
    by the browser). The Payment itself is recorded by the webhook (:func:`stripe_event_process`)."""
    quote = payment_quote(account=account, invoice_ids=invoice_ids)
    customer_ensure(account=account)
    card = card_for_account(account=account, payment_method_id=payment_method_id)
    saved = PaymentMethod.objects.filter(account=account, stripe_payment_method_id=card.id).exists()
    metadata = {
        "portal_account_id": str(account.pk),
        "portal_tenant_id": str(account.tenant_id),
        "invoices": quote.metadata_invoices(),
        "fee": str(quote.fee),
        "payer_user_id": str(user.pk) if user else "",
        "payer_name": payer_name[:200],
        "save_card": "1" if (save_card or saved) else "0",
        "card_brand": card.brand,
        "card_last4": card.last4,
    }
    try:
        intent = gateway.payment_intent_create(
            amount=quote.total,
            currency=quote.currency,
            customer_id=account.stripe_customer_id,
            payment_method_id=card.id,
            metadata=metadata,
            idempotency_key=f"pay-{account.pk}-{nonce}",
            off_session=off_session,
        )
    except PaymentDeclined:
        if not saved:
            _detach_quietly(card.id)
        raise
    if save_card and not saved and not intent.failed:
        payment_method_save(account=account, card=card, user=user)
    return PaymentStart(intent=intent, quote=quote)


def _detach_quietly(payment_method_id: str) -> None:
    try:
        gateway.card_detach(payment_method_id=payment_method_id)
    except PaymentError:
        logger.warning("Could not detach card %s", payment_method_id)


# --- Payment status for the result page ----------------------------------------------------------


@dataclass(frozen=True)
class PaymentOutcome:
    state: str  # "processing", "succeeded", "failed", or "unknown" (not a payment of this account)
    payment: Payment | None = None
    message: str = ""


def payment_outcome(*, account: Account, intent_id: str) -> PaymentOutcome:
    """Where a payment stands: recorded by the webhook, failed, or still processing.

    "unknown" when the PaymentIntent does not exist or belongs to another account (the routes answer 404).
    """
    payment = Payment.objects.filter(account=account, stripe_payment_intent_id=intent_id).first()
    if payment is not None:
        if payment.status == Payment.Status.FAILED:
            return PaymentOutcome("failed", payment, payment.failure_reason)
        return PaymentOutcome("succeeded", payment)
    try:
        intent = gateway.payment_intent_retrieve(intent_id=intent_id)
    except PaymentServiceUnavailable:
        return PaymentOutcome("processing")
    except PaymentError:  # Stripe does not know this PaymentIntent
        return PaymentOutcome("unknown", None, _("This payment does not exist."))
    if intent.metadata.get("portal_account_id") != str(account.pk):
        return PaymentOutcome("unknown", None, _("This payment does not exist."))
    if intent.failed:
        return PaymentOutcome("failed", None, intent.failure_message or _("The payment was not completed."))
    return PaymentOutcome("processing")


# --- Recording from Stripe's webhook -------------------------------------------------------------


def _decimal(text) -> Decimal | None:
    """A finite Decimal from metadata text, or None (metadata is never trusted to be well formed)."""
    try:
        value = Decimal(str(text))
    except (ArithmeticError, ValueError, TypeError):
        return None
    return value if value.is_finite() else None


def _parse_invoices(text: str) -> dict[int, Decimal]:
    """``"pk:amount,..."`` from the PaymentIntent's metadata; malformed items are left out."""
    result = {}
    for item in (text or "").split(","):
        pk, _sep, amount = item.partition(":")
        value = _decimal(amount)
        if pk.strip().isdigit() and value is not None and value > ZERO:
            result[int(pk)] = value
    return result


def _intent_customer(obj: dict) -> str:
    customer = obj.get("customer") or ""
    return customer.get("id", "") if isinstance(customer, dict) else customer


def stripe_event_process(*, event: gateway.WebhookEvent) -> StripeEvent | None:
    """Record a verified webhook event once (unique event id); None when it was already processed.

    The event's row is inserted first: a second delivery of the same event waits on its unique index and then
    records nothing. The handler runs in the same transaction, without a savepoint of its own.
    """
    handler = EVENT_HANDLERS.get(event.type)
    if handler is None:  # an event type we do not subscribe to: acknowledged, neither stored nor acted on
        logger.info("Ignored Stripe event %s of type %s", event.id, event.type)
        return None
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event.id,
                type=event.type,
                payload=event.payload,
                payment_intent_id=_event_intent_id(event.object),
                processed_at=timezone.now(),  # by the handler below, in the same transaction
            )
            handler(event.object)
            return record
    except IntegrityError:  # the same event (or the same PaymentIntent) is being or was recorded
        return None


def _event_intent_id(obj: dict) -> str:
    """The PaymentIntent an event's object is, or belongs to (a charge's)."""
    intent = obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    return (intent.get("id", "") if isinstance(intent, dict) else intent or "")[:100]


def payment_record_from_intent(obj: dict) -> Payment | None:
    """Create the Payment of a succeeded PaymentIntent, with its allocations and fee lines (idempotent)."""
    intent_id = obj["id"]
    existing = _intent_payment(intent_id)
    if existing is not None and existing.status != Payment.Status.FAILED:
        return existing
    meta = obj.get("metadata") or {}
    account = _intent_account(obj)
    if account is None:
        logger.warning("PaymentIntent %s is not one of ours", intent_id)
        return None
    currency = account.tenant.currency
    amount = from_minor_units(int(obj.get("amount_received") or obj["amount"]), currency)
    requested = _parse_invoices(meta.get("invoices", ""))
    locked = invoices_lock(account=account, ids=requested)
    parts = {locked[pk]: min(part, locked[pk].amount_due) for pk, part in requested.items() if pk in locked}
    parts = {inv: part for inv, part in parts.items() if part > ZERO}
    subtotal = sum(parts.values(), ZERO)
    policy = fee_policy_for(tenant=account.tenant)
    fee = card_fee(policy=policy, amount=subtotal, currency=currency)
    same_currency = str(obj.get("currency", "")).upper() == currency
    verified = (
        same_currency
        and str(meta.get("portal_account_id", "")) == str(account.pk)
        and len(parts) == len(requested)
        and all(parts[locked[pk]] == part for pk, part in requested.items())
        and fee == _decimal(meta.get("fee") or "0")
        and subtotal + fee == amount
    )
    notes = ""
    allocations = dict(parts)
    if verified:
        for inv, fee_part in split_fee(fee=fee, parts=parts, currency=currency).items():
            invoice_add_fee_line(invoice=inv, amount=fee_part)
            allocations[inv] = parts[inv] + fee_part
    else:
        # Record the money for staff to review; pay at most what was really charged, in our currency only.
        fee = ZERO
        notes = _("The amount charged did not match what was due when it was recorded; please review.")
        logger.error("PaymentIntent %s: amounts do not match the invoices; recorded for review", intent_id)
        allocations, remaining = {}, (amount if same_currency else ZERO)
        for inv, part in parts.items():
            take = min(part, remaining)
            if take > ZERO:
                allocations[inv] = take
                remaining -= take
    if existing is not None:  # a failed attempt on the same intent that later succeeded
        existing.delete()
    payment = payment_record_locked(  # in the caller's transaction, on the invoices locked above
        account=account,
        method=Payment.Method.CARD,
        amount=amount,
        allocations=allocations,
        payer=_payer(meta),
        payer_name=meta.get("payer_name", ""),
        notes=notes,
        fee_amount=fee,
        card_brand=meta.get("card_brand", ""),
        card_last4=meta.get("card_last4", ""),
        stripe_payment_intent_id=intent_id,
        stripe_charge_id=gateway.intent_charge_id(obj),
    )
    _detach_unsaved_after_commit(obj)
    enqueue_on_commit(payment_receipt_task, payment.pk)  # the email is sent off the request, once committed
    return payment


def _intent_payment(intent_id: str) -> Payment | None:
    """The payment already recorded for a PaymentIntent, locked. Only its status and account are read (a payment
    row is wide and this runs for every event); the account is what deleting a failed attempt needs."""
    return (
        Payment.objects.select_for_update().only("status", "account").filter(stripe_payment_intent_id=intent_id).first()
    )


def _intent_account(obj: dict) -> Account | None:
    """The account a PaymentIntent pays for: the one named in its metadata, provided that account's Stripe
    customer is the one charged. When they differ, the charged customer's account (its invoices only)."""
    meta = obj.get("metadata") or {}
    try:
        account = Account.objects.select_related("tenant").get(pk=_decimal_pk(meta.get("portal_account_id")))
    except Account.DoesNotExist:
        account = None
    customer = _intent_customer(obj)
    if account is not None and customer and customer != account.stripe_customer_id:
        logger.error("PaymentIntent %s names account %s but charged customer %s", obj.get("id"), account.pk, customer)
        account = Account.objects.select_related("tenant").filter(stripe_customer_id=customer).first()
    return account


def _decimal_pk(text) -> int:
    text = str(text or "").strip()
    return int(text) if text.isdigit() else 0


def _payer(meta: dict) -> User | None:
    """The signed-in user who paid, named in the metadata (no query when none is named)."""
    payer_id = _decimal_pk(meta.get("payer_user_id"))
    return User.objects.filter(pk=payer_id).first() if payer_id else None


def _detach_unsaved_after_commit(obj: dict) -> None:
    """A card the customer did not ask to save is detached from the Stripe customer once the payment is over."""
    pm_id = obj.get("payment_method")
    if isinstance(pm_id, dict):
        pm_id = pm_id.get("id")
    if pm_id and (obj.get("metadata") or {}).get("save_card") != "1":
        transaction.on_commit(lambda: _detach_quietly(pm_id))


def payment_failure_record(obj: dict) -> Payment | None:
    intent_id = obj["id"]
    existing = _intent_payment(intent_id)
    if existing is not None:
        return existing  # already recorded (a success is never downgraded by a late failure)
    meta = obj.get("metadata") or {}
    account = _intent_account(obj)
    if account is None:
        return None
    currency = account.tenant.currency
    _detach_unsaved_after_commit(obj)
    return Payment.objects.create(
        tenant=account.tenant,
        account=account,
        method=Payment.Method.CARD,
        status=Payment.Status.FAILED,
        amount=from_minor_units(int(obj["amount"]), currency),
        currency=currency,
        payer=_payer(meta),
        payer_name=meta.get("payer_name", ""),
        card_brand=meta.get("card_brand", ""),
        card_last4=meta.get("card_last4", ""),
        stripe_payment_intent_id=intent_id,
        stripe_charge_id=gateway.intent_charge_id(obj),
        failure_reason=gateway.intent_failure_message(obj)[:255],
    )


def _charge_refunded(obj: dict) -> Payment | None:
    intent_id = obj.get("payment_intent")
    if not intent_id:
        return None
    payment = Payment.objects.select_for_update().filter(stripe_payment_intent_id=intent_id).first()
    if payment is None:
        return None
    total = from_minor_units(int(obj.get("amount_refunded") or 0), payment.currency)
    return payment_apply_refund_total(payment=payment, refunded_total=total)


EVENT_HANDLERS = {
    "payment_intent.succeeded": payment_record_from_intent,
    "payment_intent.payment_failed": payment_failure_record,
    "charge.refunded": _charge_refunded,
}


# --- Refunds -------------------------------------------------------------------------------------


@transaction.atomic
def payment_apply_refund_total(*, payment: Payment, refunded_total: Decimal) -> Payment:
    """Bring the payment to ``refunded_total`` refunded (absolute, so replays and reordering are harmless)."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    refunded_total = min(quantize(refunded_total, payment.currency), payment.amount)
    delta = refunded_total - payment.refunded_amount
    if delta <= ZERO:
        return payment
    payment.refunded_amount = refunded_total
    full = refunded_total >= payment.amount
    payment.status = Payment.Status.REFUNDED if full else Payment.Status.PARTIALLY_REFUNDED
    payment.save(update_fields=["refunded_amount", "status"])
    security_event_record(
        event=SecurityEventType.REFUND_RECORDED,
        account=payment.account,
        user=payment.payer,
        details={
            "payment_id": payment.pk,
            "refunded": str(delta),
            "refunded_total": str(refunded_total),
            "currency": payment.currency,
            "stripe_payment_intent_id": payment.stripe_payment_intent_id or "",
        },
    )
    touched = []
    if not full:  # take the refund off the allocations, last invoice first, so the invoices owe it again
        for allocation in payment.allocations.select_related("invoice").order_by("-invoice__due_date", "-pk"):
            if delta <= ZERO:
                break
            take = min(allocation.amount, delta)
            delta -= take
            touched.append(allocation.invoice)
            if take == allocation.amount:
                allocation.delete()
            else:
                allocation.amount -= take
                allocation.save(update_fields=["amount"])
    else:
        touched = [a.invoice for a in payment.allocations.select_related("invoice")]
    for invoice in Invoice.objects.select_for_update().filter(pk__in=[i.pk for i in touched]):
        invoice_recalculate(invoice=invoice)
    return payment


def payment_refund(*, payment: Payment, amount: Decimal) -> Payment:
    """Refund part or all of a card payment through Stripe (staff)."""
    amount = quantize(Decimal(amount), payment.currency)
    refundable = payment.amount - payment.refunded_amount
    if not payment.stripe_payment_intent_id or payment.status not in (
        Payment.Status.SUCCEEDED,
        Payment.Status.PARTIALLY_REFUNDED,
    ):
        raise ValidationError({"amount": _("Only succeeded card payments can be refunded.")})
    if amount <= ZERO or amount > refundable:
        raise ValidationError({"amount": _("Enter an amount between 0.01 and %(max)s.") % {"max": refundable}})
    result = gateway.refund_create(
        intent_id=payment.stripe_payment_intent_id,
        amount=amount,
        currency=payment.currency,
        idempotency_key=f"refund-{payment.pk}-{payment.refunded_amount}-{amount}",
    )
    total = result.charge_refunded_total or (payment.refunded_amount + result.amount)
    return payment_apply_refund_total(payment=payment, refunded_total=total)


# --- Receipts ------------------------------------------------------------------------------------


def payment_receipt_send(*, payment: Payment) -> int:
    """Email the receipt to the payer and the account's billing contacts."""
    payment = (
        Payment.objects.select_related("account", "tenant", "payer")
        .prefetch_related("allocations__invoice")
        .get(pk=payment.pk)
    )
    recipients = set(billing_contact_emails(account=payment.account))
    if payment.payer and payment.payer.email:
        recipients.add(payment.payer.email)
    if not recipients:
        return 0
    from portal_models.services.emails import send_plain_email

    context = {"payment": payment, "tenant": payment.tenant, "account": payment.account}
    send_plain_email(
        tenant=payment.tenant,
        to=sorted(recipients),
        build=lambda: (
            _("Payment receipt from %(tenant)s") % {"tenant": payment.tenant.name},
            render_to_string("theme/portal/payments/receipt_email.txt", context),
        ),
    )
    return 1


@task()
def payment_receipt_task(payment_id: int) -> int:
    """django-tasks entry point: the receipt of a recorded payment (none if it was deleted meanwhile)."""
    payment = Payment.objects.filter(pk=payment_id).first()
    return payment_receipt_send(payment=payment) if payment is not None else 0


# --- Autopay -------------------------------------------------------------------------------------


@dataclass
class AutopayReport:
    charged: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def autopay_charge_due(*, today: date | None = None) -> AutopayReport:
    """Charge, off-session, the invoices due today or earlier of accounts with autopay on (idempotent:
    the Payment is recorded from Stripe's answer at once, so a second run finds nothing due)."""
    today = today or timezone.localdate()
    report = AutopayReport()
    accounts = (
        Account.objects.filter(autopay=True, is_active=True, payment_methods__is_default=True)
        .select_related("tenant")
        .distinct()
    )
    for account in accounts:
        due = list(Invoice.objects.filter(account=account, due_date__lte=today).payable().values_list("pk", flat=True))
        if not due:
            continue
        method = PaymentMethod.objects.get(account=account, is_default=True)
        nonce = "autopay-" + "-".join(str(pk) for pk in sorted(due)) + f"-{today.isoformat()}"
        try:
            start = payment_start(
                account=account,
                user=method.created_by,
                payer_name=_("Autopay"),
                invoice_ids=due,
                payment_method_id=method.stripe_payment_method_id,
                save_card=True,
                nonce=nonce,
                off_session=True,
            )
        except (PaymentError, ValidationError) as exc:
            report.failed.append((account, str(exc.messages[0] if hasattr(exc, "messages") else exc)))
            _autopay_email(account=account, ok=False, message=report.failed[-1][1])
            continue
        if start.intent.succeeded:
            with transaction.atomic():
                payment = payment_record_from_intent(gateway.payment_intent_raw(intent_id=start.intent.id))
            report.charged.append((account, payment))
        else:
            report.failed.append((account, start.intent.failure_message or _("Authentication is required.")))
            _autopay_email(account=account, ok=False, message=report.failed[-1][1])
    return report


def _autopay_email(*, account: Account, ok: bool, message: str) -> None:
    recipients = billing_contact_emails(account=account)
    if recipients:
        from portal_models.services.emails import send_plain_email

        send_plain_email(
            tenant=account.tenant,
            to=recipients,
            build=lambda: (
                _("Your automatic payment could not be made"),
                _("We could not charge your card on file for %(account)s: %(message)s\nPlease pay in the portal.")
                % {"account": account.name, "message": message},
            ),
        )


@task()
def charge_autopay_task() -> int:
    """django-tasks entry point (run daily by the worker or `manage.py charge_autopay`)."""
    report = autopay_charge_due()
    return len(report.charged)
