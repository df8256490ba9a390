"""Idempotency keys of the integration API: a POST retried with the same ``Idempotency-Key`` gets the first
answer again and changes nothing a second time.

The key's row is inserted in the same transaction as the write it guards, so a concurrent retry waits on the
unique index until the first request commits (then it is answered from the row) or rolls back (then it runs).
Only successful answers are kept: a refused request may be corrected and sent again with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from ..models import ApiKey, IdempotentRequest

MAX_KEY_LENGTH = 255
KEPT_FOR = timedelta(days=7)


class IdempotencyKeyReused(Exception):
    """The key was used before for a different request (another path or body)."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    data: object
    replayed: bool = False


def request_fingerprint(*, method: str, path: str, payload: object) -> str:
    """SHA-256 of what makes two requests the same: method, path and the (JSON-able) payload."""
    body = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{method.upper()} {path}\n{body}".encode()).hexdigest()


def idempotent_call(
    *, api_key: ApiKey, key: str, fingerprint: str, path: str, call: Callable[[], tuple[int, object]]
) -> Answer:
    """Run ``call`` (which returns a status code and JSON-able data) once per ``key`` of ``api_key``."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    api_key=api_key, key=key, fingerprint=fingerprint, path=path[:500], status_code=0, response={}
                )
        except IntegrityError:  # answered before (or just now, by a request this one waited for)
            record = IdempotentRequest.objects.get(api_key=api_key, key=key)
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused from None
            return Answer(status_code=record.status_code, data=record.response, replayed=True)
        status_code, data = call()
        if not 200 <= status_code < 300:
            transaction.set_rollback(True)  # nothing kept: neither the key nor anything the call wrote
            return Answer(status_code=status_code, data=data)
        record.status_code = status_code
        record.response = data
        record.save(update_fields=["status_code", "response"])
        return Answer(status_code=status_code, data=data)


def idempotent_requests_prune(*, now=None) -> int:
    """Forget answers older than :data:`KEPT_FOR` (a retry after a week is a new request)."""
    cutoff = (now or timezone.now()) - KEPT_FOR
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@task()
def idempotent_requests_prune_task() -> int:
    return idempotent_requests_prune()


__all__ = [
    "Answer",
    "IdempotencyKeyReused",
    "idempotent_call",
    "idempotent_requests_prune",
    "idempotent_requests_prune_task",
    "request_fingerprint",
]
