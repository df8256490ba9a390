"""The one module that talks to Stripe (the ``stripe`` library is imported nowhere else).

- the API version is pinned (:data:`API_VERSION`); the API base comes from settings
  (localstripe on 127.0.0.1:8420 in demo and tests, api.stripe.com in production);
- amounts go out in minor units (:func:`portal_models.money.to_minor_units`);
- every create sends an idempotency key;
- Stripe's errors become our own exceptions, whose message is fit for a customer;
- webhook payloads are verified with ``stripe.WebhookSignature.verify_header`` (:func:`webhook_event`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal_models.money import from_minor_units, to_minor_units

logger = logging.getLogger(__name__)

API_VERSION = "2024-06-20"


class PaymentError(Exception):
    """Base of the gateway's errors; ``str(error)`` is a message fit for a customer."""

    default_message = ""

    def __init__(self, message: str | None = None, *, code: str = ""):
        self.code = code
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class PaymentDeclined(PaymentError):
    """The card was refused (declined, expired, wrong CVC, authentication failed)."""


class PaymentServiceUnavailable(PaymentError):
    """Stripe could not be reached or failed; nothing was charged."""


class PaymentRejected(PaymentError):
    """Stripe refused the request (a bug or misconfiguration on our side); nothing was charged."""


class InvalidWebhook(Exception):
    """A webhook whose payload or signature does not verify."""


def _service_unavailable() -> PaymentServiceUnavailable:
    return PaymentServiceUnavailable(
        _("The payment service is unavailable right now. Nothing was charged; please try again in a few minutes.")
    )


# Marked with gettext_lazy so makemessages extracts them; worded in the customer's language when shown.
DECLINE_MESSAGES = {
    "card_declined": gettext_lazy("Your card was declined. Please use another card or contact your bank."),
    "expired_card": gettext_lazy("Your card has expired. Please use another card."),
    "incorrect_cvc": gettext_lazy("The card's security code is incorrect."),
    "insufficient_funds": gettext_lazy("Your card has insufficient funds. Please use another card."),
    "processing_error": gettext_lazy("The card could not be processed. Please try again."),
    "payment_intent_authentication_failure": gettext_lazy("The card's authentication (3-D Secure) failed."),
}


def decline_message(code: str | None, fallback: str | None = None) -> str:
    if code in DECLINE_MESSAGES:
        return str(DECLINE_MESSAGES[code])
    return fallback or str(DECLINE_MESSAGES["card_declined"])


def _client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=API_VERSION,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def _call(func, *args, **kwargs):
    """Run one Stripe call, mapping its errors to ours (no raw Stripe error leaves this module)."""
    try:
        return func(*args, **kwargs)
    except stripe.CardError as exc:
        raise PaymentDeclined(decline_message(exc.code, None), code=exc.code or "card_declined") from exc
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        logger.warning("Stripe unavailable: %s", exc)
        raise _service_unavailable() from exc
    except stripe.StripeError as exc:
        logger.error("Stripe refused a request: %s", exc)
        if exc.http_status and exc.http_status >= 500:
            raise _service_unavailable() from exc
        raise PaymentRejected(
            _("The payment could not be started. Nothing was charged; please contact support."),
            code=getattr(exc, "code", "") or "",
        ) from exc


def _opts(idempotency_key: str | None = None) -> dict:
    return {"idempotency_key": idempotency_key} if idempotency_key else {}


# --- Payment-method types ------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodType:
    """What the portal knows of one Stripe payment-method type: every difference between a card and a bank debit
    is a row of :data:`METHOD_TYPES`, never an ``if card`` in the code that uses it."""

    code: str  # Stripe's payment_method_types value
    label: Any  # what the customer sees (lazy)
    ledger_method: str  # Payment.Method of what it records
    currencies: frozenset[str] | None  # the currencies it takes (None: any)
    supported: bool  # runs end to end here (localstripe in demo and tests, Stripe in production)
    settles_later: bool  # "processing" after confirmation, paid (or failed) on a later webhook
    fee_applies: bool  # the card convenience fee is added
    confirm_off_session: bool  # the PaymentIntent uses the mandate the SetupIntent collected (off_session)
    claim_ttl: timedelta  # how long a payment under way holds its invoices
    describe: Callable[[dict], dict]  # the PaymentMethod object's details we keep
    declined: Any = None  # the customer's message when the debit fails (None: the card decline messages)
    scheme: Any = ""  # the scheme named on receipts beside the account ("SEPA Direct Debit"); "" for cards


def _describe_card(pm: dict) -> dict:
    card = pm.get("card") or {}
    return {
        "brand": str(card.get("brand") or ""),
        "last4": str(card.get("last4") or ""),
        "exp_month": int(card.get("exp_month") or 0),
        "exp_year": int(card.get("exp_year") or 0),
    }


def _describe_sepa_debit(pm: dict) -> dict:
    sepa = pm.get("sepa_debit") or {}
    billing = pm.get("billing_details") or {}
    return {
        "brand": "",  # a bank account has no card brand (the receipt shows the method and last 4)
        "last4": str(sepa.get("last4") or ""),
        "bank_code": str(sepa.get("bank_code") or ""),
        "country": str(sepa.get("country") or ""),
        "holder_name": str(billing.get("name") or ""),
        "mandate_reference": str(sepa.get("mandate_reference") or ""),
    }


def _describe_unsupported(pm: dict) -> dict:  # pragma: no cover - never offered
    raise PaymentRejected(_("This payment method is not available."))


METHOD_TYPES: dict[str, MethodType] = {
    "card": MethodType(
        code="card",
        label=gettext_lazy("Credit card"),
        ledger_method="card",
        currencies=None,
        supported=True,
        settles_later=False,
        fee_applies=True,
        confirm_off_session=False,
        claim_ttl=timedelta(minutes=30),
        describe=_describe_card,
    ),
    "sepa_debit": MethodType(
        code="sepa_debit",
        label=gettext_lazy("Bank account (direct debit)"),
        ledger_method="bank_debit",
        currencies=frozenset({"EUR"}),
        supported=True,
        settles_later=True,
        fee_applies=False,
        confirm_off_session=True,
        claim_ttl=timedelta(days=14),  # SEPA debits settle in up to 14 business days at most banks
        describe=_describe_sepa_debit,
        declined=gettext_lazy(
            "Your bank did not accept the direct debit. Nothing was taken from your account; please pay another way."
        ),
        scheme=gettext_lazy("SEPA Direct Debit"),
    ),
    # USD ACH: localstripe has no us_bank_account (no SetupIntent, no microdeposits), so it cannot run offline
    # in the demo or the tests; declared here so that enabling it is this row plus its Stripe.js step.
    "us_bank_account": MethodType(
        code="us_bank_account",
        label=gettext_lazy("Bank account (ACH)"),
        ledger_method="bank_debit",
        currencies=frozenset({"USD"}),
        supported=False,
        settles_later=True,
        fee_applies=False,
        confirm_off_session=True,
        claim_ttl=timedelta(days=7),
        describe=_describe_unsupported,
        scheme=gettext_lazy("ACH Direct Debit"),
    ),
}


def method_type(code: str) -> MethodType:
    """The row of :data:`METHOD_TYPES` (a card for anything unknown or unsupported)."""
    found = METHOD_TYPES.get(code or "card")
    return found if found is not None and found.supported else METHOD_TYPES["card"]


def ledger_method_type(*, ledger_method: str, currency: str) -> MethodType | None:
    """The row that records payments of ``ledger_method`` in ``currency`` (a bank debit in EUR is SEPA's), or
    None for a method paid outside Stripe (checks, transfers, cash)."""
    rows = [t for t in METHOD_TYPES.values() if t.ledger_method == ledger_method]
    for row in rows:
        if row.currencies is None or currency.upper() in row.currencies:
            return row
    return rows[0] if rows else None


def method_types_for(*, currency: str, bank_debit: bool) -> list[MethodType]:
    """The supported types a tenant offers in ``currency``: cards always, bank debits when enabled."""
    return [
        t
        for t in METHOD_TYPES.values()
        if t.supported
        and (t.currencies is None or currency.upper() in t.currencies)
        and (not t.settles_later or bank_debit)
    ]


# --- Customers and payment methods ---------------------------------------------------------------


@dataclass(frozen=True)
class SavedMethod:
    """A PaymentMethod at Stripe (a card or a bank account), as plain data."""

    id: str
    type: str
    last4: str
    customer: str | None
    brand: str = ""
    exp_month: int = 0
    exp_year: int = 0
    bank_code: str = ""
    country: str = ""
    holder_name: str = ""
    mandate_reference: str = ""

    @property
    def method_type(self) -> MethodType:
        return method_type(self.type)


Card = SavedMethod  # the name the card code and its tests know


def customer_create(*, name: str, email: str, account_id: int, idempotency_key: str) -> str:
    params = {"name": name, "metadata": {"account_id": str(account_id)}}
    if email:
        params["email"] = email
    customer = _call(_client().v1.customers.create, params, _opts(idempotency_key))
    return customer.id


def customer_exists(*, customer_id: str) -> bool:
    try:
        customer = _call(_client().v1.customers.retrieve, customer_id)
    except PaymentRejected:
        return False
    return not getattr(customer, "deleted", False)


def setup_intent_create(*, customer_id: str, idempotency_key: str, method: str = "card") -> tuple[str, str]:
    """A SetupIntent for the browser to confirm (Card Element, or the IBAN with the mandate); returns (id,
    client_secret)."""
    intent = _call(
        _client().v1.setup_intents.create,
        {"customer": customer_id, "payment_method_types": [method_type(method).code], "usage": "off_session"},
        _opts(idempotency_key),
    )
    return intent.id, intent.client_secret


def _saved(pm) -> SavedMethod:
    data = pm.to_dict() if hasattr(pm, "to_dict") else dict(pm)
    customer = data.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    kind = method_type(str(data.get("type") or ""))
    return SavedMethod(id=data["id"], type=kind.code, customer=customer or None, **kind.describe(data))


def payment_method_retrieve(*, payment_method_id: str, types: tuple[str, ...] = ("card",)) -> SavedMethod | None:
    """The payment method behind an id when it is of one of ``types``, or None."""
    if not payment_method_id.startswith("pm_"):
        return None
    try:
        pm = _call(_client().v1.payment_methods.retrieve, payment_method_id)
    except PaymentRejected:
        return None
    kind = str(getattr(pm, "type", ""))
    if kind not in types or not METHOD_TYPES.get(kind, METHOD_TYPES["us_bank_account"]).supported:
        return None
    return _saved(pm)


def card_retrieve(*, payment_method_id: str) -> SavedMethod | None:
    """The card behind a payment method id, or None when there is no such card."""
    return payment_method_retrieve(payment_method_id=payment_method_id, types=("card",))


def payment_method_attach(*, payment_method_id: str, customer_id: str) -> SavedMethod:
    pm = _call(_client().v1.payment_methods.attach, payment_method_id, {"customer": customer_id})
    return _saved(pm)


def payment_method_detach(*, payment_method_id: str) -> None:
    _call(_client().v1.payment_methods.detach, payment_method_id)


card_attach = payment_method_attach
card_detach = payment_method_detach


# --- Payments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    id: str
    status: str
    client_secret: str
    amount: Decimal
    currency: str
    metadata: dict
    failure_message: str = ""

    @property
    def requires_action(self) -> bool:
        return self.status == "requires_action"

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def processing(self) -> bool:
        """Confirmed, settling (a bank debit): paid or failed on a later webhook."""
        return self.status == "processing"

    @property
    def failed(self) -> bool:
        return self.status in ("requires_payment_method", "canceled")


def intent_method(obj: dict) -> MethodType:
    """The payment-method type of a PaymentIntent: Stripe's ``payment_method_types`` (we always send one), else
    the type we wrote in its metadata when we made it (localstripe does not echo the list back)."""
    types = obj.get("payment_method_types")
    if isinstance(types, list) and types:
        return method_type(str(types[0]))
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return method_type(str(meta.get("method") or "card"))


def _intent(pi) -> Intent:
    data = pi.to_dict()
    currency = str(data["currency"]).upper()
    error = data.get("last_payment_error") or {}
    return Intent(
        id=data["id"],
        status=data["status"],
        client_secret=data.get("client_secret") or "",
        amount=from_minor_units(int(data["amount"]), currency),
        currency=currency,
        metadata=dict(data.get("metadata") or {}),
        failure_message=intent_failure_message(data) if error else "",
    )


def payment_intent_create(
    *,
    amount: Decimal,
    currency: str,
    customer_id: str,
    payment_method_id: str,
    metadata: dict[str, str],
    idempotency_key: str,
    off_session: bool = False,
    method: str = "card",
) -> Intent:
    """Create and confirm a PaymentIntent for ``amount`` (computed by the caller on the server) with a payment
    method of type ``method`` (a row of :data:`METHOD_TYPES`)."""
    kind = method_type(method)
    params: dict[str, Any] = {
        "amount": to_minor_units(amount, currency),
        "currency": currency.lower(),
        "customer": customer_id,
        "payment_method": payment_method_id,
        "payment_method_types": [kind.code],
        "confirm": True,
        "metadata": metadata,
    }
    if off_session or kind.confirm_off_session:
        params["off_session"] = True
    pi = _call(_client().v1.payment_intents.create, params, _opts(idempotency_key))
    return _intent(pi)


def payment_intent_retrieve(*, intent_id: str) -> Intent:
    return _intent(_call(_client().v1.payment_intents.retrieve, intent_id))


def payment_intent_raw(*, intent_id: str) -> dict:
    """The PaymentIntent as a plain dict (the shape a webhook event carries)."""
    return _call(_client().v1.payment_intents.retrieve, intent_id).to_dict()


@dataclass(frozen=True)
class ChargedIntent:
    id: str
    status: str
    amount: Decimal  # what was received (0 unless it succeeded)
    currency: str
    created: int
    metadata: dict
    customer: str = ""


def payment_intents_list(*, since: int, until: int) -> list[ChargedIntent]:
    """The PaymentIntents created in ``[since, until)`` (Unix times), every page of them."""
    params: dict[str, Any] = {"limit": 100, "created": {"gte": since, "lt": until}}
    found: list[ChargedIntent] = []
    client = _client()
    while True:
        try:
            page = _call(client.v1.payment_intents.list, params)
        except PaymentRejected:
            if "created" not in params:
                raise
            params.pop("created")  # localstripe knows no filter by date: it is applied below
            continue
        data = page.to_dict()
        rows = data.get("data") or []
        for pi in rows:
            created = int(pi.get("created") or 0)
            if not since <= created < until:  # a server that ignores the filter
                continue
            currency = str(pi.get("currency") or "").upper()
            received = pi.get("amount_received") or (pi.get("amount") if pi.get("status") == "succeeded" else 0)
            customer = pi.get("customer") or ""
            found.append(
                ChargedIntent(
                    id=pi["id"],
                    status=pi.get("status") or "",
                    amount=from_minor_units(int(received or 0), currency),
                    currency=currency,
                    created=created,
                    metadata=dict(pi.get("metadata") or {}),
                    customer=customer.get("id", "") if isinstance(customer, dict) else str(customer),
                )
            )
        if not data.get("has_more") or not rows:
            return found
        params = {**params, "starting_after": rows[-1]["id"]}


@dataclass(frozen=True)
class RefundResult:
    id: str
    amount: Decimal
    charge_refunded_total: Decimal | None


def refund_create(*, intent_id: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
    client = _client()
    refund = _call(
        client.v1.refunds.create,
        {"payment_intent": intent_id, "amount": to_minor_units(amount, currency)},
        _opts(idempotency_key),
    )
    total = None
    if getattr(refund, "charge", None):
        charge_id = refund.charge if isinstance(refund.charge, str) else refund.charge.id
        charge = _call(client.v1.charges.retrieve, charge_id)
        total = from_minor_units(int(charge.amount_refunded), currency)
    return RefundResult(
        id=refund.id, amount=from_minor_units(int(refund.amount), currency), charge_refunded_total=total
    )


# --- Webhooks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    object: dict
    payload: dict


def webhook_event(*, payload: bytes, signature: str | None) -> WebhookEvent:
    """Verify a webhook delivery's signature and parse it; raises InvalidWebhook.

    The check is the stripe library's own (``WebhookSignature.verify_header``: HMAC-SHA256 with the endpoint's
    secret, compared in constant time, timestamp within ``Webhook.DEFAULT_TOLERANCE``), then the body is read
    with ``json.loads``: what ``Webhook.construct_event`` does, without building StripeObjects that
    ``to_dict()`` would turn back into the same plain dicts.
    """
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature or "", settings.STRIPE_WEBHOOK_SECRET, tolerance=stripe.Webhook.DEFAULT_TOLERANCE
        )
        data = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidWebhook(str(exc)) from exc
    if not isinstance(data, dict) or data.get("object") == "v2.core.event":  # construct_event refuses those too
        raise InvalidWebhook("not a snapshot event")
    if not isinstance(data.get("id"), str) or not data["id"] or not isinstance(data.get("type"), str):
        raise InvalidWebhook("no event id or type")
    body = data.get("data")
    obj = body.get("object") if isinstance(body, dict) else None
    return WebhookEvent(id=data["id"], type=data["type"], object=obj if isinstance(obj, dict) else {}, payload=data)


def intent_charge_id(obj: dict) -> str:
    charge = obj.get("latest_charge")
    if isinstance(charge, dict):
        return charge.get("id", "")
    return charge or ""


def intent_failure_message(obj: dict) -> str:
    error = obj.get("last_payment_error") or {}
    kind = intent_method(obj)
    if kind.declined is not None:
        return str(kind.declined)
    return decline_message(error.get("code"), None) if error else _("The payment failed.")


def webhook_register_localstripe(*, url: str, endpoint_id: str = "portal") -> None:
    """Tell localstripe where to deliver events (``POST /_config/webhooks/<id>``); demo and tests only."""
    import requests

    response = requests.post(
        f"{settings.STRIPE_API_BASE}/_config/webhooks/{endpoint_id}",
        data={"url": url, "secret": settings.STRIPE_WEBHOOK_SECRET},
        timeout=5,
    )
    response.raise_for_status()


def publishable_key() -> str:
    return settings.STRIPE_PUBLISHABLE_KEY


def js_url() -> str:
    return settings.STRIPE_JS_URL
