"""Request context for logs and the audit trail: a request id per request (from ``X-Request-ID`` or new),
the current request in a context variable, a logging filter adding request id / tenant / user to every
record, a JSON-lines formatter (production) and one structured log line per request."""

from __future__ import annotations

import contextvars
import ipaddress
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings

_current_request: contextvars.ContextVar = contextvars.ContextVar("portal_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
request_logger = logging.getLogger("portal.request")
# One-time secrets in paths (the set-password link's token): never written to a log.
_SECRET_IN_PATH = re.compile(r"(/password/set/[^/?#\s]+/)[^/?#\s\"']+")
REDACTED = "[redacted]"


def redact_path(text: str) -> str:
    """``text`` (a path, a URL or a log line) with the one-time tokens of set-password links replaced."""
    return _SECRET_IN_PATH.sub(rf"\g<1>{REDACTED}", text) if "/password/set/" in text else text


def current_request():
    """The request being served by this thread / task, or None (management commands, tasks)."""
    return _current_request.get()


def client_ip(request) -> str | None:
    """The address of the person making the request: for the audit trail, sign-in lockouts (django-axes, through
    ``AXES_CLIENT_IP_CALLABLE``) and rate limits.

    Behind ``TRUSTED_PROXY_COUNT`` proxies (a load balancer: 1), each proxy appends the address it received the
    request from to ``X-Forwarded-For``, so the client is that many entries from the right; anything further left
    was sent by the client and is not trusted. Without proxies (the default) it is the connection's address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:  # not through the expected proxies: the connection's address
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def request_tenant(request):
    """The tenant a request is served for, when the portal has already worked it out (no query)."""
    tenant = getattr(request, "portal_tenant", None)
    if tenant is None:
        portal = getattr(request, "portal", None)
        tenant = getattr(portal, "tenant", None)
    return tenant


def request_user_id(request) -> int | None:
    """The signed-in user's id, only if the request already loaded the user (no query here)."""
    user = getattr(request, "_cached_user", None)
    return user.pk if user is not None and user.is_authenticated else None


class RequestContextMiddleware:
    """First in the stack: gives each request an id, exposes it to logs, and logs the request once served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = _current_request.set(request)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            request_logger.info(
                "%s %s %s",
                request.method,
                redact_path(request.path),
                response.status_code,
                extra={
                    "method": request.method,
                    "path": redact_path(request.path),
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _current_request.reset(token)


class RequestContextFilter(logging.Filter):
    """Adds ``request_id``, ``tenant`` and ``user_id`` of the current request to every log record, and removes
    one-time tokens from its message (Django's "Not Found: <path>" and any other line naming a path)."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = redact_path(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_path(a) if isinstance(a, str) else a for a in record.args)
        request = current_request()
        if request is not None:
            record.request_id = getattr(request, "request_id", "")
            tenant = request_tenant(request)
            record.tenant = getattr(tenant, "slug", None)
            record.user_id = request_user_id(request)
        return True


_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request context, extras, exception."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
