"""Online payments (cards and bank debits): fee policy, quotes, starting payments, recording them from Stripe's
webhook, saved payment methods, autopay and refunds. Only :mod:`portal_models.gateways.stripe` talks to Stripe; what
differs between a card and a bank debit is a row of its ``METHOD_TYPES`` table, read here, never an ``if card``.

Lock order of every payment write (each in one transaction): the invoices (``invoices_lock``, pk order), then
their claims, then the account's row (its cache version), then the tenant's receipt sequence."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_tasks import task

from portal_models import caching
from portal_models.gateways import stripe as gateway
from portal_models.models import (
    Account,
    Contact,
    Invoice,
    Payment,
    PaymentClaim,
    PaymentMethod,
    StripeEvent,
    Tenant,
    User,
)
from portal_models.models.audit import SecurityEventType
from portal_models.money import ZERO, from_minor_units, quantize
from portal_models.selectors.billing import billing_contact_emails
from portal_models.services import outgoing_webhooks as webhooks
from portal_models.services.emails import account_portal_url, send_branded_email
from portal_models.tasks import enqueue_on_commit

from .audit import security_event_record
from .billing import (
    invoice_add_fee_line,
    invoice_recalculate,
    invoices_lock,
    payment_lock,
    payment_record_locked,
)

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


OFFLINE_METHODS = ("check",)  # paid outside Stripe (services.checks): no fee, no gateway type


def method_fee(*, policy: FeePolicy, kind: gateway.MethodType, amount: Decimal, currency: str) -> Decimal:
    """The fee on a payment of ``amount`` with a payment method of type ``kind`` (only cards carry one)."""
    if not kind.fee_applies:
        return quantize(ZERO, currency)
    return card_fee(policy=policy, amount=amount, currency=currency)


def payment_method_types(*, tenant: Tenant) -> list[gateway.MethodType]:
    """The payment-method types the tenant offers online (cards; bank debits where enabled, in their currency)."""
    return gateway.method_types_for(currency=tenant.currency, bank_debit=tenant.bank_debit_enabled)


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
    method: str = "card"  # the payment-method type (gateway.METHOD_TYPES) the fee was computed for

    @property
    def method_type(self) -> gateway.MethodType:
        return gateway.method_type(self.method)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.fee

    @property
    def invoice_ids(self) -> list[int]:
        return [inv.pk for inv in self.invoices]

    def metadata_invoices(self) -> str:
        return ",".join(f"{inv.pk}:{inv.amount_due}" for inv in self.invoices)


def payment_quote(*, account: Account, invoice_ids: Sequence[int] | None = None, method: str = "card") -> PaymentQuote:
    """What is due on the chosen open invoices of ``account`` (all of them when none are chosen), plus the fee of
    the payment-method type ``method`` (the card convenience fee; none on a bank debit)."""
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
    if method in OFFLINE_METHODS:  # a business check: what is due, no fee
        kind, fee = None, quantize(ZERO, currency)
    else:
        kind = gateway.method_type(method)
        fee = method_fee(policy=policy, kind=kind, amount=subtotal, currency=currency)
    parts = split_fee(fee=fee, parts={inv: inv.amount_due for inv in invoices}, currency=currency)
    return PaymentQuote(
        method=kind.code if kind else method,
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


def setup_intent_start(*, account: Account, contact: Contact | None, nonce: str, method: str = "card") -> str:
    """A SetupIntent for the browser to confirm (the Card Element, or the IBAN under the mandate); returns its
    client secret."""
    customer_id = customer_ensure(account=account, contact=contact)
    kind = gateway.method_type(method)
    _id, secret = gateway.setup_intent_create(
        customer_id=customer_id, idempotency_key=f"setup-{account.pk}-{kind.code}-{nonce}", method=kind.code
    )
    return secret


def _method_error(method: str) -> ValidationError:
    if gateway.method_type(method).code == "card":
        return ValidationError({"card": _("Enter your card details again.")})
    return ValidationError({"iban": _("Enter your bank account details again.")})


def method_for_account(*, account: Account, payment_method_id: str, method: str = "card") -> gateway.SavedMethod:
    """The confirmed payment method of type ``method`` the browser sent, attached to this account's customer (or a
    clear error)."""
    kind = gateway.method_type(method)
    saved = gateway.payment_method_retrieve(payment_method_id=payment_method_id or "", types=(kind.code,))
    customer_id = account.stripe_customer_id
    if saved is None or not customer_id or (saved.customer and saved.customer != customer_id):
        raise _method_error(kind.code)
    if saved.customer is None:
        saved = gateway.payment_method_attach(payment_method_id=saved.id, customer_id=customer_id)
    return saved


def card_for_account(*, account: Account, payment_method_id: str) -> gateway.SavedMethod:
    """The confirmed card the browser sent, attached to this account's customer (or a clear error)."""
    return method_for_account(account=account, payment_method_id=payment_method_id, method="card")


def payment_method_save(
    *, account: Account, card: gateway.SavedMethod, user: User | None = None, mandate_accepted: bool = False
) -> PaymentMethod:
    """Keep a card or a bank account for later; the first one of an account becomes its default (autopay's).
    A bank account is kept only under the mandate the customer accepted (``mandate_accepted``)."""
    if card.method_type.settles_later and not mandate_accepted:
        raise ValidationError({"mandate": _("Accept the direct debit mandate to save this bank account.")})
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)
        method, _created = PaymentMethod.objects.get_or_create(
            stripe_payment_method_id=card.id,
            defaults={
                "account": account,
                "type": card.type,
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": card.exp_month or None,
                "exp_year": card.exp_year or None,
                "bank_code": card.bank_code,
                "country": card.country,
                "holder_name": card.holder_name[:200],
                "mandate_reference": card.mandate_reference[:100],
                "mandate_accepted_at": timezone.now() if mandate_accepted else None,
                "created_by": user,
                "is_default": not PaymentMethod.objects.filter(account=account, is_default=True).exists(),
            },
        )
        if method.account_id != account.pk:
            raise _method_error(card.type)
        return method


def payment_method_same_as_saved(*, account: Account, method: gateway.SavedMethod) -> PaymentMethod | None:
    """The account's saved method that is the same card or bank account as ``method`` (another PaymentMethod
    object made for it by a new setup), or None. A bank account is the same by country, bank code and last four
    digits of its IBAN; a card by brand, last four and expiry (Stripe's fingerprint is not kept with our rows)."""
    if method.method_type.settles_later:
        match = {"country": method.country, "bank_code": method.bank_code}
    else:
        match = {"brand": method.brand, "exp_month": method.exp_month or None, "exp_year": method.exp_year or None}
    return (
        PaymentMethod.objects.filter(account=account, type=method.type, last4=method.last4, **match)
        .exclude(stripe_payment_method_id=method.id)
        .first()
    )


def payment_method_add(
    *,
    account: Account,
    payment_method_id: str,
    user: User | None = None,
    method: str = "card",
    mandate_accepted: bool = False,
) -> PaymentMethod:
    saved = method_for_account(account=account, payment_method_id=payment_method_id, method=method)
    return payment_method_save(account=account, card=saved, user=user, mandate_accepted=mandate_accepted)


@transaction.atomic
def payment_method_may_manage(*, method: PaymentMethod, contact: Contact) -> bool:
    """THE rule of saved methods: the company's owners and the contact who saved one may remove it or make it the
    default; every payer of the company pays with its default method (and with the ones they saved)."""
    if contact.account_id != method.account_id:
        return False
    return bool(contact.can_manage_contacts) or (
        method.created_by_id is not None and method.created_by_id == contact.user_id
    )


def payment_method_may_use(*, method: PaymentMethod, contact: Contact) -> bool:
    """Who may pay with a saved method (the other half of the rule): every payer of the company uses its default;
    the contact who saved one uses it too; owners use any. Another contact's own method is not offered to them."""
    if contact.account_id != method.account_id:
        return False
    return method.is_default or payment_method_may_manage(method=method, contact=contact)


def payment_methods_usable(*, account: Account, contact: Contact | None) -> list[PaymentMethod]:
    """The saved methods ``contact`` is shown and may pay with (all of them for staff acting without a contact)."""
    methods = list(PaymentMethod.objects.filter(account=account).select_related("created_by"))
    if contact is None:
        return methods
    return [m for m in methods if payment_method_may_use(method=m, contact=contact)]


def _check_may_manage(method: PaymentMethod, by: Contact | None) -> None:
    if by is not None and not payment_method_may_manage(method=method, contact=by):
        raise ValidationError(
            _("Only your company's owners and the person who saved %(method)s can change or remove it.")
            % {"method": method}
        )


def payment_method_set_default(*, method: PaymentMethod, by: Contact | None = None) -> PaymentMethod:
    _check_may_manage(method, by)
    PaymentMethod.objects.select_for_update().filter(account_id=method.account_id).update(is_default=False)
    method.is_default = True
    method.save(update_fields=["is_default"])
    return method


def payment_method_remove(*, method: PaymentMethod, by: Contact | None = None) -> None:
    """Detach the card or bank account at Stripe and forget it; another one becomes the default, or autopay stops.
    ``by``: the contact asking (only owners and the one who saved it may, :func:`payment_method_may_manage`)."""
    _check_may_manage(method, by)
    gateway.payment_method_detach(payment_method_id=method.stripe_payment_method_id)
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
            raise ValidationError(
                {"autopay": _("Add a card or a bank account and make it your default before turning on autopay.")}
            )
        account.autopay = enabled
        account.save(update_fields=["autopay"])
        return account


# --- One payment in flight per invoice (claims) -------------------------------------------------

CLAIM_TTL = gateway.METHOD_TYPES["card"].claim_ttl  # a card payment not finished by then no longer holds its invoices


class PaymentInProgress(PaymentError):
    """Another payment (another payer, tab or device) is under way for one of the invoices: nothing is charged."""

    def __init__(self, claim: PaymentClaim):
        self.claim = claim
        who = claim.payer_name or (claim.user.get_full_name() or claim.user.email if claim.user else "") or "-"
        when = formats.date_format(timezone.localtime(claim.created_at), "SHORT_DATETIME_FORMAT")
        super().__init__(
            _(
                "A payment for this invoice is already in progress (invoice %(number)s, started by %(who)s on "
                "%(when)s). Nothing was charged; please wait for it to finish."
            )
            % {"number": claim.invoice.number, "who": who, "when": when}
        )


def payment_claims_live(*, account: Account, invoice_ids: Sequence[int]) -> list[PaymentClaim]:
    """The claims not yet expired on these invoices of ``account`` (a read; nothing is locked)."""
    return list(
        PaymentClaim.objects.select_related("invoice", "user")
        .filter(account=account, invoice_id__in=list(invoice_ids), expires_at__gt=timezone.now())
        .order_by("invoice_id")
    )


def payment_in_progress_check(*, account: Account, invoice_ids: Sequence[int], user: User | None) -> None:
    """Raise :class:`PaymentInProgress` when someone else's payment holds one of the invoices (the wizard's
    entry; the claim itself is taken when the payment starts)."""
    for claim in payment_claims_live(account=account, invoice_ids=invoice_ids):
        if user is None or claim.user_id != user.pk:
            raise PaymentInProgress(claim)


def payment_claims_take(
    *, quote: PaymentQuote, user: User | None, payer_name: str, nonce: str
) -> list[PaymentClaim] | None:
    """Claim every invoice of ``quote`` at once, or none (all or nothing), locking them in pk order as every
    payment does. Expired claims are released first. Returns None when the claims were taken; the live claims
    of ``user`` on all of these invoices when that user already has a payment under way for them (continue it);
    raises :class:`PaymentInProgress` when anyone else's (or a partial own) claim holds one of them."""
    account, ids = quote.account, quote.invoice_ids
    now = timezone.now()
    with transaction.atomic():
        invoices_lock(account=account, ids=ids)
        PaymentClaim.objects.filter(invoice_id__in=ids, expires_at__lte=now).delete()
        held = list(PaymentClaim.objects.select_related("invoice", "user").filter(invoice_id__in=ids).order_by("pk"))
        if held:
            own = [c for c in held if user is not None and c.user_id == user.pk and c.payment_intent_id]
            if len(own) == len(held) == len(ids) and len({c.payment_intent_id for c in own}) == 1:
                return own
            raise PaymentInProgress(next((c for c in held if c not in own), held[0]))
        try:
            with transaction.atomic():
                PaymentClaim.objects.bulk_create(
                    PaymentClaim(
                        tenant_id=account.tenant_id,
                        account=account,
                        invoice=inv,
                        user=user if user is not None and user.pk else None,
                        payer_name=payer_name[:200],
                        nonce=nonce[:100],
                        amount=inv.amount_due,
                        currency=quote.currency,
                        expires_at=now + quote.method_type.claim_ttl,
                    )
                    for inv in quote.invoices
                )
                caching.bump_accounts(account.pk)  # the invoices' pages say they are being paid
        except IntegrityError:  # taken meanwhile (a database that does not lock the invoices' rows)
            claim = PaymentClaim.objects.select_related("invoice", "user").filter(invoice_id__in=ids).first()
            if claim is None:
                raise
            raise PaymentInProgress(claim) from None
    return None


def payment_claims_release(
    *, intent_id: str = "", account: Account | None = None, nonce: str = "", bump: bool = True
) -> int:
    """Release the claims of a PaymentIntent (succeeded, failed, canceled), or of a start that charged nothing.
    ``bump=False``: the caller writes a Payment of the account in the same transaction (its save bumps the cache
    version of the account's pages)."""
    if intent_id:
        claims = PaymentClaim.objects.filter(payment_intent_id=intent_id)
    elif account is not None and nonce:
        claims = PaymentClaim.objects.filter(account=account, nonce=nonce[:100], payment_intent_id="")
    else:
        return 0
    accounts = set(claims.values_list("account_id", flat=True)) if bump else set()
    released = claims.delete()[0]
    if released and accounts:
        caching.bump_accounts(*accounts)  # the invoices' pages no longer say they are being paid
    return released


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
    method: str = "card",
    mandate_accepted: bool = False,
) -> PaymentStart:
    """Charge the card, or debit the bank account (``method``, a type of ``gateway.METHOD_TYPES``), for what is
    due on the chosen invoices plus the card fee (amounts computed here, never sent by the browser). The Payment
    itself is recorded by the webhook (:func:`stripe_event_process`); a bank debit is "processing" until then,
    its invoices claimed (for the type's ``claim_ttl``).

    The invoices are claimed first (:func:`payment_claims_take`): a payment already under way for any of them
    raises :class:`PaymentInProgress` and nothing is charged, unless it is ``user``'s own, which is continued
    (its PaymentIntent is returned, no second one is made)."""
    quote = payment_quote(account=account, invoice_ids=invoice_ids, method=method)
    if quote.method_type.code not in {t.code for t in payment_method_types(tenant=account.tenant)}:
        raise ValidationError({"method": _("This payment method is not available for this account.")})
    own = payment_claims_take(quote=quote, user=user, payer_name=payer_name, nonce=nonce)
    if own:
        intent = gateway.payment_intent_retrieve(intent_id=own[0].payment_intent_id)
        if not intent.failed:
            return PaymentStart(intent=intent, quote=quote)
        payment_claims_release(intent_id=intent.id)  # the earlier attempt failed: a new one may start
        own = payment_claims_take(quote=quote, user=user, payer_name=payer_name, nonce=nonce)
        if own:
            raise PaymentInProgress(own[0])
    try:
        intent, card = _payment_intent_start(
            account=account,
            user=user,
            payer_name=payer_name,
            quote=quote,
            payment_method_id=payment_method_id,
            save_card=save_card,
            nonce=nonce,
            off_session=off_session,
            mandate_accepted=mandate_accepted,
        )
    except BaseException:
        payment_claims_release(account=account, nonce=nonce)
        raise
    PaymentClaim.objects.filter(account=account, nonce=nonce[:100], payment_intent_id="").update(
        payment_intent_id=intent.id
    )
    if intent.failed:
        payment_claims_release(intent_id=intent.id)
    return PaymentStart(intent=intent, quote=quote)


def _payment_intent_start(
    *,
    account: Account,
    user: User,
    payer_name: str,
    quote: PaymentQuote,
    payment_method_id: str,
    save_card: bool,
    nonce: str,
    off_session: bool,
    mandate_accepted: bool = False,
) -> tuple[gateway.Intent, gateway.SavedMethod]:
    customer_ensure(account=account)
    card = method_for_account(account=account, payment_method_id=payment_method_id, method=quote.method)
    saved = PaymentMethod.objects.filter(account=account, stripe_payment_method_id=card.id).exists()
    if not saved and payment_method_same_as_saved(account=account, method=card) is not None:
        save_card = False  # kept already: this copy is used once and detached, never saved twice
    metadata = {
        "method": quote.method,
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
            method=quote.method,
        )
    except PaymentDeclined:
        if not saved:
            _detach_quietly(card.id)
        raise
    if save_card and not saved and not intent.failed:
        payment_method_save(account=account, card=card, user=user, mandate_accepted=mandate_accepted)
    return intent, card


def _detach_quietly(payment_method_id: str) -> None:
    try:
        gateway.payment_method_detach(payment_method_id=payment_method_id)
    except PaymentError:
        logger.warning("Could not detach card %s", payment_method_id)


# --- Payment status for the result page ----------------------------------------------------------


@dataclass(frozen=True)
class PaymentOutcome:
    state: str  # "processing", "succeeded", "failed", or "unknown" (not a payment of this account)
    payment: Payment | None = None
    message: str = ""
    method: str = "card"  # the payment-method type (a bank debit is "processing" for days)

    @property
    def settles_later(self) -> bool:
        return gateway.method_type(self.method).settles_later


def payment_outcome(*, account: Account, intent_id: str) -> PaymentOutcome:
    """Where a payment stands: recorded by the webhook, failed, or still processing.

    "unknown" when the PaymentIntent does not exist or belongs to another account (the routes answer 404).
    """
    payment = Payment.objects.filter(account=account, stripe_payment_intent_id=intent_id).first()
    if payment is not None:
        kind = _ledger_type(payment.method)
        if payment.status == Payment.Status.FAILED:
            return PaymentOutcome("failed", payment, payment.failure_reason, method=kind)
        return PaymentOutcome("succeeded", payment, method=kind)
    try:
        intent = gateway.payment_intent_retrieve(intent_id=intent_id)
    except PaymentServiceUnavailable:
        return PaymentOutcome("processing")
    except PaymentError:  # Stripe does not know this PaymentIntent
        return PaymentOutcome("unknown", None, _("This payment does not exist."))
    if intent.metadata.get("portal_account_id") != str(account.pk):
        return PaymentOutcome("unknown", None, _("This payment does not exist."))
    kind = gateway.method_type(intent.metadata.get("method", "card")).code
    if intent.failed:
        return PaymentOutcome(
            "failed", None, intent.failure_message or _("The payment was not completed."), method=kind
        )
    return PaymentOutcome("processing", method=kind)


def _ledger_type(ledger_method: str) -> str:
    """The payment-method type that records payments of ``ledger_method`` (a card for manual methods)."""
    for kind in gateway.METHOD_TYPES.values():
        if kind.supported and kind.ledger_method == ledger_method:
            return kind.code
    return "card"


ONLINE_LEDGER_METHODS = sorted({t.ledger_method for t in gateway.METHOD_TYPES.values() if t.supported})


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


class WebhookConflict(Exception):
    """An event that could not be recorded now (a conflict other than its own duplicate): rolled back, and the
    webhook answers non-2xx so that Stripe delivers it again."""


class EventMismatch(Exception):
    """A signed event that does not match what we asked Stripe for (amount, currency, customer, invoices): it
    records nothing and is flagged for staff."""

    def __init__(self, reason: str, details: dict | None = None):
        super().__init__(reason)
        self.details = details or {}


def stripe_event_process(*, event: gateway.WebhookEvent) -> StripeEvent | None:
    """Record a verified webhook event once (unique event id); None when it was already processed.

    The event's row is inserted first: a second delivery of the same event waits on its unique index and then
    records nothing. The handler runs in the same transaction, without a savepoint of its own. Any other
    conflict (an IntegrityError that is not this event's duplicate) rolls everything back and raises
    :class:`WebhookConflict`, so that Stripe retries. An event that does not match what we asked for, or whose
    object is malformed, records nothing but a flagged security event (Stripe must not retry it forever).
    """
    handler = EVENT_HANDLERS.get(event.type)
    if handler is None:  # an event type we do not subscribe to: acknowledged, neither stored nor acted on
        logger.info("Ignored Stripe event %s of type %s", event.id, event.type)
        return None
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=str(event.id)[:100],
                type=event.type,
                payload=event.payload,
                payment_intent_id=_event_intent_id(event.object),
                processed_at=timezone.now(),  # by the handler below, in the same transaction
            )
            handler(event.object)
            return record
    except IntegrityError as exc:
        if StripeEvent.objects.filter(event_id=str(event.id)[:100]).exists():
            return None  # the same event was recorded (or is, and we waited for it): the only 200 unprocessed
        logger.warning("Stripe event %s conflicted (%s); rolled back for Stripe to retry", event.id, exc)
        raise WebhookConflict(str(exc)) from exc
    except EventMismatch as exc:
        _flag_event(event=event, reason=str(exc), details=exc.details)
        return None
    except (KeyError, ValueError, TypeError, AttributeError, ArithmeticError) as exc:
        logger.error("Stripe event %s is malformed: %r", event.id, exc)
        _flag_event(event=event, reason="malformed", details={"error": repr(exc)[:300]})
        return None


def _flag_event(*, event: gateway.WebhookEvent, reason: str, details: dict) -> None:
    """A security event for staff of the tenant the event names (if any): recorded nothing, kept the evidence."""
    obj = event.object if isinstance(event.object, dict) else {}
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    account = Account.objects.select_related("tenant").filter(pk=_decimal_pk(meta.get("portal_account_id"))).first()
    customer = _intent_customer(obj) if isinstance(obj.get("customer", ""), (str, dict)) else ""
    if customer and (account is None or account.stripe_customer_id != customer):
        account = Account.objects.select_related("tenant").filter(stripe_customer_id=customer).first() or account
    if account is None and _event_intent_id(obj):  # a dispute names only the payment's intent and charge
        paid = Payment.objects.select_related("account__tenant").filter(stripe_payment_intent_id=_event_intent_id(obj))
        account = next((p.account for p in paid[:1]), None)
    security_event_record(
        event=SecurityEventType.PAYMENT_MISMATCH,
        account=account,
        details={
            "reason": reason,
            "stripe_event_id": str(event.id)[:100],
            "stripe_event_type": event.type,
            "stripe_payment_intent_id": _event_intent_id(obj),
            "amount": str(obj.get("amount_received") or obj.get("amount") or "")[:40],
            "currency": str(obj.get("currency") or "")[:10],
            "customer": str(customer)[:100],
            "metadata_invoices": str(meta.get("invoices", ""))[:300],
            **details,
        },
    )


def _event_intent_id(obj: dict) -> str:
    """The PaymentIntent an event's object is, or belongs to (a charge's)."""
    if not isinstance(obj, dict):
        return ""
    intent = obj.get("id") if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    return str(intent.get("id", "") if isinstance(intent, dict) else intent or "")[:100]


def _intent_id(obj: dict) -> str:
    """The id of a PaymentIntent object; a malformed one raises ValueError (flagged, never a 500)."""
    intent_id = obj["id"]
    if not isinstance(intent_id, str) or not intent_id.startswith("pi_") or len(intent_id) > 100:
        raise ValueError("not a PaymentIntent id")
    return intent_id


MAX_MINOR_UNITS = 10**14 - 1  # what a MONEY field holds (14 digits)


def _minor_amount(obj: dict) -> int:
    """The amount an intent charged, in minor units; a mismatch when it is not a sane positive integer."""
    value = obj.get("amount_received") or obj.get("amount")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MINOR_UNITS:
        raise EventMismatch("amount out of range")
    return value


def payment_record_from_intent(obj: dict) -> Payment | None:
    """Create the Payment of a succeeded PaymentIntent, with its allocations and fee lines (idempotent).

    The intent's invoices are locked first (in pk order, as every payment does), then its payment is looked up:
    a failure of the same intent recorded meanwhile is seen and replaced. An intent whose amount, currency,
    customer or invoices are not those we asked for raises :class:`EventMismatch` (nothing recorded)."""
    intent_id = _intent_id(obj)
    meta = obj.get("metadata") or {}
    account = _intent_account(obj)
    if account is None:
        logger.warning("PaymentIntent %s is not one of ours", intent_id)
        return None
    currency = account.tenant.currency
    minor = _minor_amount(obj)
    if str(obj.get("currency", "")).upper() != currency:
        raise EventMismatch("currency", {"expected_currency": currency})
    if str(meta.get("portal_account_id", "")) != str(account.pk) or _intent_customer(obj) != (
        account.stripe_customer_id or ""
    ):
        raise EventMismatch("customer", {"expected_customer": account.stripe_customer_id or ""})
    amount = from_minor_units(minor, currency)
    requested = _parse_invoices(meta.get("invoices", ""))
    asked_fee = _decimal(meta.get("fee") or "0")
    if not requested or asked_fee is None or asked_fee < ZERO:
        raise EventMismatch("invoices")
    if quantize(sum(requested.values(), ZERO) + asked_fee, currency) != amount:
        raise EventMismatch("amount", {"expected_amount": str(sum(requested.values(), ZERO) + asked_fee)})
    locked = invoices_lock(account=account, ids=requested)
    if len(locked) != len(requested) and Invoice.objects.filter(pk__in=requested, account=account).count() != len(
        requested
    ):
        raise EventMismatch("invoices")
    existing = _intent_payment(intent_id)
    if existing is not None and existing.status != Payment.Status.FAILED:
        return existing
    parts = {locked[pk]: min(part, locked[pk].amount_due) for pk, part in requested.items() if pk in locked}
    parts = {inv: part for inv, part in parts.items() if part > ZERO}
    subtotal = sum(parts.values(), ZERO)
    policy = fee_policy_for(tenant=account.tenant)
    kind = gateway.intent_method(obj)  # Stripe's word on the payment method, not our metadata's
    fee = method_fee(policy=policy, kind=kind, amount=subtotal, currency=currency)
    verified = (
        len(parts) == len(requested)
        and all(parts[locked[pk]] == part for pk, part in requested.items())
        and fee == asked_fee
        and subtotal + fee == amount
    )
    notes = ""
    allocations = dict(parts)
    if verified:
        for inv, fee_part in split_fee(fee=fee, parts=parts, currency=currency).items():
            invoice_add_fee_line(invoice=inv, amount=fee_part)
            allocations[inv] = parts[inv] + fee_part
    else:
        # What we asked for was charged, but the invoices changed meanwhile (paid or credited another way):
        # record the money for staff to review, paying at most what was charged.
        fee = ZERO
        notes = _("The amount charged did not match what was due when it was recorded; please review.")
        logger.error("PaymentIntent %s: the invoices changed meanwhile; recorded for review", intent_id)
        allocations, remaining = {}, amount
        for inv, part in parts.items():
            take = min(part, remaining)
            if take > ZERO:
                allocations[inv] = take
                remaining -= take
    if existing is not None:  # a failed attempt on the same intent that later succeeded
        existing.delete()
    payment_claims_release(intent_id=intent_id, bump=False)
    payment = payment_record_locked(  # in the caller's transaction, on the invoices locked above
        account=account,
        method=kind.ledger_method,
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
    """The account a PaymentIntent names in its metadata (whether its customer is that account's is checked by
    the handlers: a mismatch records nothing)."""
    meta = obj.get("metadata") or {}
    return Account.objects.select_related("tenant").filter(pk=_decimal_pk(meta.get("portal_account_id"))).first()


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
        enqueue_on_commit(payment_method_detach_task, pm_id)  # a Stripe call: the worker's, never the webhook's


@task()
def payment_method_detach_task(payment_method_id: str) -> int:
    """django-tasks entry point: detach a card the customer did not save (detaching twice is harmless)."""
    _detach_quietly(payment_method_id)
    return 1


def payment_failure_record(obj: dict) -> Payment | None:
    """Record a failed attempt, after locking the intent's invoices (any status, pk order) like the success does:
    a success of the same intent recorded meanwhile is seen, and is never downgraded."""
    intent_id = _intent_id(obj)
    meta = obj.get("metadata") or {}
    account = _intent_account(obj)
    if account is None:
        return None
    if _intent_customer(obj) != (account.stripe_customer_id or ""):
        raise EventMismatch("customer", {"expected_customer": account.stripe_customer_id or ""})
    requested = _parse_invoices(meta.get("invoices", ""))
    if requested:
        list(Invoice.objects.select_for_update().filter(pk__in=requested, account=account).order_by("pk").values("pk"))
    payment_claims_release(intent_id=intent_id)
    existing = _intent_payment(intent_id)
    if existing is not None:
        return existing  # already recorded (a success is never downgraded by a late failure)
    currency = account.tenant.currency
    minor = obj.get("amount")
    if isinstance(minor, bool) or not isinstance(minor, int) or not 0 < minor <= MAX_MINOR_UNITS:
        raise EventMismatch("amount out of range")
    _detach_unsaved_after_commit(obj)
    kind = gateway.intent_method(obj)
    failed = Payment.objects.create(
        tenant=account.tenant,
        account=account,
        method=kind.ledger_method,
        status=Payment.Status.FAILED,
        amount=from_minor_units(minor, currency),
        currency=currency,
        payer=_payer(meta),
        payer_name=str(meta.get("payer_name", ""))[:200],
        card_brand=str(meta.get("card_brand", ""))[:20],
        card_last4=str(meta.get("card_last4", ""))[:4],
        stripe_payment_intent_id=intent_id,
        stripe_charge_id=gateway.intent_charge_id(obj),
        failure_reason=gateway.intent_failure_message(obj)[:255],
    )
    if kind.settles_later:  # the customer left thinking it was paid: tell them (and billing) it was not
        enqueue_on_commit(payment_failed_task, failed.pk)
    webhooks.payment_event_emit(payment=failed, event=webhooks.WebhookEvent.PAYMENT_FAILED)
    return failed


def payment_canceled_record(obj: dict) -> None:
    """A canceled PaymentIntent charges nothing: its claims on the invoices are released."""
    payment_claims_release(intent_id=_intent_id(obj))


def payment_processing_record(obj: dict) -> None:
    """A debit confirmed and settling (``payment_intent.processing``): its invoices stay claimed for the type's
    settling time. Events may come in any order: once the intent's payment is recorded (paid or failed) or its
    claims were released, a late "processing" changes nothing (it never claims invoices again)."""
    intent_id = _intent_id(obj)
    account = _intent_account(obj)
    if account is None:
        return
    if _intent_customer(obj) != (account.stripe_customer_id or ""):
        raise EventMismatch("customer", {"expected_customer": account.stripe_customer_id or ""})
    requested = _parse_invoices((obj.get("metadata") or {}).get("invoices", ""))
    if requested:
        list(Invoice.objects.select_for_update().filter(pk__in=requested, account=account).order_by("pk").values("pk"))
    if _intent_payment(intent_id) is not None:
        return
    PaymentClaim.objects.filter(payment_intent_id=intent_id).update(
        expires_at=timezone.now() + gateway.intent_method(obj).claim_ttl
    )


def payment_failed_notify(*, payment: Payment) -> int:
    """Tell the payer and the account's billing contacts that a bank debit failed and the invoices are open again
    (the one email service, in each recipient's language)."""
    payment = Payment.objects.select_related("account", "tenant", "payer").get(pk=payment.pk)
    return _payment_notice_send(payment, "payment_failed")


@task()
def payment_failed_task(payment_id: int) -> int:
    """django-tasks entry point: the failed-debit email (none if the payment was deleted meanwhile)."""
    payment = Payment.objects.filter(pk=payment_id, status=Payment.Status.FAILED).first()
    return payment_failed_notify(payment=payment) if payment is not None else 0


DISPUTE_COUNTED = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED)


def payment_dispute_record(obj: dict) -> Payment | None:
    """``charge.dispute.created``: the payer's bank took a paid payment back (a SEPA debit returned, a card
    charge disputed). The payment stops counting (it is reversed, with the dispute in its reason: the ledger keeps
    both the payment and its reversal), the invoices it paid are open again, and the payer and the account's
    billing contacts are told (after commit). Under the payments' lock order (:func:`payment_lock`); a dispute of
    a payment already reversed, refunded or unknown to us changes nothing. A dispute of part of a payment is not
    reversed here: it is flagged for staff (:class:`EventMismatch`), who refund or credit what the bank took."""
    dispute_id = obj["id"]
    if not isinstance(dispute_id, str) or not dispute_id.startswith(("dp_", "du_")) or len(dispute_id) > 100:
        raise ValueError("not a dispute id")
    intent_id, charge_id = str(obj.get("payment_intent") or ""), str(obj.get("charge") or "")
    lookup = Q(stripe_payment_intent_id=intent_id) if intent_id else Q(stripe_charge_id=charge_id)
    payment = Payment.objects.filter(lookup).first() if (intent_id or charge_id) else None
    if payment is None:
        logger.warning("Dispute %s is about no payment of ours", dispute_id)
        return None
    payment, invoices = payment_lock(payment=payment)
    if payment.status not in DISPUTE_COUNTED:
        return payment  # failed, reversed or refunded already: nothing counts any more
    if str(obj.get("currency", "")).upper() != payment.currency:
        raise EventMismatch("dispute currency", {"expected_currency": payment.currency})
    minor = obj.get("amount")
    if isinstance(minor, bool) or not isinstance(minor, int) or not 0 < minor <= MAX_MINOR_UNITS:
        raise EventMismatch("dispute amount out of range")
    disputed = from_minor_units(minor, payment.currency)
    if disputed < payment.amount - payment.refunded_amount:
        raise EventMismatch("partial dispute", {"disputed": str(disputed), "payment_id": payment.pk})
    reason = str(obj.get("reason") or "general")[:60]
    payment.status = Payment.Status.REVERSED
    payment.reversed_at = timezone.now()
    payment.reversal_reason = (
        _("Disputed at the payer's bank (%(reason)s), dispute %(id)s")
        % {
            "reason": reason.replace("_", " "),
            "id": dispute_id,
        }
    )[:255]
    payment.save(update_fields=["status", "reversed_at", "reversal_reason", "updated_at"])
    for invoice in invoices:
        invoice_recalculate(invoice=invoice, account_bumped=True, payments_only=True)
    security_event_record(
        event=SecurityEventType.PAYMENT_RECORDED,  # its reversal: status and reason in the details
        account=payment.account,
        user=payment.payer,
        details={
            "payment_id": payment.pk,
            "payment_number": payment.display_number,
            "amount": str(payment.amount),
            "disputed": str(disputed),
            "currency": payment.currency,
            "status": payment.status,
            "method": payment.method,
            "reason": reason,
            "stripe_dispute_id": dispute_id,
            "stripe_payment_intent_id": payment.stripe_payment_intent_id or "",
            "invoices": [invoice.number for invoice in invoices],
        },
    )
    enqueue_on_commit(payment_disputed_task, payment.pk)
    return payment


def payment_disputed_notify(*, payment: Payment) -> int:
    """Tell the payer and the account's billing contacts that a payment was taken back by the bank and which
    invoices are open again (one branded email, in each recipient's language)."""
    payment = (
        Payment.objects.select_related("account", "tenant", "payer")
        .prefetch_related("allocations__invoice")
        .get(pk=payment.pk)
    )
    return _payment_notice_send(payment, "payment_disputed", invoices=[a.invoice for a in payment.allocations.all()])


def _payment_notice_send(payment: Payment, template: str, **context) -> int:
    """One branded email about a payment to its payer and the account's billing contacts (0 when there is no one)."""
    recipients = set(billing_contact_emails(account=payment.account))
    if payment.payer and payment.payer.email:
        recipients.add(payment.payer.email)
    if not recipients:
        return 0
    send_branded_email(
        tenant=payment.tenant,
        to=sorted(recipients),
        template=template,
        context={
            "payment": payment,
            "account": payment.account,
            "pay_url": account_portal_url(payment.account, "invoices"),
            **context,
        },
    )
    return 1


@task()
def payment_disputed_task(payment_id: int) -> int:
    """django-tasks entry point: the disputed-payment email (none unless the payment is still reversed)."""
    payment = Payment.objects.filter(pk=payment_id, status=Payment.Status.REVERSED).first()
    return payment_disputed_notify(payment=payment) if payment is not None else 0


def _charge_refunded(obj: dict) -> Payment | None:
    intent_id = obj.get("payment_intent")
    if not intent_id:
        return None
    payment = Payment.objects.filter(stripe_payment_intent_id=intent_id).first()  # locked in lock order below
    if payment is None:
        return None
    total = from_minor_units(int(obj.get("amount_refunded") or 0), payment.currency)
    return payment_apply_refund_total(payment=payment, refunded_total=total)


EVENT_HANDLERS = {
    "payment_intent.succeeded": payment_record_from_intent,
    "payment_intent.payment_failed": payment_failure_record,
    "payment_intent.canceled": payment_canceled_record,
    "payment_intent.processing": payment_processing_record,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": payment_dispute_record,
}


# --- Refunds -------------------------------------------------------------------------------------


REFUNDABLE_STATUSES = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED, Payment.Status.REFUNDED)


@transaction.atomic
def payment_apply_refund_total(*, payment: Payment, refunded_total: Decimal) -> Payment:
    """Bring the payment to ``refunded_total`` refunded (absolute, so replays and reordering are harmless)."""
    payment, _invoices = payment_lock(payment=payment)  # its invoices, then its row: the payments' lock order
    if payment.status not in REFUNDABLE_STATUSES:  # failed, or taken back by a dispute: it no longer counts
        return payment
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
    webhooks.payment_event_emit(payment=payment, event=webhooks.WebhookEvent.PAYMENT_REFUNDED)
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


@transaction.atomic
def payment_receipt_send(*, payment: Payment) -> int:
    """Email the receipt to the payer and the account's billing contacts, once.

    The payment's row is locked while the receipt goes out and marked sent in the same transaction: a task run
    again (a worker killed mid-task, a retried enqueue) finds it sent and sends nothing, and two runs at once
    queue on the lock. Only a worker killed between the mail server's answer and the commit sends it twice.
    """
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("account", "tenant", "payer")
        .prefetch_related("allocations__invoice")
        .get(pk=payment.pk)
    )
    if payment.receipt_sent_at is not None:
        return 0
    recipients = set(billing_contact_emails(account=payment.account))
    if payment.payer and payment.payer.email:
        recipients.add(payment.payer.email)
    if not recipients:
        return 0

    send_branded_email(
        tenant=payment.tenant,
        to=sorted(recipients),
        template="payment_receipt",
        context={
            "payment": payment,
            "account": payment.account,
            "receipt_url": account_portal_url(payment.account, "payment_receipt", pk=payment.pk),
        },
    )
    payment.receipt_sent_at = timezone.now()
    payment.save(update_fields=["receipt_sent_at"])
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
    processing: list = field(default_factory=list)  # bank debits started, settling


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
        due = list(
            Invoice.objects.filter(account=account, due_date__lte=today)
            .payable()
            .exclude(payment_claim__expires_at__gt=timezone.now())  # a debit settling, a check on its way
            .values_list("pk", flat=True)
        )
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
                method=method.type,
                mandate_accepted=method.mandate_accepted_at is not None,
            )
        except (PaymentError, ValidationError) as exc:
            report.failed.append((account, str(exc.messages[0] if hasattr(exc, "messages") else exc)))
            _autopay_email(account=account, ok=False, message=report.failed[-1][1])
            continue
        if start.intent.succeeded:
            with transaction.atomic():
                payment = payment_record_from_intent(gateway.payment_intent_raw(intent_id=start.intent.id))
            report.charged.append((account, payment))
        elif start.intent.processing:  # a bank debit: paid (or failed, with an email) on its webhook
            report.processing.append((account, start.intent.id))
        else:
            report.failed.append((account, start.intent.failure_message or _("Authentication is required.")))
            _autopay_email(account=account, ok=False, message=report.failed[-1][1])
    return report


def _autopay_email(*, account: Account, ok: bool, message: str) -> None:
    recipients = billing_contact_emails(account=account)
    if recipients:
        send_branded_email(
            tenant=account.tenant,
            to=recipients,
            template="autopay_failed",
            context={"account": account, "message": message, "pay_url": account_portal_url(account, "invoices")},
        )


@task()
def charge_autopay_task() -> int:
    """django-tasks entry point (run daily by the worker or `manage.py charge_autopay`)."""
    report = autopay_charge_due()
    return len(report.charged)


# --- Reconciliation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReconcileDifference:
    kind: str  # "not_recorded" (charged, no payment), "not_charged" (payment, no charge), "amount" (they differ)
    intent_id: str
    charged: Decimal | None
    recorded: Decimal | None
    currency: str
    payment: Payment | None = None
    account_id: int | None = None  # the account the intent names, or the recorded payment's

    @property
    def label(self) -> str:
        return {
            "not_recorded": _("Charged but not recorded"),
            "not_charged": _("Recorded but not charged"),
            "amount": _("Amount differs"),
        }[self.kind]


def payments_reconcile(*, since: datetime, until: datetime, tenant_ids: Sequence[int] | None = None):
    """Every difference between the PaymentIntents the gateway reports created in ``[since, until)`` and the
    card payments recorded for them: charged but not recorded, recorded but not charged, amount differs.
    ``tenant_ids`` (staff's tenants) limits both sides to those tenants; None is every tenant."""
    intents = gateway.payment_intents_list(since=int(since.timestamp()), until=int(until.timestamp()))
    if tenant_ids is not None:
        wanted = {str(pk) for pk in tenant_ids}
        intents = [i for i in intents if i.metadata.get("portal_tenant_id") in wanted]
    charged = {i.id: i for i in intents if i.status == "succeeded"}
    recorded_qs = Payment.objects.filter(method__in=ONLINE_LEDGER_METHODS).exclude(status=Payment.Status.FAILED)
    if tenant_ids is not None:
        recorded_qs = recorded_qs.filter(tenant_id__in=list(tenant_ids))
    recorded = {
        p.stripe_payment_intent_id: p
        for p in recorded_qs.filter(
            Q(stripe_payment_intent_id__in=list(charged)) | Q(received_at__gte=since, received_at__lt=until)
        ).exclude(stripe_payment_intent_id=None)
    }
    differences = []
    for intent_id, intent in sorted(charged.items(), key=lambda kv: kv[1].created):
        payment = recorded.get(intent_id)
        if payment is None:
            named = _decimal(intent.metadata.get("portal_account_id"))
            differences.append(
                ReconcileDifference(
                    "not_recorded",
                    intent_id,
                    intent.amount,
                    None,
                    intent.currency,
                    account_id=int(named) if named is not None and named == named.to_integral_value() else None,
                )
            )
        elif payment.amount != intent.amount or payment.currency != intent.currency:
            differences.append(
                ReconcileDifference(
                    "amount", intent_id, intent.amount, payment.amount, intent.currency, payment, payment.account_id
                )
            )
    for intent_id, payment in recorded.items():
        if intent_id not in charged:
            other = gateway_status(intent_id)
            if other != "succeeded":
                differences.append(
                    ReconcileDifference(
                        "not_charged", intent_id, None, payment.amount, payment.currency, payment, payment.account_id
                    )
                )
    return differences


def gateway_status(intent_id: str) -> str:
    """The status of one PaymentIntent at the gateway ("" when it does not know it)."""
    try:
        return gateway.payment_intent_retrieve(intent_id=intent_id).status
    except PaymentServiceUnavailable:
        raise
    except PaymentError:
        return ""
