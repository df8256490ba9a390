"""Writes for documents and services: validated customer uploads, required files, staff review."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.models import Collection

from portal_models.services.emails import account_portal_url, send_branded_email

from ..models import (
    Account,
    CustomerUpload,
    PortalCollection,
    Product,
    RequirementKind,
    RequirementStatus,
    ServiceRequirement,
    Tenant,
    UploadCategory,
    User,
)
from ..storage import storage_guard
from ..uploads import content_matches

DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "csv": "text/csv",
    "txt": "text/plain",
}
ALLOWED_EXTENSIONS = tuple(CONTENT_TYPES)


def max_upload_bytes() -> int:
    return int(getattr(settings, "PORTAL_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


@dataclass(frozen=True)
class CheckedFile:
    name: str
    extension: str
    content_type: str
    size: int


def safe_file_name(raw: str) -> str:
    """A plain file name: no folders, no control characters, no leading dots; raises on path tricks."""
    name = unicodedata.normalize("NFC", raw or "").strip()
    if "/" in name or "\\" in name or name in {".", ".."} or "\x00" in name:
        raise ValidationError(_("The file name must be a plain name, without folders."), code="path")
    name = get_valid_filename(name).lstrip(".")
    if not name or "." not in name:
        raise ValidationError(_("The file needs a name with an extension, such as contract.pdf."), code="name")
    stem, ext = name.rsplit(".", 1)
    return f"{stem[:120]}.{ext.lower()}"


def check_upload(*, file) -> CheckedFile:
    """Validate an uploaded file: a plain name, an allowed extension, content that matches it, a size limit.

    Raises ValidationError with a message for the customer; never touches storage.
    """
    name = safe_file_name(getattr(file, "name", ""))
    extension = name.rsplit(".", 1)[1]
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("Files of type .%(ext)s are not accepted. Upload PDF, images, office documents, CSV or text.")
            % {"ext": extension},
            code="extension",
        )
    size = file.size or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="size",
        )
    if not content_matches(extension, file):
        raise ValidationError(
            _("The file's content is not a .%(ext)s file. Check that you chose the right file.") % {"ext": extension},
            code="content",
        )
    return CheckedFile(name=name, extension=extension, content_type=CONTENT_TYPES[extension], size=size)


def customer_upload_create(*, account: Account, user: User | None, title: str, category: str, file) -> CustomerUpload:
    """Store a customer's file on their account after validating it (nothing is stored on bad input)."""
    checked = check_upload(file=file)
    title = (title or "").strip() or checked.name
    if category not in UploadCategory.values:
        raise ValidationError(_("Choose a category."), code="category")
    file.name = checked.name
    with storage_guard():
        return CustomerUpload.objects.create(
            account=account,
            uploaded_by=user,
            title=title[:200],
            category=category,
            file=file,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
        )


REQUIREMENT_CATEGORY = {
    RequirementKind.EULA: UploadCategory.CONTRACT,
    RequirementKind.PURCHASE_ORDER: UploadCategory.PURCHASE_ORDER,
}


@transaction.atomic
def requirement_fulfil(*, requirement: ServiceRequirement, user: User | None, file) -> ServiceRequirement:
    """The customer uploads the file a service requires; it waits for staff review."""
    requirement = (
        ServiceRequirement.objects.select_for_update(of=("self",))
        .select_related("service__product")
        .get(pk=requirement.pk)
    )
    if requirement.status == RequirementStatus.ACCEPTED:
        raise ValidationError(_("This file has already been accepted."), code="accepted")
    upload = customer_upload_create(
        account=requirement.service.account,
        user=user,
        title=f"{requirement.get_kind_display()} — {requirement.service.product.name}",
        category=REQUIREMENT_CATEGORY[requirement.kind],
        file=file,
    )
    requirement.upload = upload
    requirement.status = RequirementStatus.SUBMITTED
    requirement.rejection_reason = ""
    requirement.reviewed_at = None
    requirement.reviewed_by = None
    requirement.save()
    return requirement


@transaction.atomic
def requirement_review(
    *, requirement: ServiceRequirement, accept: bool, reason: str = "", reviewer: User | None
) -> ServiceRequirement:
    """Staff accept or reject a submitted file; the account's billing contacts get an email."""
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"rejection_reason": _("Give the customer a reason for the rejection.")})
    requirement = ServiceRequirement.objects.select_for_update().get(pk=requirement.pk)
    requirement.status = RequirementStatus.ACCEPTED if accept else RequirementStatus.REJECTED
    requirement.rejection_reason = "" if accept else reason
    requirement.reviewed_at = timezone.now()
    requirement.reviewed_by = reviewer
    requirement.save()
    transaction.on_commit(lambda: _notify_review(requirement.pk))
    return requirement


def _notify_review(requirement_pk: int) -> None:
    requirement = ServiceRequirement.objects.select_related("service__account__tenant", "service__product").get(
        pk=requirement_pk
    )
    account = requirement.service.account
    recipients = sorted(
        {c.email for c in account.contacts.filter(is_billing=True).exclude(email="")}
        or {c.email for c in account.contacts.filter(is_main=True).exclude(email="")}
    )
    if not recipients:
        return

    send_branded_email(
        tenant=account.tenant,
        to=recipients,
        template="service_file_reviewed",
        context={
            "account": account,
            "requirement": requirement,
            "accepted": requirement.status == RequirementStatus.ACCEPTED,
            "reason": requirement.rejection_reason,
            "upload_url": account_portal_url(account, "service_detail", service_pk=requirement.service_id),
        },
    )


# --- Collections: where each portal's Wagtail documents live ---------------------------------------


def _child_collection(parent: Collection, name: str) -> Collection:
    existing = parent.get_children().filter(name=name).first()
    return existing or parent.add_child(name=name)


@transaction.atomic
def tenant_collection(*, tenant: Tenant) -> Collection:
    """The collection of the tenant's tenant-wide documents (created on first use)."""
    scope = PortalCollection.objects.filter(tenant=tenant, product=None, account=None).first()
    if scope:
        return scope.collection
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    # Never adopt a collection by name: another tenant's documents would become this tenant's.
    name = tenant.name
    if root.get_children().filter(name=name).exists():
        name = f"{tenant.name} ({tenant.slug})"
    collection = root.add_child(name=name)
    PortalCollection.objects.create(collection=collection, tenant=tenant)
    return collection


@transaction.atomic
def product_collection(*, product: Product) -> Collection:
    scope = PortalCollection.objects.filter(product=product).first()
    if scope:
        return scope.collection
    parent = _child_collection(tenant_collection(tenant=product.tenant), _("Products"))
    collection = _child_collection(parent, product.name)
    PortalCollection.objects.create(collection=collection, tenant=product.tenant, product=product)
    return collection


@transaction.atomic
def account_collection(*, account: Account) -> Collection:
    scope = PortalCollection.objects.filter(account=account).first()
    if scope:
        return scope.collection
    parent = _child_collection(tenant_collection(tenant=account.tenant), _("Accounts"))
    collection = _child_collection(parent, f"{account.number} {account.name}")
    PortalCollection.objects.create(collection=collection, tenant=account.tenant, account=account)
    return collection


def document_create(*, collection: Collection, title: str, file, user: User | None = None):
    """Add a Wagtail document to a portal collection (used by demo data and tests)."""
    document = get_document_model()(title=title, file=file, collection=collection, uploaded_by_user=user)
    document.save()
    return document


__all__ = [
    "check_upload",
    "customer_upload_create",
    "requirement_fulfil",
    "requirement_review",
    "tenant_collection",
    "product_collection",
    "account_collection",
    "document_create",
]
