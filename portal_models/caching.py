"""Read caches for the customer portal that are never stale.

Every account and tenant has a ``data_version`` counter. Any change to the records shown under an account
(invoices and their lines, credit memos, payments and allocations, services and required files, uploads,
cases and assignments) bumps its account's counter in the same transaction, and a change to a tenant's
documents or case roles bumps the tenant's (signal receivers below: one UPDATE per write). Writes without
signals (bulk_create, queryset updates) are covered by a bump in the same transaction: payment allocations and
the invoice totals of a payment or a card fee line by the Payment's or the line's own
(``services.billing.invoice_recalculate(account_bumped=True)``).

Cached values are keyed by those counters, which a signed-in request already holds: the portal context
loads the contact's account, and the portal page its tenant. So a cached value is never served after a
change, in any worker and with any cache backend (per-process memory or Redis); old entries simply expire.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.db.models import F
from django.db.models.signals import post_delete, post_save, pre_save
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")
TTL = 300  # seconds; entries of old versions expire unused
_MISSING = object()


def version_key(*, account, tenant) -> str:
    """The part of a cache key that changes whenever the account's or tenant's data changes.

    ``created_at`` tells apart rows that reuse a primary key (a restored or reset database).
    """
    return (
        f"a{account.pk}.{account.data_version}.{account.created_at.timestamp():.6f}"
        f":t{tenant.pk}.{tenant.data_version}.{tenant.created_at.timestamp():.6f}"
    )


def cached(key: str, compute: Callable[[], T], *, ttl: int = TTL) -> T:
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, ttl)
    return value


def for_portal(portal, name: str, compute: Callable[[], T], *extra) -> T:
    """``compute()`` cached for the portal context's active account (and tenant), apart for a contact limited to
    branches (what they may see differs)."""
    limit = getattr(portal, "branch_ids", None)
    if limit is not None:
        extra = (*extra, "branches", *sorted(limit))
    extra_key = hashlib.sha256("|".join(map(str, extra)).encode()).hexdigest()[:32] if extra else ""
    key = ":".join(["portal", name, version_key(account=portal.account, tenant=portal.tenant), extra_key])
    return cached(key, compute)


def for_user_accounts(portal, name: str, compute: Callable[[], T]) -> T:
    """``compute()`` cached for the signed-in user across all the companies they may act for (header widgets)."""
    versions = ",".join(version_key(account=c.account, tenant=portal.tenant) for c in portal.contacts)
    key = ":".join(["portal", name, f"u{portal.user.pk}", hashlib.sha256(versions.encode()).hexdigest()[:32]])
    return cached(key, compute)


def bump_accounts(*account_ids) -> None:
    from .models import Account

    ids = [pk for pk in account_ids if pk]
    if ids:
        Account.objects.filter(pk__in=ids).update(data_version=F("data_version") + 1)


def bump_tenants(*tenant_ids, every: bool = False) -> None:
    from .models import Tenant

    if every:
        Tenant.objects.update(data_version=F("data_version") + 1)
    else:
        ids = [pk for pk in tenant_ids if pk]
        if not ids:
            return
        Tenant.objects.filter(pk__in=ids).update(data_version=F("data_version") + 1)
    bump_routing()  # the routing cache holds tenants (with their counters) loaded with their portal pages


# --- configuration read on every request: sites, portal pages, tenants, branding ---------------------------

ROUTING = "routing"


def routing_version(request) -> str:
    """The version of the routing cache (portal_pages.routing_cache), read once per request."""
    from .models import CacheVersion

    version = getattr(request, "_portal_routing_version", None)
    if version is None:
        # names are unique: no ORDER BY / LIMIT (first() would add them; this query runs on every request)
        version = next(iter(CacheVersion.objects.filter(name=ROUTING).values_list("value", flat=True)), None)
        if version is None:
            version = CacheVersion.objects.get_or_create(name=ROUTING)[0].value
        request._portal_routing_version = version
    return version


def bump_routing(**kwargs) -> None:
    """Invalidate the routing cache in every worker: one UPDATE in the transaction of the change."""
    from .models import CacheVersion, new_cache_version

    if kwargs.get("raw"):
        return
    CacheVersion.objects.filter(name=ROUTING).update(value=new_cache_version())


# --- what a change touches ---------------------------------------------------------------------------


def _account_of(instance):
    from .models import (
        CaseAssignment,
        DeliveryLine,
        InvoiceLine,
        OrderEvent,
        OrderLine,
        PaymentAllocation,
        QuoteLine,
        ServiceRequirement,
    )

    if isinstance(instance, InvoiceLine):
        return _fk_account("invoice", instance)
    if isinstance(instance, PaymentAllocation):
        return _fk_account("payment", instance), _fk_account("invoice", instance)
    if isinstance(instance, ServiceRequirement):
        return _fk_account("service", instance)
    if isinstance(instance, CaseAssignment):
        return _fk_account("case", instance)
    if isinstance(instance, (OrderLine, OrderEvent)):
        return _fk_account("order", instance)
    if isinstance(instance, QuoteLine):
        return _fk_account("quote", instance)
    if isinstance(instance, DeliveryLine):
        return _fk_account("delivery", instance)
    return getattr(instance, "account_id", None)


def _fk_account(field: str, instance):
    model = instance._meta.get_field(field).related_model
    pk = getattr(instance, f"{field}_id", None)
    if pk is None:
        return None
    cached_obj = instance._state.fields_cache.get(field)
    if cached_obj is not None:
        return cached_obj.account_id
    return model._base_manager.filter(pk=pk).values_list("account_id", flat=True).first()


def _account_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    found = _account_of(instance)
    bump_accounts(*(found if isinstance(found, tuple) else (found,)))


def _document_collection_before_save(sender, instance, **kwargs):
    """Remember the collection a document is saved from: moved to another tenant's collection, it must leave the
    first tenant's cached pages too."""
    if kwargs.get("raw") or instance.pk is None:
        return
    instance._portal_saved_collection_id = (
        sender._base_manager.filter(pk=instance.pk).values_list("collection_id", flat=True).first()
    )


def _tenant_documents_changed(sender, instance, **kwargs):
    from .models import PortalCollection

    if kwargs.get("raw"):
        return
    if isinstance(instance, PortalCollection):
        bump_tenants(instance.tenant_id)
        return
    collections = {instance.collection_id, instance.__dict__.pop("_portal_saved_collection_id", None)}
    bump_tenants(
        *PortalCollection.objects.filter(collection_id__in=[pk for pk in collections if pk])
        .values_list("tenant_id", flat=True)
        .distinct()
    )


def _tenant_record_changed(sender, instance, **kwargs):
    if not kwargs.get("raw") and instance.tenant_id:
        bump_tenants(instance.tenant_id)


def _case_role_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    if instance.tenant_id:
        bump_tenants(instance.tenant_id)
    else:  # a role available to every tenant
        bump_tenants(every=True)


def connect() -> None:
    """Called from PortalModelsConfig.ready()."""
    from wagtail.documents import get_document_model

    from . import models as m

    for model in (
        m.Invoice,
        m.InvoiceLine,
        m.CreditMemo,
        m.Payment,
        m.PaymentAllocation,
        m.Service,
        m.ServiceRequirement,
        m.CustomerUpload,
        m.Case,
        m.CaseAssignment,
        m.Branch,
        m.AccountPrice,
        m.Order,
        m.OrderLine,
        m.OrderEvent,
        m.Quote,
        m.QuoteLine,
        m.Delivery,
        m.DeliveryLine,
    ):
        post_save.connect(_account_changed, sender=model, dispatch_uid=f"portal-cache-{model.__name__}-save")
        post_delete.connect(_account_changed, sender=model, dispatch_uid=f"portal-cache-{model.__name__}-delete")
    pre_save.connect(
        _document_collection_before_save, sender=get_document_model(), dispatch_uid="portal-cache-document-moved"
    )
    for model in (get_document_model(), m.PortalCollection):
        post_save.connect(_tenant_documents_changed, sender=model, dispatch_uid=f"portal-cache-{model.__name__}-save")
        post_delete.connect(
            _tenant_documents_changed, sender=model, dispatch_uid=f"portal-cache-{model.__name__}-delete"
        )
    post_save.connect(_case_role_changed, sender=m.CaseRole, dispatch_uid="portal-cache-CaseRole-save")
    post_delete.connect(_case_role_changed, sender=m.CaseRole, dispatch_uid="portal-cache-CaseRole-delete")
    for model in (m.Announcement,):  # dashboards show the tenant's announcements
        post_save.connect(_tenant_record_changed, sender=model, dispatch_uid=f"portal-cache-{model.__name__}-save")
        post_delete.connect(_tenant_record_changed, sender=model, dispatch_uid=f"portal-cache-{model.__name__}-delete")
    _connect_routing()


def _connect_routing() -> None:
    """What the routing cache holds: sites, locales, pages (every type: a publish, edit, move, unpublish or
    delete), view restrictions, tenants and images (logos, favicons)."""
    from wagtail.images import get_image_model
    from wagtail.models import Locale, PageViewRestriction, Site, get_page_models
    from wagtail.signals import page_unpublished, post_page_move

    from .models import Tenant

    for model in (Site, Locale, PageViewRestriction, Tenant, get_image_model(), *get_page_models()):
        post_save.connect(bump_routing, sender=model, dispatch_uid=f"portal-routing-{model.__name__}-save")
        post_delete.connect(bump_routing, sender=model, dispatch_uid=f"portal-routing-{model.__name__}-delete")
    post_page_move.connect(bump_routing, dispatch_uid="portal-routing-page-move")
    page_unpublished.connect(bump_routing, dispatch_uid="portal-routing-page-unpublished")  # an UPDATE, no save


class ResilientRedisCache(RedisCache):
    """Django's RedisCache whose reads and writes degrade when Redis does not answer: a read is a miss, a write is
    skipped (logged), so pages still render (from the database) and sessions (cached_db) still work. ``add`` and
    ``incr`` still raise: rate limits count with them and must fail closed (portal_models.ratelimit)."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            logger.warning("cache unreachable (%s): get is a miss", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            logger.warning("cache unreachable (%s): get_many is a miss", exc)
            return {}

    def has_key(self, key, version=None):  # cached_db sessions ask it before they look in the database
        try:
            return super().has_key(key, version)
        except RedisError as exc:
            logger.warning("cache unreachable (%s): has_key is a miss", exc)
            return False

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as exc:
            logger.warning("cache unreachable (%s): touch skipped", exc)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            logger.warning("cache unreachable (%s): set skipped", exc)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            logger.warning("cache unreachable (%s): set_many skipped", exc)
            return list(data)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            logger.warning("cache unreachable (%s): delete skipped", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except RedisError as exc:
            logger.warning("cache unreachable (%s): delete_many skipped", exc)
