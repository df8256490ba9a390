"""Integration API keys: made and revoked by staff (in the audit trail), found from a request's bearer token.

A key reads ``ptk_<prefix>_<secret>``: the prefix finds the row by a unique index, the secret is compared by its
SHA-256 in constant time. The full key is returned once, by :func:`api_key_create`, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ApiKey, ApiScope, SecurityEventType, Tenant, User
from .audit import security_event_record

KEY_PREFIX = "ptk"
# ``last_used_at`` is written at most this often per key: a busy integration does not write a row per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, tenant: Tenant, name: str, scopes: Iterable[str], by: User | None = None) -> tuple[ApiKey, str]:
    """A new key of ``tenant`` and its full secret (to show once)."""
    name = (name or "").strip()
    scopes = set(scopes)
    errors = {}
    if not name:
        errors["name"] = _("Name the key after the system that will use it.")
    if not scopes or not scopes <= set(ApiScope.values):
        errors["scopes"] = _("Choose at least one scope.")
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        tenant=tenant,
        name=name[:100],
        prefix=prefix,
        secret_hash=_digest(secret),
        scope_read=ApiScope.READ in scopes,
        scope_write_billing=ApiScope.WRITE_BILLING in scopes,
        scope_write_support=ApiScope.WRITE_SUPPORT in scopes,
        created_by=by,
    )
    security_event_record(
        event=SecurityEventType.API_KEY_CREATED,
        tenant=tenant,
        actor=by,
        details={"api_key_id": key.pk, "name": key.name, "prefix": prefix, "scopes": sorted(key.scopes)},
    )
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, key: ApiKey, by: User | None = None) -> ApiKey:
    """Revoke ``key`` for good: from now on every request with it answers 401."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise ValidationError(_("This key is already revoked."))
    key.revoked_at = timezone.now()
    key.revoked_by = by
    key.save(update_fields=["revoked_at", "revoked_by"])
    security_event_record(
        event=SecurityEventType.API_KEY_REVOKED,
        tenant=key.tenant,
        actor=by,
        details={"api_key_id": key.pk, "name": key.name, "prefix": key.prefix},
    )
    return key


def api_key_for_token(token: str) -> ApiKey | None:
    """The live key that ``token`` is, or None (unknown, malformed, wrong secret or revoked)."""
    parts = (token or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    _kind, prefix, secret = parts
    key = ApiKey.objects.select_related("tenant").filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _digest(secret)):
        return None
    return key


def api_key_touch(*, key: ApiKey) -> None:
    """Note that ``key`` was used now (at most one write a minute)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


__all__ = ["api_key_create", "api_key_revoke", "api_key_for_token", "api_key_touch"]
