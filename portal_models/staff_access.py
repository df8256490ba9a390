"""Which tenants a staff user administers, and the one function that scopes their records.

Staff belong to tenants through their tenants' staff groups (:class:`~portal_models.models.TenantStaffGroup`);
superusers see every tenant; an integration API key (:class:`~portal_models.models.ApiKey`) sees its own tenant.
The admin (``admin/scoping.py``), the integration API (``portal_api``) and staff-side selectors use
:func:`staff_scope`, so no admin listing, chooser, export, action or endpoint decides this on its own.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet

from .models import ApiKey, StaffRole, Tenant, TenantStaffGroup, User

# How a record reaches its tenant, for models where it is not ``tenant`` or ``account__tenant``.
TENANT_PATHS: dict[str, str] = {
    "portal_models.tenant": "pk",
    "portal_models.user": "contacts__account__tenant",
    "wagtailcore.collection": "portal_scope__tenant",
    "portal_models.webhookdelivery": "endpoint__tenant",
    "portal_models.webhookattempt": "delivery__endpoint__tenant",
}
MULTI_VALUED_PATHS = {"contacts__account__tenant"}
# Models whose rows without a tenant are shared by every tenant (global templates): staff may see and
# choose them (``include_shared=True``) but only superusers change them.
SHARED_WHEN_NULL = {"portal_models.caserole"}


def staff_tenant_ids(user) -> frozenset[int] | None:
    """The ids of the tenants ``user`` is staff of; ``None`` means every tenant (superusers).

    ``user`` may also be an integration API key (``request.user`` of ``/api/v1/``): it is staff of its one tenant
    while it is not revoked, so the API and the admin scope records by this same function."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if isinstance(user, ApiKey):
        return frozenset({user.tenant_id})
    if user.is_superuser:
        return None
    cached = getattr(user, "_portal_staff_tenant_ids", None)
    if cached is None:
        cached = frozenset(TenantStaffGroup.objects.filter(group__user=user).values_list("tenant_id", flat=True))
        user._portal_staff_tenant_ids = cached
    return cached


def staff_tenants(user) -> QuerySet[Tenant]:
    """The tenants ``user`` may administer."""
    ids = staff_tenant_ids(user)
    return Tenant.objects.all() if ids is None else Tenant.objects.filter(pk__in=ids)


def tenant_path(model: type[Model]) -> str:
    """The lookup from ``model`` to its tenant; a model without one is a configuration error, not a leak."""
    label = model._meta.label_lower
    if label in TENANT_PATHS:
        return TENANT_PATHS[label]
    fields = {
        field.name: field
        for field in model._meta.get_fields()
        if field.is_relation and field.concrete and (field.many_to_one or field.one_to_one)
    }
    if "tenant" in fields:
        return "tenant"
    for name in ("account", "invoice", "payment", "ticket", "case", "service", "product"):
        if name in fields:
            return f"{name}__{tenant_path(fields[name].related_model)}"
    raise ImproperlyConfigured(f"{label} has no path to a tenant: add it to scoping.TENANT_PATHS.")


def staff_scope(*, user, queryset: QuerySet, include_shared: bool = False) -> QuerySet:
    """Restrict ``queryset`` to the records of the tenants ``user`` is staff of.

    ``include_shared`` also keeps the rows shared by every tenant (tenant empty) of the models listed in
    :data:`SHARED_WHEN_NULL`; use it for listings and choosers, never for edit or delete.
    """
    ids = staff_tenant_ids(user)
    if ids is None:
        return queryset
    path = tenant_path(queryset.model)
    lookup = "pk__in" if path == "pk" else f"{path}__in"
    condition = Q(**{lookup: ids})
    if include_shared and queryset.model._meta.label_lower in SHARED_WHEN_NULL:
        condition |= Q(**{f"{path}__isnull": True})
    scoped = queryset.filter(condition)
    return scoped.distinct() if path in MULTI_VALUED_PATHS else scoped


def staff_may_change(*, user, instance: Model) -> bool:
    """Whether ``instance`` is inside ``user``'s tenants (shared rows are not: only superusers change them)."""
    if staff_tenant_ids(user) is None:
        return True
    return staff_scope(user=user, queryset=type(instance)._default_manager.filter(pk=instance.pk)).exists()


def staff_colleagues(user) -> QuerySet:
    """Active staff users who are staff of one of ``user``'s tenants, and superusers (who are staff of every
    tenant); every active staff user for superusers."""
    staff = User.objects.filter(is_staff=True, is_active=True)
    ids = staff_tenant_ids(user)
    if ids is None:
        return staff
    return staff.filter(Q(is_superuser=True) | Q(groups__tenant_role__tenant__in=ids)).distinct()


# Staff roles who work cases and tickets (marketing edits pages and documents; it is never an assignee).
DESK_ROLES = (StaffRole.SUPPORT, StaffRole.BILLING)


def tenant_desk_staff(*, tenant_id: int) -> QuerySet:
    """Who may be given a ticket or a role on a case of tenant ``tenant_id``: active staff in that tenant's
    support or billing group, and active superusers (staff of every tenant). Never marketing, never another
    tenant's staff."""
    in_desk_group = Q(groups__tenant_role__tenant_id=tenant_id, groups__tenant_role__role__in=DESK_ROLES)
    return (
        User.objects.filter(Q(is_superuser=True) | in_desk_group, is_staff=True, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "email")
    )
