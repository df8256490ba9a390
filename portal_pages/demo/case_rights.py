"""Demo data-level case rights (seed 003, "the pluses"): QT9's own case roles on the ERP rollout case, so that
two contacts of Test Inc. see the same case differently.

- John Doe is the customer's "Project lead": all notes (internal ones too), the case's documents, the QMS and
  ERP add-on document collections, and the case's invoices of both his companies.
- Elena Garcia is a "Project member": shared notes only (internal notes denied), the case's documents and the
  QMS collection but not the ERP add-on one (denied), and only invoices of the case's own company (Test Inc.).
"""

from django.db import transaction

from portal_models import caching
from portal_models.models import (
    Account,
    Case,
    CaseAssignment,
    CaseNote,
    CaseRole,
    CaseRoleRight,
    Contact,
    Grant,
    Invoice,
    PortalCollection,
    User,
)
from portal_models.services.cases import case_assign, case_note_add

from .tenants import DEMO_PASSWORD

CASE_NUMBER = "CASE-2026-014"
LEAD_EMAIL = "john.doe@example.com"
MEMBER_EMAIL = "elena.garcia@testinc.example.com"
ALLOW, NONE, DENY = Grant.ALLOW, Grant.NONE, Grant.DENY

ROLES = {
    "Project lead": {
        "description": "The customer's lead on a project: everything on the case, internal notes included.",
        "grid": {
            "view_case": ALLOW,
            "view_documents": ALLOW,
            "upload_documents": ALLOW,
            "view_invoices": ALLOW,
            "post_notes": ALLOW,
            "manage_assignments": NONE,
        },
        # (permission, target or product name, grant)
        "rights": [
            ("view_case", "notes:internal", ALLOW),
            ("view_invoices", "account:others", ALLOW),
            ("view_documents", "QMS Web Subscription", ALLOW),
            ("view_documents", "ERP Add-on", ALLOW),
        ],
    },
    "Project member": {
        "description": "A colleague on the customer's side: shared notes, the QMS documents, their company's invoices.",
        "grid": {
            "view_case": ALLOW,
            "view_documents": ALLOW,
            "upload_documents": NONE,
            "view_invoices": ALLOW,
            "post_notes": ALLOW,
            "manage_assignments": DENY,
        },
        "rights": [
            ("view_case", "notes:internal", DENY),
            ("view_invoices", "account:others", DENY),
            ("view_documents", "QMS Web Subscription", ALLOW),
            ("view_documents", "ERP Add-on", DENY),
        ],
    },
}

NOTES = [
    ("Agenda for the go-live rehearsal is attached to the case documents.", True),
    ("Leads only: the change order for the extra training day is being priced; please confirm the budget.", False),
]

# invoices tied to the case: one of the case's company, one billed to John's other company
CASE_INVOICES = [("C-1001", "10053"), ("C-1002", "10044")]


def _member(account: Account) -> User | None:
    contact = Contact.objects.filter(account=account, email=MEMBER_EMAIL).first()
    if contact is None:
        return None
    user, created = User.objects.get_or_create(
        email=MEMBER_EMAIL, defaults={"first_name": contact.first_name, "last_name": contact.last_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    if contact.user_id != user.pk or not contact.can_login:
        contact.user = user
        contact.can_login = True
        contact.save()
    return user


def _target(tenant, target: str) -> str | None:
    if ":" in target:
        return target
    scope = PortalCollection.objects.filter(tenant=tenant, product__name=target).first()
    return f"collection:{scope.collection_id}" if scope else None


def roles_ensure(tenant) -> dict[str, CaseRole]:
    roles = {}
    for name, spec in ROLES.items():
        role, _created = CaseRole.objects.get_or_create(
            tenant=tenant, name=name, defaults={"description": spec["description"], **spec["grid"]}
        )
        for permission, target, grant in spec["rights"]:
            target = _target(tenant, target)
            if target:
                CaseRoleRight.objects.get_or_create(
                    role=role, permission=permission, target=target, defaults={"grant": grant}
                )
        roles[name] = role
    return roles


@transaction.atomic
def load() -> list[str]:
    case = Case.objects.filter(tenant__slug="qt9", number=CASE_NUMBER).select_related("account", "tenant").first()
    lead = User.objects.filter(email=LEAD_EMAIL).first()
    if case is None or lead is None:
        return []
    member = _member(case.account)
    roles = roles_ensure(case.tenant)
    # John holds only the lead role on this case (the shared Client role would add nothing to deny)
    CaseAssignment.objects.filter(case=case, user=lead).exclude(role=roles["Project lead"]).delete()
    case_assign(case=case, users=[lead], role=roles["Project lead"])
    if member is not None:
        case_assign(case=case, users=[member], role=roles["Project member"])
    author = User.objects.filter(is_superuser=True).order_by("pk").first() or lead
    for body, is_public in NOTES:
        if not CaseNote.objects.filter(case=case, body=body).exists():
            case_note_add(case=case, author=author, body=body, is_public=is_public)
    for number, invoice_number in CASE_INVOICES:
        Invoice.objects.filter(
            account__tenant=case.tenant, account__number=number, number=invoice_number, case__isnull=True
        ).update(case=case)
    caching.bump_accounts(*Account.objects.filter(tenant=case.tenant).values_list("pk", flat=True))
    return [
        f"Case rights: {CASE_NUMBER} — {LEAD_EMAIL} (Project lead: internal notes, both companies' invoices) and "
        f"{MEMBER_EMAIL} (Project member: shared notes, Test Inc.'s invoices, no ERP add-on documents)"
    ]
