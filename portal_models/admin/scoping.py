"""The one place that decides which records a staff user sees in the admin.

Every admin listing, instance view (inspect, edit, delete) and admin action gets its records through
:func:`admin_queryset`, so scoping staff to their tenants later is a change here, not in fifty views.
For now staff see every tenant.
"""

from django.db.models import QuerySet
from django.http import Http404
from wagtail_modeladmin.views import DeleteView, EditView, InspectView


def admin_queryset(request, queryset: QuerySet) -> QuerySet:
    """Restrict ``queryset`` to what ``request.user`` may manage (currently: everything)."""
    return queryset


class ScopedInstanceViewMixin:
    """An instance view answers 404 for a record outside the staff user's scope."""

    def dispatch(self, request, *args, **kwargs):
        model = self.model_admin.model
        if not admin_queryset(request, model._default_manager.filter(pk=self.instance.pk)).exists():
            raise Http404("Not found.")
        return super().dispatch(request, *args, **kwargs)


class ScopedEditView(ScopedInstanceViewMixin, EditView):
    pass


class ScopedInspectView(ScopedInstanceViewMixin, InspectView):
    pass


class ScopedDeleteView(ScopedInstanceViewMixin, DeleteView):
    pass


class TenantScopedModelAdminMixin:
    """Mixed into every ModelAdmin: its listing and instance views go through :func:`admin_queryset`."""

    edit_view_class = ScopedEditView
    inspect_view_class = ScopedInspectView
    delete_view_class = ScopedDeleteView

    def get_queryset(self, request):
        return admin_queryset(request, super().get_queryset(request))
