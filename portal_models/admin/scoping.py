"""The one place that decides which records a staff user sees in the admin.

Every admin listing and admin action gets its queryset through :func:`admin_queryset`, so scoping staff to
their tenants later is a change here, not in fifty views. For now staff see every tenant.
"""

from django.db.models import QuerySet


def admin_queryset(request, queryset: QuerySet) -> QuerySet:
    """Restrict ``queryset`` to what ``request.user`` may manage (currently: everything)."""
    return queryset


class TenantScopedModelAdminMixin:
    """Mixed into every ModelAdmin: its listing goes through :func:`admin_queryset`."""

    def get_queryset(self, request):
        return admin_queryset(request, super().get_queryset(request))
