"""The one place that decides which records a staff user sees in the admin.

Every admin listing, instance view (inspect, edit, delete, history, usage), chooser, form drop-down, list
filter, export and admin action gets its records through :func:`admin_queryset`, which wraps
:func:`~portal_models.staff_access.staff_scope`. Staff belong to tenants through their tenants' staff groups
(:class:`~portal_models.models.TenantStaffGroup`); superusers see every tenant.

- modeladmin: mix :class:`TenantScopedModelAdminMixin` into every ``ModelAdmin`` (listing, search, export,
  inspect/edit/delete views and the create/edit form's choices);
- snippets: register a :class:`TenantScopedSnippetViewSet` (listing, every URL with an object id, chooser,
  form choices);
- forms: :class:`TenantScopedAdminForm` restricts every model choice field to the user's tenants.
"""

from __future__ import annotations

import functools
import types
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import DecimalField, Q, QuerySet
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
    SnippetCreateView,
)
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet
from wagtail_modeladmin.views import DeleteView, EditView, HistoryView, InspectView
from wagtail_modeladmin.views import IndexView as ModelAdminIndexView

from portal_models.exports import safe_cell
from portal_models.money import format_money

from ..models import PortalCollection, Tenant
from ..staff_access import staff_may_change, staff_scope, staff_tenant_ids


def admin_queryset(request, queryset: QuerySet, *, include_shared: bool = False) -> QuerySet:
    """Restrict ``queryset`` to the records of the tenants ``request.user`` is staff of."""
    return staff_scope(user=request.user, queryset=queryset, include_shared=include_shared)


def tenant_collections_condition(tenant_ids, *, prefix: str = "collection__") -> Q:
    """A condition on a document's or image's collection: inside the collection tree of one of ``tenant_ids``."""
    paths = PortalCollection.objects.filter(tenant_id__in=tenant_ids, product=None, account=None).values_list(
        "collection__path", flat=True
    )
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{prefix}path__startswith": path})
    return condition


def staff_images(*, user, queryset: QuerySet) -> QuerySet:
    """The images of ``queryset`` that ``user`` may choose: in their tenants' collections and covered by a
    collection grant (which stops at customer folders, see ``customer_files``); every image for superusers."""
    ids = staff_tenant_ids(user)
    if ids is None:
        return queryset
    policy = policy_registry.get_by_type(queryset.model)
    choosable = policy.instances_user_has_any_permission_for(user, ["choose"])
    return queryset.filter(tenant_collections_condition(ids), pk__in=choosable.values("pk"))


# --- forms -------------------------------------------------------------------------------------------


def scope_form_choices(form, user) -> None:
    """Every model choice (select, chooser, checkboxes) of ``form`` offers ``user``'s tenants' records only.

    A field whose model has no path to a tenant raises ImproperlyConfigured rather than offering every row.
    A staff user cannot leave a record's tenant empty (shared by every tenant): only superusers make those.
    Without a user (``None``) nothing can be chosen.
    """
    if user is not None and staff_tenant_ids(user) is None:
        return
    images = get_image_model()
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        if queryset.model is images:  # images have no tenant field: their collections decide
            field.queryset = staff_images(user=user, queryset=queryset) if user is not None else queryset.none()
            continue
        field.queryset = staff_scope(user=user, queryset=queryset, include_shared=name != "tenant")
        if name == "tenant":
            field.required = True
            field.empty_label = None


class TenantScopedAdminForm(WagtailAdminModelForm):
    """Base form of every scoped admin create/edit screen (Wagtail passes the user as ``for_user``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_form_choices(self, self.for_user)


def _scoped_edit_handler(handler):
    if handler is None:
        return None
    if handler.base_form_class is None:
        handler.base_form_class = TenantScopedAdminForm
    elif not issubclass(handler.base_form_class, TenantScopedAdminForm):
        raise ImproperlyConfigured(f"{handler.base_form_class.__name__} must subclass TenantScopedAdminForm.")
    return handler


def tenant_filter(field_path: str = "tenant"):
    """A list filter by tenant (Django's related-field filter needs django.contrib.admin, which we do not use).

    The choices come from :func:`admin_queryset` too, so a scoped staff user only sees their tenants.
    """

    class TenantFilter(admin.SimpleListFilter):
        title = _("tenant")
        parameter_name = "tenant"

        def lookups(self, request, model_admin):
            return [(str(t.pk), t.name) for t in admin_queryset(request, Tenant.objects.order_by("name"))]

        def queryset(self, request, queryset):
            if self.value() and self.value().isdigit():
                return queryset.filter(**{f"{field_path}__pk": int(self.value())})
            return queryset

    return TenantFilter


# --- modeladmin --------------------------------------------------------------------------------------


class ScopedInstanceViewMixin:
    """An instance view answers 404 for a record outside the staff user's scope."""

    def dispatch(self, request, *args, **kwargs):
        model = self.model_admin.model
        if not admin_queryset(request, model._default_manager.filter(pk=self.instance.pk)).exists():
            raise Http404("Not found.")
        return super().dispatch(request, *args, **kwargs)


def _count_once(queryset, counted: list):
    """``queryset`` whose ``count()`` runs one query however often it is asked; ``counted`` holds the count (a
    list shared with other querysets of the same rows, or given the count already)."""
    count = queryset.count

    def once(self):
        if not counted:
            counted.append(count())
        return counted[0]

    # A bound method, as Django's Paginator asks for: it calls ``count()`` only when it is a method without
    # arguments, and otherwise takes ``len()`` of the queryset, loading every row.
    queryset.count = types.MethodType(once, queryset)
    return queryset


class SafeExportIndexView(ModelAdminIndexView):
    """The listing whose CSV / XLSX exports never contain spreadsheet formulas (CSV injection), and which counts
    its rows once: modeladmin asks for the count of all rows, of the filtered rows and the paginator's (the same
    rows again), three COUNTs over up to 100k rows per page; without a filter or a search the three are one."""

    def get_base_queryset(self, request=None):
        self._all_counted = getattr(self, "_all_counted", [])
        return _count_once(super().get_base_queryset(request), self._all_counted)

    def get_queryset(self, request=None):
        queryset = super().get_queryset(request)
        unfiltered = not self.query and not self.get_filters_params()
        return _count_once(queryset, self._all_counted if unfiltered else [])

    def preprocess_field_value(self, field, value, export_format):
        return safe_cell(super().preprocess_field_value(field, value, export_format))


class ScopedEditView(ScopedInstanceViewMixin, EditView):
    pass


class ScopedInspectView(ScopedInstanceViewMixin, InspectView):
    pass


class ScopedDeleteView(ScopedInstanceViewMixin, DeleteView):
    pass


class ScopedHistoryView(ScopedInstanceViewMixin, HistoryView):
    def check_action_permitted(self, user):  # wagtail_modeladmin's history view checks no permission
        return self.permission_helper.user_can_inspect_obj(user, self.instance)


def record_currency(obj) -> str | None:
    """The currency of a record's amounts: its own, else its invoice's, its account's tenant's or its tenant's."""
    for path in ("currency", "invoice.currency", "account.tenant.currency", "tenant.currency"):
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        if isinstance(value, str) and value:
            return value
    return None


MONEY_SHAPE = (14, 2)  # the digits of every amount field (models.billing.MONEY); percentages are smaller
MONEY_PROPERTIES = {"amount_due", "balance_due", "overdue_amount"}


def _money_column(name: str, label, order_field: str | None):
    def column(obj):
        value = getattr(obj, name)
        currency = record_currency(obj)
        return format_money(value, currency) if isinstance(value, Decimal) and currency else value

    column.__name__ = name
    column.short_description = label
    if order_field:
        column.admin_order_field = order_field
    return column


class TenantScopedModelAdminMixin:
    """Mixed into every ModelAdmin: its listing (search, filters, export), instance views and form choices
    go through :func:`admin_queryset`; the listing's amounts (decimal fields and properties of a record with a
    currency) are shown as money in the record's currency ($1,234.56), sorting by the field as before."""

    # Rows per listing page (modeladmin's default is 100; Wagtail's own listings show 20): a row costs about 1 ms
    # to render with its action buttons, so 25 rows keep a page of a 100k-invoice listing within 2x a 20-row
    # listing of a small model (bench, issue 29); the filters and the search narrow what is long.
    list_per_page = 25

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._money_columns: dict[str, str] = {}
        for name in self.list_display:
            if not isinstance(name, str) or hasattr(self, name):
                continue  # a column the ModelAdmin renders itself
            attribute = getattr(self.model, name, None)
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            money_field = isinstance(field, DecimalField) and (field.max_digits, field.decimal_places) == MONEY_SHAPE
            if money_field or (name in MONEY_PROPERTIES and isinstance(attribute, property | cached_property)):
                label = field.verbose_name if field is not None else name.replace("_", " ")
                column = f"{name}_as_money"  # a model field's name would be looked up on the model first
                setattr(self, column, _money_column(name, label, name if field is not None else None))
                self._money_columns[name] = column
        self._list_display_as_money = tuple(self._money_columns.get(name, name) for name in self.list_display)

    def get_list_display(self, request):
        # modeladmin asks for it once per cell of the listing: the mapping of the class's own tuple is kept
        display = super().get_list_display(request)
        if display is self.list_display:
            return self._list_display_as_money
        return tuple(self._money_columns.get(name, name) for name in display)

    index_view_class = SafeExportIndexView  # exports: no spreadsheet formulas (CSV injection)
    edit_view_class = ScopedEditView
    inspect_view_class = ScopedInspectView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView

    def get_queryset(self, request):
        return admin_queryset(request, super().get_queryset(request))

    def get_edit_handler(self):
        return _scoped_edit_handler(super().get_edit_handler())


# --- snippets ----------------------------------------------------------------------------------------

# Views of one object that only read it: shared rows (tenant empty) may be opened there.
READ_ONLY_VIEW_NAMES = {"inspect", "history", "usage"}


class ScopedSnippetIndexView(IndexView):
    def get_edit_url(self, instance):
        if staff_may_change(user=self.request.user, instance=instance):
            return super().get_edit_url(instance)
        return None

    def get_delete_url(self, instance):
        if staff_may_change(user=self.request.user, instance=instance):
            return super().get_delete_url(instance)
        return None


class ScopedChooseMixin:
    def get_object_list(self):
        return admin_queryset(self.request, super().get_object_list(), include_shared=True)

    def get_creation_form_kwargs(self):
        return {**super().get_creation_form_kwargs(), "for_user": self.request.user}


class ScopedChooseView(ScopedChooseMixin, ChooseView):
    pass


class ScopedChooseResultsView(ScopedChooseMixin, ChooseResultsView):
    pass


class ScopedChooserCreateView(SnippetCreateView):
    def get_creation_form_kwargs(self):
        return {**super().get_creation_form_kwargs(), "for_user": self.request.user}


class ScopedChosenView(SnippetChosenView):
    def get_object(self, pk):
        return admin_queryset(self.request, self.model_class.objects.all(), include_shared=True).get(pk=pk)


class ScopedChosenMultipleView(SnippetChosenMultipleView):
    def get_objects(self, pks):
        return admin_queryset(self.request, self.model_class.objects.all(), include_shared=True).filter(pk__in=pks)


class ScopedSnippetChooserViewSet(SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView
    create_view_class = ScopedChooserCreateView


class TenantScopedSnippetViewSet(SnippetViewSet):
    """A snippet viewset whose listing, every URL naming an object, chooser and form choices are scoped.

    Rows shared by every tenant (see ``SHARED_WHEN_NULL``) are listed and can be inspected and chosen by
    staff, but only superusers edit or delete them.
    """

    index_view_class = ScopedSnippetIndexView
    chooser_viewset_class = ScopedSnippetChooserViewSet

    def get_queryset(self, request):
        return admin_queryset(request, self.model._default_manager.all(), include_shared=True)

    def get_edit_handler(self):
        return _scoped_edit_handler(super().get_edit_handler())

    def get_urlpatterns(self):
        patterns = super().get_urlpatterns()
        for pattern in patterns:
            pattern.callback = self._gate(pattern.callback, read_only=pattern.name in READ_ONLY_VIEW_NAMES)
        return patterns

    def _gate(self, view, *, read_only: bool):
        model = self.model

        @functools.wraps(view)
        def gated(request, *args, **kwargs):
            pk = kwargs.get("pk")
            if pk is not None:
                objects = admin_queryset(request, model._default_manager.all(), include_shared=read_only)
                if not objects.filter(pk=unquote(str(pk))).exists():
                    raise Http404("Not found.")
            return view(request, *args, **kwargs)

        return gated


__all__ = [
    "TenantScopedAdminForm",
    "TenantScopedModelAdminMixin",
    "TenantScopedSnippetViewSet",
    "admin_queryset",
    "scope_form_choices",
    "staff_images",
    "tenant_filter",
]
