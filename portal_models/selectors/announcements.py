"""Reads for announcements: what the signed-in user sees on an account's dashboard, and when that changes."""

from __future__ import annotations

from bisect import bisect_right

from django.db.models import Q, QuerySet
from django.utils import timezone

from .. import caching
from ..access import PortalContext
from ..models import Announcement, Service, Tenant


def announcements_visible(*, portal: PortalContext, now=None) -> QuerySet[Announcement]:
    """The announcements of the portal's tenant shown now to its user at the active account: in their schedule,
    for every account or for the accounts with a service of their product, and not dismissed by the user."""
    now = now or timezone.now()
    account = portal.account
    return (
        Announcement.objects.filter(tenant_id=portal.tenant.pk, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .filter(Q(product__isnull=True) | Q(product__in=Service.objects.filter(account=account).values("product_id")))
        .exclude(dismissals__user=portal.user)
        .order_by("-starts_at", "-pk")
    )


def announcements_for(*, portal: PortalContext, limit: int = 5) -> list[Announcement]:
    """The first ``limit`` announcements shown now (one query)."""
    return list(announcements_visible(portal=portal)[:limit])


def announcement_phase(*, tenant: Tenant, now=None) -> str:
    """A part of the dashboard's cache key that changes when one of the tenant's announcements starts or ends
    (their times are read once per tenant data version: editing an announcement bumps it)."""
    now = now or timezone.now()
    key = f"portal:announcement-times:t{tenant.pk}.{tenant.data_version}.{tenant.created_at.timestamp():.6f}"
    times = caching.cached(key, lambda: _schedule_times(tenant))
    return f"n{bisect_right(times, now.timestamp())}"


def _schedule_times(tenant: Tenant) -> list[float]:
    times = []
    for starts_at, ends_at in Announcement.objects.filter(tenant=tenant).values_list("starts_at", "ends_at"):
        times.append(starts_at.timestamp())
        if ends_at is not None:
            times.append(ends_at.timestamp())
    return sorted(times)
