"""Writes for cases: create (with its document collection), assign roles, notes, document uploads."""

import os
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.text import get_valid_filename, slugify
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.log_actions import log
from wagtail.models import Collection

from portal_models import caching
from portal_models.models import (
    Account,
    Case,
    CaseAssignment,
    CaseNote,
    CaseRole,
    CaseRoleRight,
    CaseStatus,
    Grant,
    User,
)
from portal_models.selectors.cases import case_assignable_users, role_right_targets
from portal_models.storage import storage_guard
from portal_models.uploads import TEXT_EXTENSIONS, content_matches

from .documents import _child_collection, tenant_collection

CASES_COLLECTION = "Cases"
ACTION_GRANT = "portal.case_role.grant"  # a cell of the roles grid changed (registered in admin/case_roles.py)
NOTE_MAX_LENGTH = 5000
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# what a case accepts; the content must match the extension (portal_models.uploads)
ALLOWED_UPLOADS = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx", "txt", "csv")


DEFAULT_ROLES = {
    "Client": {
        "description": "Customers: see the case, its documents and invoices, upload documents and post notes.",
        "view_case": "allow",
        "view_documents": "allow",
        "upload_documents": "allow",
        "view_invoices": "allow",
        "post_notes": "allow",
        "manage_assignments": "deny",
    },
    "Staff": {
        "description": "Colleagues working the case: everything, including assignments.",
        "view_case": "allow",
        "view_documents": "allow",
        "upload_documents": "allow",
        "view_invoices": "allow",
        "post_notes": "allow",
        "manage_assignments": "allow",
    },
}


def case_roles_ensure_defaults() -> dict[str, CaseRole]:
    """The global "Client" and "Staff" roles (seeded by a data migration; recreated if missing)."""
    roles = {}
    for name, grid in DEFAULT_ROLES.items():
        roles[name], _created = CaseRole.objects.get_or_create(tenant=None, name=name, defaults=grid)
    return roles


def max_upload_bytes() -> int:
    return getattr(settings, "CASE_DOCUMENT_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def cases_root_collection(*, tenant) -> Collection:
    """The tenant's "Cases" collection, inside the tenant's collection so that its collection permissions
    (marketing's, and any given to support) follow the tenant."""
    return _child_collection(tenant_collection(tenant=tenant), CASES_COLLECTION)


def case_collection_ensure(*, case: Case) -> Collection:
    """Give the case its own collection (tenant collection › "Cases" › case) if it has none yet."""
    if case.collection_id:
        return case.collection
    collection = cases_root_collection(tenant=case.tenant).add_child(name=f"{case.tenant.slug} · {case.number}")
    Case.objects.filter(pk=case.pk).update(collection=collection)
    case.collection = collection
    return collection


@transaction.atomic
def case_create(
    *,
    account: Account,
    number: str,
    title: str,
    description: str = "",
    status: str = CaseStatus.ACTIVE,
    opened_on=None,
) -> Case:
    number = number.strip()
    if Case.objects.filter(tenant_id=account.tenant_id, number=number).exists():
        raise ValidationError({"number": _("A case with this number already exists.")})
    case = Case(account=account, number=number, title=title.strip(), description=description, status=status)
    if opened_on is not None:
        case.opened_on = opened_on
    case.full_clean(exclude=["collection"])
    case.save()
    case_collection_ensure(case=case)
    return case


def roles_for(*, case: Case):
    """The roles usable on ``case``: global ones and the case's tenant's."""
    return CaseRole.objects.filter(Q(tenant__isnull=True) | Q(tenant_id=case.tenant_id)).order_by("name")


@transaction.atomic
def case_assign(*, case: Case, users: Iterable[User], role: CaseRole) -> list[CaseAssignment]:
    """Give every user in ``users`` the ``role`` on ``case`` in one step. Existing assignments are kept.

    Only contacts of the case's account and staff may be assigned; the role must belong to the case's
    tenant (or be global). Returns the assignments created.
    """
    users = list(users)
    if not users:
        raise ValidationError({"users": _("Select at least one user.")})
    if not roles_for(case=case).filter(pk=role.pk).exists():
        raise ValidationError({"role": _("This role cannot be used on this case.")})
    allowed = set(case_assignable_users(case=case).filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    if len(allowed) != len({u.pk for u in users}):
        raise ValidationError({"users": _("Only contacts of the case's company and staff can be assigned.")})
    existing = set(case.assignments.filter(role=role, user_id__in=allowed).values_list("user_id", flat=True))
    created = CaseAssignment.objects.bulk_create(
        [CaseAssignment(case=case, user_id=pk, role=role) for pk in sorted(allowed - existing)]
    )
    caching.bump_accounts(case.account_id)  # bulk_create sends no signals; the case selector is cached
    return created


def case_unassign(*, case: Case, assignment_id: int) -> None:
    deleted, _count = CaseAssignment.objects.filter(case=case, pk=assignment_id).delete()
    if not deleted:
        raise ValidationError(_("This assignment no longer exists."))


def case_note_add(*, case: Case, author: User, body: str, is_public: bool = True) -> CaseNote:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a note first.")})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError({"body": _("Keep notes under %(n)d characters.") % {"n": NOTE_MAX_LENGTH}})
    return CaseNote.objects.create(case=case, author=author, body=body, is_public=is_public)


def sanitize_filename(name: str) -> str:
    """A safe file name: no path, no odd characters, a lower-case extension."""
    base = os.path.basename((name or "").replace("\\", "/"))
    stem, ext = os.path.splitext(base)
    stem = slugify(stem)[:80] or "document"
    ext = ext.lower().lstrip(".")
    return get_valid_filename(f"{stem}.{ext}" if ext else stem)


def _check_content(upload: UploadedFile, ext: str) -> None:
    if content_matches(ext, upload):
        return
    if ext in TEXT_EXTENSIONS:
        raise ValidationError({"file": _("This file is not plain text.")})
    raise ValidationError({"file": _("The file's content does not match its .%(ext)s extension.") % {"ext": ext}})


def case_document_upload(*, case: Case, upload: UploadedFile | None, user: User, title: str = ""):
    """Store a customer's file in the case's collection after checking its size, type and content."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file to upload.")})
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError({"file": _("Files can be at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)}})
    filename = sanitize_filename(upload.name)
    ext = os.path.splitext(filename)[1].lstrip(".")
    if ext not in ALLOWED_UPLOADS:
        raise ValidationError(
            {"file": _("Allowed file types: %(types)s.") % {"types": ", ".join(sorted(ALLOWED_UPLOADS))}}
        )
    _check_content(upload, ext)
    upload.name = filename
    Document = get_document_model()
    with transaction.atomic():
        collection = case_collection_ensure(case=case)
        document = Document(
            title=(title or "").strip()[:255] or os.path.splitext(filename)[0].replace("-", " ").capitalize(),
            file=upload,
            collection=collection,
            uploaded_by_user=user,
        )
        document.full_clean(exclude=["file"])
        with storage_guard():
            document.save()
    return document


GRANT_CYCLE = (Grant.ALLOW, Grant.NONE, Grant.DENY)


def next_grant(grant: str) -> str:
    """The cell's next value when clicked: allow → not granted → deny → allow."""
    return GRANT_CYCLE[(GRANT_CYCLE.index(grant) + 1) % len(GRANT_CYCLE)] if grant in GRANT_CYCLE else Grant.ALLOW


class StaleGrant(Exception):
    """The cell changed since the screen showed it (another tab or colleague): nothing was changed."""

    def __init__(self, current: str):
        super().__init__(current)
        self.current = current


@transaction.atomic
def case_role_cycle_grant(*, role: CaseRole, permission: str, shown: str | None, by: User) -> tuple[str, str]:
    """Move one cell of ``role``'s grid to its next value and record it in the role's history.

    ``shown`` is the value the screen showed; when the cell holds another value now, nothing changes and
    :class:`StaleGrant` says what it holds. Returns (old, new). The caller checks that ``by`` may change
    ``role`` (shared roles: superusers only)."""
    if permission not in CaseRole.PERMISSIONS:
        raise ValidationError({"permission": _("Unknown permission.")})
    role = CaseRole.objects.select_for_update().get(pk=role.pk)
    old = getattr(role, permission)
    if shown is not None and shown != old:
        raise StaleGrant(old)
    new = next_grant(old)
    setattr(role, permission, new)
    role.save(update_fields=[permission])
    log(
        instance=role,
        action=ACTION_GRANT,
        user=by,
        data={"permission": permission, "old": old, "new": new},
    )
    caching.bump_accounts(*role.assignments.values_list("case__account_id", flat=True).distinct())
    return old, new


@transaction.atomic
def case_role_cycle_right(
    *, role: CaseRole, permission: str, target: str, shown: str | None, by: User
) -> tuple[str, str]:
    """Move one data-level cell of ``role`` (``target`` under ``permission``) to its next value, with a history
    entry; like :func:`case_role_cycle_grant` (``StaleGrant`` when the screen showed another value)."""
    role = CaseRole.objects.select_for_update().get(pk=role.pk)
    allowed = {t for t, _label in role_right_targets(role=role).get(permission, [])}
    if target not in allowed:
        raise ValidationError({"target": _("This right does not exist for this role.")})
    right = CaseRoleRight.objects.filter(role=role, permission=permission, target=target).first()
    old = right.grant if right else Grant.NONE
    if shown is not None and shown != old:
        raise StaleGrant(old)
    new = next_grant(old)
    CaseRoleRight.objects.update_or_create(role=role, permission=permission, target=target, defaults={"grant": new})
    log(
        instance=role,
        action=ACTION_GRANT,
        user=by,
        data={"permission": permission, "target": target, "old": old, "new": new},
    )
    caching.bump_accounts(*role.assignments.values_list("case__account_id", flat=True).distinct())
    return old, new
