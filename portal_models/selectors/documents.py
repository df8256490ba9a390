"""Reads for documents and services, always through the portal's access rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from .. import access
from ..access import PortalContext
from ..models import (
    OUTSTANDING_REQUIREMENT_STATUSES,
    PortalCollection,
    Service,
    ServiceRequirement,
)


def services_for(*, portal: PortalContext) -> QuerySet[Service]:
    return (
        access.scope(Service.objects.all(), portal=portal)
        .select_related("product")
        .annotate(
            outstanding=Count("requirements", filter=Q(requirements__status__in=OUTSTANDING_REQUIREMENT_STATUSES))
        )
        .order_by("-start_date", "pk")
    )


def service_detail(*, portal: PortalContext, pk: int) -> Service:
    queryset = Service.objects.select_related("product").prefetch_related(
        Prefetch("requirements", queryset=ServiceRequirement.objects.select_related("upload").order_by("kind"))
    )
    return access.get_object_or_404(queryset, portal=portal, pk=pk)


def requirement_for(*, portal: PortalContext, service_pk: int, pk: int) -> ServiceRequirement:
    queryset = ServiceRequirement.objects.select_related("service__product", "service__account")
    return access.get_object_or_404(
        queryset, portal=portal, account_field="service__account", pk=pk, service=service_pk
    )


def missing_requirements(*, portal: PortalContext, limit: int = 10) -> list[ServiceRequirement]:
    queryset = ServiceRequirement.objects.filter(status__in=OUTSTANDING_REQUIREMENT_STATUSES).select_related(
        "service__product"
    )
    return list(
        access.scope(queryset, portal=portal, account_field="service__account").order_by("service", "kind")[:limit]
    )


def recent_documents(*, portal: PortalContext, limit: int = 5):
    return list(access.visible_documents(portal).order_by("-created_at", "-pk")[:limit])


def my_uploads(*, portal: PortalContext):
    return access.visible_uploads(portal).select_related("uploaded_by")


@dataclass
class LibrarySection:
    title: str
    documents: list = field(default_factory=list)
    uploads: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.documents) + len(self.uploads)


def library_sections(*, portal: PortalContext, sections, query: str = "") -> list[LibrarySection]:
    """The curated sections of a library page, each limited to what the account may see.

    ``sections`` are the page's StreamField section values (title + product or collection).
    Documents the account may see that no section covers go in a final "Other documents" section.
    With a ``query``, only titles containing it; the customer's own uploads are searched too.
    """
    visible = access.visible_documents(portal).select_related("collection").order_by("title", "pk")
    if query:
        visible = visible.filter(title__icontains=query)
    documents = list(visible)
    scopes = {
        s.collection_id: s for s in PortalCollection.objects.filter(tenant=portal.tenant).select_related("product")
    }

    result: list[LibrarySection] = []
    placed: set[int] = set()
    for section in sections:
        product = section.get("product")
        collection = section.get("collection")
        if product is not None:
            ids = {cid for cid, s in scopes.items() if s.product_id == product.pk}
        elif collection is not None:
            ids = {collection.pk}
        else:
            ids = set()
        docs = [d for d in documents if d.collection_id in ids]
        placed.update(d.pk for d in docs)
        if docs:
            result.append(LibrarySection(title=section.get("title") or str(product or collection), documents=docs))
    # what no curated section covers, grouped by audience: the account's own, per product, general
    rest = [d for d in documents if d.pk not in placed]
    groups: dict[tuple[int, str], list] = {}
    for document in rest:
        owner = scopes.get(document.collection_id)
        if owner is not None and owner.account_id:
            key = (0, f"For {portal.account.name}")
        elif owner is not None and owner.product_id:
            key = (1, owner.product.name)
        else:
            key = (2, "General documents")
        groups.setdefault(key, []).append(document)
    result.extend(LibrarySection(title=title, documents=docs) for (_, title), docs in sorted(groups.items()))
    uploads = access.visible_uploads(portal).order_by("-created_at")
    if query:
        uploads = uploads.filter(title__icontains=query)
    uploads = list(uploads[:50])
    if uploads:
        result.append(LibrarySection(title="My uploads", uploads=uploads))
    return result
