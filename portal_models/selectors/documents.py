"""Reads for documents and services, always through the portal's access rules."""

from __future__ import annotations

from dataclasses import dataclass, field

import django_filters
from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .. import access
from ..access import PortalContext
from ..models import (
    OUTSTANDING_REQUIREMENT_STATUSES,
    Service,
    ServiceRequirement,
    ServiceType,
)
from ..widgets import ListFilterForm


def services_for(*, portal: PortalContext) -> QuerySet[Service]:
    return (
        access.scope(Service.objects.all(), portal=portal)
        .select_related("product")
        .annotate(
            outstanding=Count("requirements", filter=Q(requirements__status__in=OUTSTANDING_REQUIREMENT_STATUSES))
        )
        .order_by("-start_date", "pk")
    )


class ServiceStatus:
    """Where a service is in its term today (derived from its dates, not stored)."""

    ACTIVE = "active"
    UPCOMING = "upcoming"
    ENDED = "ended"
    CHOICES = [(ACTIVE, _("Active")), (UPCOMING, _("Not started yet")), (ENDED, _("Ended"))]


class ServiceFilter(django_filters.FilterSet):
    """Filters of an (already access-scoped) service list: type and status. Unknown values are reported on the
    form and ignored."""

    service_type = django_filters.ChoiceFilter(
        choices=ServiceType.choices, label=_("Service type"), empty_label=_("All types")
    )
    status = django_filters.ChoiceFilter(
        choices=ServiceStatus.CHOICES, method="filter_status", label=_("Status"), empty_label=_("All statuses")
    )

    class Meta:
        model = Service
        form = ListFilterForm
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        if value == ServiceStatus.ACTIVE:
            return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
        if value == ServiceStatus.UPCOMING:
            return queryset.filter(start_date__gt=today)
        if value == ServiceStatus.ENDED:
            return queryset.filter(end_date__lt=today)
        return queryset


def service_list(*, portal: PortalContext, params) -> ServiceFilter:
    """The filter set for ``params`` (a QueryDict) over the company's services; ``.qs`` is the filtered list."""
    return ServiceFilter(params or None, queryset=services_for(portal=portal))


def service_status(service: Service) -> str:
    today = timezone.localdate()
    if service.start_date > today:
        return ServiceStatus.UPCOMING
    if service.end_date is not None and service.end_date < today:
        return ServiceStatus.ENDED
    return ServiceStatus.ACTIVE


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
    """The dashboard's missing service files: the columns it shows, the newest services first."""
    queryset = (
        ServiceRequirement.objects.filter(status__in=OUTSTANDING_REQUIREMENT_STATUSES)
        .select_related("service__product")
        .only("id", "service_id", "kind", "status", "service__id", "service__product__id", "service__product__name")
    )
    queryset = access.scope(queryset, portal=portal, account_field="service__account")
    return list(queryset.order_by("-service__start_date", "service_id", "kind")[:limit])


def recent_documents(*, portal: PortalContext, limit: int = 5):
    """The dashboard's latest documents: title, date and what their address needs."""
    documents = access.visible_documents(portal).only("id", "title", "file", "created_at", "collection_id")
    return list(documents.order_by("-created_at", "-pk")[:limit])


def my_uploads(*, portal: PortalContext):
    return access.visible_uploads(portal).select_related("uploaded_by")


# --- The document library -------------------------------------------------------------------------
#
# A library page lists sections: the page's curated sections (a product or a collection each), then what
# no curated section covers, grouped by audience (the account's own, per product, general), then the
# customer's own uploads. The overview shows the first few files of each section with its count; one
# section (by its stable key) is paged. Every figure comes from the database in a fixed number of queries:
# one GROUP BY over the visible collections (a handful per account), the first rows of each collection by
# a window function, and the uploads with a windowed count; never all documents.

LIBRARY_SECTION_LIMIT = 10  # files per section on the overview
UPLOADS_KEY = "uploads"
ACCOUNT_KEY = "account"
GENERAL_KEY = "general"
DOCUMENT_ORDER = ("title", "pk")
UPLOAD_ORDER = ("-created_at", "-pk")


@dataclass
class LibrarySection:
    """One section of the library: ``count`` files in all, of which ``documents``/``uploads`` are the first few.

    ``key`` is stable across edits of the page (``product-<pk>``, ``collection-<pk>``, ``account``,
    ``general``, ``uploads``): it names the section in ``?section=``.
    """

    key: str
    title: str
    count: int = 0
    documents: list = field(default_factory=list)
    uploads: list = field(default_factory=list)
    collection_ids: frozenset[int] = frozenset()

    @property
    def is_uploads(self) -> bool:
        return self.key == UPLOADS_KEY

    @property
    def shown(self) -> int:
        return len(self.documents) + len(self.uploads)

    @property
    def truncated(self) -> bool:
        return self.count > self.shown


@dataclass(frozen=True)
class _CollectionRow:
    collection_id: int
    collection_name: str
    product_id: int | None
    product_name: str | None
    account_id: int | None
    matching: int  # its documents matching the search (all of them without one)


def _visible_documents(portal: PortalContext, query: str) -> QuerySet:
    visible = access.visible_documents(portal)
    return visible.filter(title__icontains=query) if query else visible


def _visible_uploads(portal: PortalContext, query: str) -> QuerySet:
    uploads = access.visible_uploads(portal)
    return uploads.filter(title__icontains=query) if query else uploads


def _collection_rows(portal: PortalContext, query: str) -> list[_CollectionRow]:
    """The visible collections that hold documents (whatever the search), with their scope and matching count."""
    scope = "collection__portal_scope__"
    rows = (
        access.visible_documents(portal)
        .order_by()
        .values(
            "collection_id", "collection__name", f"{scope}product_id", f"{scope}product__name", f"{scope}account_id"
        )
        .annotate(matching=Count("pk", filter=Q(title__icontains=query)) if query else Count("pk"))
    )
    return [
        _CollectionRow(
            collection_id=row["collection_id"],
            collection_name=row["collection__name"],
            product_id=row[f"{scope}product_id"],
            product_name=row[f"{scope}product__name"],
            account_id=row[f"{scope}account_id"],
            matching=row["matching"],
        )
        for row in rows
    ]


def _document_sections(*, portal: PortalContext, sections, rows: list[_CollectionRow]) -> list[LibrarySection]:
    """Every section that holds visible documents (whatever the search), in display order, without files.

    A section's ``count`` is the number of its documents matching the search.
    """
    result: list[LibrarySection] = []
    keys: set[str] = set()
    placed: set[int] = set()
    for section in sections:
        product_id, collection_id = section.get("product_id"), section.get("collection_id")
        if product_id:
            key = f"product-{product_id}"
            matches = [r for r in rows if r.product_id == product_id]
        elif collection_id:
            key = f"collection-{collection_id}"
            matches = [r for r in rows if r.collection_id == collection_id]
        else:
            continue
        ids = {r.collection_id for r in matches}
        placed.update(ids)
        if not ids or key in keys:  # nothing the account may see, or the same target twice
            continue
        keys.add(key)
        title = section.get("title") or matches[0].product_name or matches[0].collection_name
        result.append(_section(key=key, title=title, ids=ids, rows=rows))
    # what no curated section covers, grouped by audience: the account's own, per product, general
    groups: dict[tuple[int, str, str], set[int]] = {}
    for row in rows:
        if row.collection_id in placed:
            continue
        if row.account_id:
            group = (0, "", ACCOUNT_KEY)
        elif row.product_id:
            group = (1, row.product_name or "", f"product-{row.product_id}")
        else:
            group = (2, "", GENERAL_KEY)
        groups.setdefault(group, set()).add(row.collection_id)
    for (_rank, name, key), ids in sorted(groups.items()):
        if key == ACCOUNT_KEY:
            title = format_lazy(_("For {account}"), account=portal.account.name)
        elif key == GENERAL_KEY:
            title = _("General documents")
        else:
            title = name
        result.append(_section(key=key, title=title, ids=ids, rows=rows))
    return result


def _section(*, key: str, title, ids: set[int], rows: list[_CollectionRow]) -> LibrarySection:
    count = sum(r.matching for r in rows if r.collection_id in ids)
    return LibrarySection(key=key, title=title, count=count, collection_ids=frozenset(ids))


def library_sections(
    *, portal: PortalContext, sections, query: str = "", limit: int = LIBRARY_SECTION_LIMIT
) -> list[LibrarySection]:
    """The library overview: each section that has files matching ``query``, with its first ``limit`` files.

    ``sections`` are the page's curated sections: dicts of ``title`` and ``product_id`` or ``collection_id``
    (portal_pages.blocks.documents.resolve_sections). Documents come by title, the customer's own uploads
    newest first. Three queries, whatever the number of files and sections.
    """
    rows = _collection_rows(portal, query)
    result = [s for s in _document_sections(portal=portal, sections=sections, rows=rows) if s.count]
    # the first ``limit`` documents of every collection; a section's first ones are among its collections'
    ranked = (
        _visible_documents(portal, query)
        .annotate(
            library_rank=Window(
                RowNumber(), partition_by=[F("collection_id")], order_by=[F("title").asc(), F("pk").asc()]
            )
        )
        .filter(library_rank__lte=limit)
        .order_by(*DOCUMENT_ORDER)
    )
    for document in ranked:  # in the database's order (its collation), which the section's pages follow too
        for section in result:
            if document.collection_id in section.collection_ids and len(section.documents) < limit:
                section.documents.append(document)
    uploads = list(
        _visible_uploads(portal, query).annotate(library_total=Window(Count("pk"))).order_by(*UPLOAD_ORDER)[:limit]
    )
    if uploads:
        result.append(
            LibrarySection(key=UPLOADS_KEY, title=_("My uploads"), count=uploads[0].library_total, uploads=uploads)
        )
    return result


def library_section(*, portal: PortalContext, sections, key: str, query: str = "") -> LibrarySection | None:
    """One section of the library by its key, or None when the account has no such section.

    Its ``count`` is the number of files matching ``query``; page :func:`library_section_files` with it.
    """
    if key == UPLOADS_KEY:
        return LibrarySection(key=UPLOADS_KEY, title=_("My uploads"), count=_visible_uploads(portal, query).count())
    rows = _collection_rows(portal, query)
    return next((s for s in _document_sections(portal=portal, sections=sections, rows=rows) if s.key == key), None)


def library_section_files(*, portal: PortalContext, section: LibrarySection, query: str = "") -> QuerySet:
    """All the files of ``section`` matching ``query``, in display order (a queryset to page)."""
    if section.is_uploads:
        return _visible_uploads(portal, query).order_by(*UPLOAD_ORDER)
    return _visible_documents(portal, query).filter(collection_id__in=section.collection_ids).order_by(*DOCUMENT_ORDER)
