"""Staff view of the customer security audit trail (read-only), in the "Sign-in & access" menu.
Registered from portal_models/wagtail_hooks.py; its listing goes through scoping.admin_queryset."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.options import ModelAdmin

from portal_models.models import SecurityEvent

from .billing import ReadOnlyPermissionHelper, tenant_filter
from .scoping import TenantScopedModelAdminMixin


class CreatedFilter(admin.SimpleListFilter):
    title = _("date")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return (("1", _("Last 24 hours")), ("7", _("Last 7 days")), ("30", _("Last 30 days")))

    def queryset(self, request, queryset):
        from datetime import timedelta

        from django.utils import timezone

        if self.value() in ("1", "7", "30"):
            return queryset.filter(created_at__gte=timezone.now() - timedelta(days=int(self.value())))
        return queryset


# Every recorded field, for the export and the inspect view.
EVENT_FIELDS = (
    "created_at",
    "event",
    "email",
    "tenant",
    "account",
    "user",
    "actor",
    "ip_address",
    "user_agent",
    "request_id",
    "details",
)


class SecurityEventAdmin(TenantScopedModelAdminMixin, ModelAdmin):
    model = SecurityEvent
    menu_label = _("Security events")
    menu_icon = "warning"
    add_to_admin_menu = False  # shown in the "Sign-in & access" menu (wagtail_hooks.py)
    add_to_settings_menu = False
    exclude_from_explorer = True
    inspect_view_enabled = True
    permission_helper_class = ReadOnlyPermissionHelper
    list_display = ("created_at", "event", "email", "tenant", "account", "ip_address", "actor")
    list_filter = ("event", tenant_filter(), CreatedFilter)
    search_fields = ("email", "ip_address")
    list_export = EVENT_FIELDS
    export_filename = "security-events"
    inspect_view_fields = EVENT_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "account", "actor")
