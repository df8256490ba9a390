"""Writes for announcements: a user dismisses one."""

from __future__ import annotations

from django.db import transaction

from .. import caching
from ..access import PortalContext
from ..models import AnnouncementDismissal
from ..selectors.announcements import announcements_visible


@transaction.atomic
def announcement_dismiss(*, portal: PortalContext, announcement_id: int) -> None:
    """The portal's user no longer sees the announcement (on any of their companies). Only an announcement shown
    to them can be dismissed: another tenant's, a future one or one for another audience raises DoesNotExist."""
    announcement = announcements_visible(portal=portal).get(pk=announcement_id)
    AnnouncementDismissal.objects.get_or_create(announcement=announcement, user=portal.user)
    # the dashboards the user sees it on are cached by their companies' data versions
    caching.bump_accounts(*{contact.account_id for contact in portal.contacts})
