"""Reads of cases for the portal (which cases a user may open, a case's page) and the admin."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from wagtail.documents import get_document_model

from portal_models.access import combine_grants
from portal_models.models import Case, CaseAssignment, CaseNote, CasePermission, Invoice, Tenant, User
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


def case_documents(*, case: Case) -> QuerySet:
    """The documents in the case's collection, newest first."""
    Document = get_document_model()
    if case.collection_id is None:
        return Document.objects.none()
    return Document.objects.filter(collection_id=case.collection_id).order_by("-created_at", "-pk")


def case_notes(*, case: Case) -> QuerySet[CaseNote]:
    return case.notes.select_related("author").order_by("created_at", "pk")


def case_invoices(*, case: Case) -> QuerySet[Invoice]:
    return Invoice.objects.visible_to_customers().filter(case=case, account_id=case.account_id)


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
