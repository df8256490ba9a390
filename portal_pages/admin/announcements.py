"""Snippets › Announcements: marketing writes its tenant's announcements (shown by the dashboard's announcements
block); scoped to the staff member's tenants like every snippet (listing, object URLs, chooser, drop-downs)."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from portal_models.admin.scoping import TenantScopedSnippetViewSet
from portal_models.models import Announcement


class AnnouncementViewSet(TenantScopedSnippetViewSet):
    model = Announcement
    icon = "info-circle"
    menu_label = _("Announcements")
    add_to_admin_menu = False  # under Snippets
    list_display = ["title", "starts_at", "ends_at", "product", "tenant"]
    search_fields = ["title"]
    ordering = ["-starts_at"]
    panels = [
        FieldPanel("tenant"),
        FieldPanel("title"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")])],
            heading=_("Schedule"),
        ),
        FieldPanel("product", heading=_("Audience")),
    ]
