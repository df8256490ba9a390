"""Reads for announcements: what the signed-in user sees on an account's dashboard."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from ..access import PortalContext
from ..models import Announcement, Service


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
