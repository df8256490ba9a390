"""Outgoing webhooks: a tenant's endpoints, the events the portal sends them, signed, and their delivery.

An event (:func:`webhook_emit`, called by the service where the thing happened) writes one
:class:`WebhookDelivery` per active endpoint of the tenant subscribed to it, in the caller's transaction, and
enqueues its delivery task for when that transaction commits (``tasks.enqueue_on_commit``): an event of work that
rolled back is never sent. The task POSTs the body through ``gateways/http.py``, signed
(``Portal-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>``), logs the
attempt, and on a failure (no 2xx answer) schedules the next attempt with exponential backoff on the task
worker (``run_after``; the database backend of production). After ``PORTAL_WEBHOOK_MAX_ATTEMPTS`` it is failed;
staff re-send it from the admin.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ..gateways import http
from ..models import Invoice, Tenant, User, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from ..tasks import enqueue_on_commit

SIGNATURE_HEADER = "Portal-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_RETRY_DELAY = timedelta(hours=6)
# A delivery a worker took this long ago and never finished (the worker died mid-request) may be taken again.
STALE_CLAIM = timedelta(minutes=5)
WANTED_CACHE_SECONDS = 300


# --- signatures (the receivers' side is the same computation: see the README) ------------------------------------


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The header value: ``t=<timestamp>,v1=<hex HMAC-SHA256 over "<timestamp>.<body>">``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_signature_verify(
    *, secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = SIGNATURE_TOLERANCE_SECONDS
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and its timestamp is within ``tolerance`` seconds."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def _new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


# --- endpoints -----------------------------------------------------------------------------------------------------


def webhook_url_check(*, url: str) -> str:
    """``url`` if it may receive webhooks, else a ValidationError on the ``url`` field saying why."""
    try:
        http.url_check(url)
    except http.UnsafeURL as exc:
        message = _("This address cannot receive webhooks: %(reason)s.") % {"reason": exc}
        raise ValidationError({"url": message}) from exc
    return url


def _events_check(events) -> list[str]:
    events = list(dict.fromkeys(events))
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    unknown = [event for event in events if event not in WebhookEvent.values]
    if unknown:
        raise ValidationError({"events": _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}})
    return events


@transaction.atomic
def webhook_endpoint_create(
    *, tenant: Tenant, url: str, events, description: str = "", is_active: bool = True, by: User | None = None
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of ``tenant`` and its signing secret (shown to staff once)."""
    endpoint = WebhookEndpoint.objects.create(
        tenant=tenant,
        url=webhook_url_check(url=url),
        events=_events_check(events),
        description=description,
        is_active=is_active,
        secret=_new_secret(),
        created_by=by,
    )
    _forget_wanted(tenant.pk)
    return endpoint, endpoint.secret


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, events, description: str, is_active: bool
) -> WebhookEndpoint:
    endpoint.url = webhook_url_check(url=url)
    endpoint.events = _events_check(events)
    endpoint.description = description
    endpoint.is_active = is_active
    endpoint.save(update_fields=["url", "events", "description", "is_active", "updated_at"])
    _forget_wanted(endpoint.tenant_id)
    return endpoint


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """A new signing secret for ``endpoint``, used from the next attempt on (shown to staff once)."""
    endpoint.secret = _new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint.secret


# --- events ----------------------------------------------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)  # money as a decimal string, never a float
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _wanted_key(tenant_id: int) -> str:
    return f"portal:webhook-events:{tenant_id}"


def _events_wanted(tenant_id: int) -> frozenset[str]:
    """The events some active endpoint of the tenant subscribed to, from the cache (most tenants have none: an event
    of theirs costs no query); endpoint changes forget it (:func:`_forget_wanted`)."""
    wanted = cache.get(_wanted_key(tenant_id))
    if wanted is None:
        rows = WebhookEndpoint.objects.filter(tenant_id=tenant_id, is_active=True).values_list("events", flat=True)
        wanted = sorted({event for events in rows for event in events})
        cache.set(_wanted_key(tenant_id), wanted, WANTED_CACHE_SECONDS)
    return frozenset(wanted)


def _forget_wanted(tenant_id: int) -> None:
    cache.delete(_wanted_key(tenant_id))
    transaction.on_commit(lambda: cache.delete(_wanted_key(tenant_id)))  # and once what changed is visible


def webhook_emit(*, tenant_id: int, event: str, data: dict | Callable[[], dict]) -> list[WebhookDelivery]:
    """Queue ``event`` with ``data`` for every active endpoint of the tenant subscribed to it; sent once the
    current transaction commits. One query when the tenant has no endpoint for it (``data`` may be a function,
    called only when some endpoint wants the event)."""
    if event not in _events_wanted(tenant_id):
        return []
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(tenant_id=tenant_id, is_active=True)
        if event in endpoint.events
    ]
    if not endpoints:
        return []
    if callable(data):
        data = data()
    created = timezone.now()
    deliveries = []
    event_id = None
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=created)
        event_id = event_id or delivery.event_id
        delivery.event_id = event_id
        delivery.body = json.dumps(
            {"id": str(event_id), "type": event, "created": created, "data": data},
            default=_json_default,
            separators=(",", ":"),
        )
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        enqueue_on_commit(webhook_deliver_task, delivery.pk)
    return deliveries


def _account(account) -> dict:
    return {"id": account.pk, "number": account.number, "external_id": account.external_id, "name": account.name}


def payment_event_data(payment) -> dict:
    return {
        "payment": {
            "id": payment.pk,
            "number": payment.display_number,
            "external_id": payment.external_id,
            "status": payment.status,
            "method": payment.method,
            "amount": payment.amount,
            "refunded_amount": payment.refunded_amount,
            "currency": payment.currency,
            "received_at": payment.received_at,
            "invoices": [
                {"number": a.invoice.number, "external_id": a.invoice.external_id, "amount": a.amount}
                for a in payment.allocations.select_related("invoice").order_by("pk")
            ],
        },
        "account": _account(payment.account),
    }


def payment_event_emit(*, payment, event: str) -> None:
    """``payment.recorded``, ``payment.failed`` or ``payment.refunded`` for ``payment``."""
    webhook_emit(tenant_id=payment.tenant_id, event=event, data=lambda: payment_event_data(payment))


def invoice_viewed(*, invoice_id: int, account, user: User | None) -> None:
    """The customer ``user`` opened invoice ``invoice_id`` of ``account`` on the portal: ``invoice.viewed`` (the
    invoice is read only when an endpoint wants the event)."""

    def data() -> dict:
        invoice = Invoice.objects.get(pk=invoice_id, account=account)
        return {
            "invoice": {
                "id": invoice.pk,
                "number": invoice.number,
                "external_id": invoice.external_id,
                "status": invoice.status,
                "total": invoice.total,
                "amount_due": invoice.amount_due,
                "currency": invoice.currency,
            },
            "account": _account(account),
            "viewed_by": getattr(user, "email", "") or "",
            "viewed_at": timezone.now(),
        }

    webhook_emit(tenant_id=account.tenant_id, event=WebhookEvent.INVOICE_VIEWED, data=data)


def ticket_opened_emit(*, ticket) -> None:
    webhook_emit(
        tenant_id=ticket.tenant_id,
        event=WebhookEvent.TICKET_OPENED,
        data={
            "ticket": {
                "id": ticket.pk,
                "number": ticket.number,
                "external_id": ticket.external_id,
                "subject": ticket.subject,
                "category": ticket.category,
                "severity": ticket.severity,
                "status": ticket.status,
                "opened_by": getattr(ticket.created_by, "email", "") or "",
            },
            "account": _account(ticket.account),
        },
    )


def order_placed_emit(*, order) -> None:
    webhook_emit(
        tenant_id=order.tenant_id,
        event=WebhookEvent.ORDER_PLACED,
        data={
            "order": {
                "id": order.pk,
                "number": order.number,
                "external_id": order.external_id,
                "status": order.status,
                "po_number": order.po_number,
                "currency": order.currency,
                "subtotal": order.subtotal,
                "submitted_at": order.submitted_at,
                "lines": [{"description": str(line), "quantity": line.quantity} for line in order.lines.order_by("pk")],
            },
            "account": _account(order.account),
        },
    )


# --- delivery --------------------------------------------------------------------------------------------------------


def retry_delay(*, attempt: int) -> timedelta:
    """How long after failed attempt number ``attempt`` (1, 2, ...) the next one runs: the base, doubled each time."""
    base = timedelta(seconds=settings.PORTAL_WEBHOOK_RETRY_BASE_SECONDS)
    return min(base * (2 ** (attempt - 1)), MAX_RETRY_DELAY)


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt (a conditional update: one worker at a time), or None if it is
    delivered, failed, or being sent by another worker right now."""
    now = timezone.now()
    takeable = Q(status=WebhookDelivery.Status.PENDING) | Q(
        status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    taken = (
        WebhookDelivery.objects.filter(takeable, pk=delivery_id)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=WebhookDelivery.Status.SENDING, claimed_at=now)
    )
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """One attempt of the delivery: POST, log, then delivered, scheduled again, or failed. None if it was not due."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    number = delivery.attempt_count + 1
    started = timezone.now()
    body = delivery.body.encode()
    if endpoint.is_active:
        result = http.post(
            url=endpoint.url,
            body=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, timestamp=int(time.time()), body=body),
                "Portal-Event": delivery.event,
                "Portal-Event-Id": str(delivery.event_id),
                "Portal-Delivery": str(delivery.pk),
            },
        )
    else:
        result = http.PostResult(None, "", 0, "the endpoint is switched off")
    ok = result.status_code is not None and 200 <= result.status_code < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started,
            status_code=result.status_code,
            response_excerpt=result.excerpt,
            error=result.error[:300],
            duration_ms=result.duration_ms,
        )
        delivery.attempt_count = number
        delivery.last_status_code = result.status_code
        delivery.claimed_at = None
        if ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                WebhookDelivery.Status.DELIVERED,
                timezone.now(),
                None,
            )
        elif number >= settings.PORTAL_WEBHOOK_MAX_ATTEMPTS or not endpoint.is_active:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        else:
            delivery.status = WebhookDelivery.Status.PENDING
            delivery.next_attempt_at = timezone.now() + retry_delay(attempt=number)
        fields = ["attempt_count", "last_status_code", "claimed_at", "status", "delivered_at", "next_attempt_at"]
        delivery.save(update_fields=fields)
        if delivery.status == WebhookDelivery.Status.PENDING:
            _schedule(delivery)
    return delivery


def _schedule(delivery: WebhookDelivery) -> None:
    """Enqueue the next attempt to run at ``next_attempt_at`` on a backend that can defer a task (the database
    queue of production). The demo's immediate backend cannot wait: it leaves the delivery pending, to be re-sent
    from the admin."""
    if webhook_deliver_task.get_backend().supports_defer:
        enqueue_on_commit(webhook_deliver_task.using(run_after=delivery.next_attempt_at), delivery.pk)


@task()
def webhook_deliver_task(delivery_id: int) -> str:
    """One attempt of a webhook delivery (idempotent: a delivered or not-yet-due delivery is left alone)."""
    delivery = webhook_deliver(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "skipped"


def webhook_delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Staff send ``delivery`` again now, with the same event id and body (receivers de-duplicate on the id). Its
    attempts go on counting; a re-send that fails is retried while attempts remain, else it is failed again."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == WebhookDelivery.Status.SENDING and delivery.claimed_at > timezone.now() - STALE_CLAIM:
            raise ValidationError(_("This delivery is being sent right now."))
        delivery.status = WebhookDelivery.Status.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.claimed_at = None
        delivery.save(update_fields=["status", "next_attempt_at", "claimed_at"])
        enqueue_on_commit(webhook_deliver_task, delivery.pk)
    delivery.refresh_from_db()
    return delivery
