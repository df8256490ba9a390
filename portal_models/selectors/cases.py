"""Reads of cases for the portal (which cases a user may open, a case's page) and the admin."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model

from portal_models.case_grants import CaseGrants, combine_grants
from portal_models.models import (
    Case,
    CaseAssignment,
    CaseNote,
    CasePermission,
    CaseRole,
    Invoice,
    PortalCollection,
    Tenant,
    User,
)
from portal_models.models.case_rights import FIXED_TARGETS
from portal_models.staff_access import staff_scope, tenant_desk_staff


@dataclass(frozen=True)
class CaseEntry:
    case: Case
    permissions: frozenset[str]


def cases_for(*, user: User, tenant: Tenant, account_ids) -> list[CaseEntry]:
    """The cases ``user`` may view at ``tenant`` among ``account_ids``, with their permissions (one query).

    Unassigned cases, and cases where a role denies viewing, are never listed.
    """
    if not user.is_authenticated:
        return []
    assignments = (
        CaseAssignment.objects.filter(user=user, case__tenant=tenant, case__account_id__in=list(account_ids))
        .select_related("case", "case__account", "role")
        .order_by("case__account__name", "case__status", "-case__opened_on", "case__number")
    )
    grids: dict[int, list[dict]] = defaultdict(list)
    cases: dict[int, Case] = {}
    for assignment in assignments:
        cases.setdefault(assignment.case_id, assignment.case)
        grids[assignment.case_id].append(assignment.role.grid)
    entries = []
    for case_id, case in cases.items():
        permissions = combine_grants(grids[case_id])
        if CasePermission.VIEW_CASE in permissions:
            entries.append(CaseEntry(case=case, permissions=permissions))
    return entries


def case_selector_groups(*, user: User, tenant: Tenant, account_ids) -> list[tuple[str, list[Case]]]:
    """The header drop-down: the user's cases grouped under their company name."""
    groups: dict[str, list[Case]] = {}
    for entry in cases_for(user=user, tenant=tenant, account_ids=account_ids):
        groups.setdefault(entry.case.account.name, []).append(entry.case)
    return list(groups.items())


def case_documents(*, case: Case, grants: CaseGrants | None = None) -> QuerySet:
    """The documents of the case, newest first: for staff (``grants`` None) those in its collection; for a member,
    what their roles reach: the case's own documents, and the tenant's portal collections a role allows."""
    Document = get_document_model()
    if grants is None:
        if case.collection_id is None:
            return Document.objects.none()
        return Document.objects.filter(collection_id=case.collection_id).order_by("-created_at", "-pk")
    if CasePermission.VIEW_DOCUMENTS not in grants:
        return Document.objects.none()
    condition = Q(pk__in=[])
    if case.collection_id and grants.reaches(CasePermission.VIEW_DOCUMENTS, "case"):
        condition |= Q(collection_id=case.collection_id)
    if ids := grants.collection_ids():
        tenant_collections = PortalCollection.objects.filter(tenant_id=case.tenant_id, collection_id__in=ids)
        condition |= Q(collection_id__in=tenant_collections.values("collection_id"))
    return Document.objects.filter(condition).order_by("-created_at", "-pk")


def case_notes(*, case: Case, grants: CaseGrants | None = None) -> QuerySet[CaseNote]:
    """The notes thread: every note for staff; for a member the shared and/or internal notes their roles reach."""
    notes = case.notes.select_related("author").order_by("created_at", "pk")
    if grants is None:
        return notes
    shown = Q(pk__in=[])
    if grants.reaches(CasePermission.VIEW_CASE, "notes:public"):
        shown |= Q(is_public=True)
    if grants.reaches(CasePermission.VIEW_CASE, "notes:internal"):
        shown |= Q(is_public=False)
    return notes.filter(shown)


def case_invoices(*, case: Case, grants: CaseGrants | None = None) -> QuerySet[Invoice]:
    """The case's issued invoices: its company's, and (when a role allows it) those of the case billed to the
    tenant's other companies."""
    invoices = Invoice.objects.visible_to_customers().filter(case=case, account__tenant_id=case.tenant_id)
    if grants is None:
        return invoices.filter(account_id=case.account_id)
    if CasePermission.VIEW_INVOICES not in grants:
        return invoices.none()
    shown = Q(pk__in=[])
    if grants.reaches(CasePermission.VIEW_INVOICES, "account:case"):
        shown |= Q(account_id=case.account_id)
    if grants.reaches(CasePermission.VIEW_INVOICES, "account:others"):
        shown |= ~Q(account_id=case.account_id)
    return invoices.filter(shown)


def case_assignable_users(*, case: Case) -> QuerySet[User]:
    """Who may be given a role on ``case``: the active users of the case's account's contacts, and the case's
    tenant's support and billing staff and superusers (never marketing, never another tenant's staff)."""
    contacts = Q(contacts__account_id=case.account_id, is_staff=False)
    desk = Q(pk__in=tenant_desk_staff(tenant_id=case.tenant_id).values("pk"))
    return (
        User.objects.filter(contacts | desk, is_active=True)
        .distinct()
        .order_by("-is_staff", "last_name", "first_name", "email")
    )


def case_assignments(*, case: Case) -> QuerySet[CaseAssignment]:
    return case.assignments.select_related("user", "role").order_by("user__last_name", "user__email", "role__name")


def staff_cases(*, user: User) -> QuerySet[Case]:
    """The cases a staff user manages in the admin: those of the tenants they are staff of."""
    return staff_scope(user=user, queryset=Case.objects.select_related("account", "tenant"))


def role_right_targets(*, role: CaseRole) -> dict[str, list[tuple[str, str]]]:
    """The data-level rights a role can hold, by permission: (target, label). Documents: the case's own and, for a
    tenant's role, each of that tenant's portal document collections."""
    targets = {permission: list(choices) for permission, choices in FIXED_TARGETS.items()}
    if role.tenant_id:
        collections = (
            PortalCollection.objects.filter(tenant_id=role.tenant_id)
            .select_related("collection", "product", "account")
            .order_by("collection__path")
        )
        for scope in collections:
            audience = scope.product or scope.account or _("everyone")
            targets[CasePermission.VIEW_DOCUMENTS].append(
                (
                    f"collection:{scope.collection_id}",
                    _("Documents: %(collection)s (%(audience)s)")
                    % {"collection": scope.collection.name, "audience": audience},
                )
            )
    return targets


def role_rights(*, role: CaseRole) -> dict[tuple[str, str], str]:
    """The role's data-level cells: (permission, target) -> grant (a missing cell is not granted)."""
    return {(r.permission, r.target): r.grant for r in role.rights.all()}
