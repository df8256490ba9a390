"""The one writer of the customer security audit trail (``SecurityEvent``).

Called from the identity and payment services and from the sign-in signals (portal_models/signals.py).
The request (for IP address, browser and request id) is taken from the argument or, when a service is
called inside a request, from the current request (portal_models.observability).
"""

from __future__ import annotations

import logging

from portal_models.models import Account, SecurityEvent, SecurityEventType, Tenant, User
from portal_models.observability import client_ip, current_request, request_tenant

logger = logging.getLogger("portal.security")

# What a request that is not a person's (``request.audit_source``) records instead of an address and a browser.
WEBHOOK_SOURCE = "Stripe webhook"


def security_event_record(
    *,
    event: SecurityEventType | str,
    request=None,
    tenant: Tenant | None = None,
    account: Account | None = None,
    user: User | None = None,
    actor: User | None = None,
    email: str = "",
    details: dict | None = None,
) -> SecurityEvent:
    request = request if request is not None else current_request()
    if tenant is None and account is not None:
        tenant = account.tenant
    if tenant is None and request is not None:
        tenant = request_tenant(request)
    if user is not None and not email:
        email = user.email
    if actor is None and request is not None:
        signed_in = getattr(request, "_cached_user", None)  # only if the request already loaded it
        if signed_in is not None and signed_in.is_authenticated:
            actor = signed_in
    if actor is not None and user is not None and actor.pk == user.pk:
        actor = None
    source = getattr(request, "audit_source", "") if request is not None else ""
    if source:  # written by a machine's request (Stripe's webhook): neither its address nor the customer's
        actor, request = None, None
    record = SecurityEvent.objects.create(
        event=event,
        tenant=tenant,
        account=account,
        user=user if user is not None and user.pk else None,
        actor=actor,
        email=(email or "")[:254].strip().lower(),
        ip_address=client_ip(request) if request is not None else None,
        user_agent=source or (request.headers.get("User-Agent", "")[:300] if request is not None else ""),
        request_id=getattr(request, "request_id", "") if request is not None else "",
        details=details or {},
    )
    logger.info(
        "security event %s",
        record.event,
        extra={"event": record.event, "email": record.email, "tenant_id": record.tenant_id},
    )
    return record
