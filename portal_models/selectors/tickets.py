"""Reads on tickets: the customer's filtered, sorted list and a ticket's public thread."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from portal_models import access
from portal_models.models import Ticket, TicketComment, TicketSeverity, TicketStatus
from portal_models.widgets import ListFilterForm

SORTS = {
    "number": "number",
    "subject": "subject",
    "status": "status",
    "severity": "severity",
    "updated": "updated_at",
}
DEFAULT_SORT = "-updated"


class TicketFilter(django_filters.FilterSet):
    """Filters of the customer's ticket list (status, severity, text) and its sortable columns."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"placeholder": _("Number, subject or text"), "type": "search"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("active", _("All unresolved")), *TicketStatus.choices],
        method="filter_status",
        empty_label=_("Any status"),
    )
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=TicketSeverity.choices, empty_label=_("Any severity")
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=tuple((field, key) for key, field in SORTS.items()),
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Ticket
        form = ListFilterForm
        fields = ["q", "status", "severity"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = Q(subject__icontains=value) | Q(description__icontains=value)
        number = value.upper().removeprefix("T-").strip()
        if number.isdigit():
            condition |= Q(number=int(number))
        return queryset.filter(condition)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "active":
            return queryset.exclude(status__in=[TicketStatus.RESOLVED, TicketStatus.CLOSED])
        return queryset.filter(status=value)

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by("-updated_at", "-number")
        return queryset


def tickets_for_customer(*, portal: access.PortalContext, params) -> TicketFilter:
    """The active account's tickets filtered and sorted by ``params`` (request.GET); ``.qs`` is the result.

    Each ticket carries ``public_comment_count``; one query whatever the number of tickets.
    """
    queryset = access.scope(Ticket.objects.all(), portal=portal).annotate(
        public_comment_count=Count("comments", filter=Q(comments__is_public=True))
    )
    params = params.copy()
    if params.get("sort", "") and params["sort"] not in {*SORTS, *(f"-{key}" for key in SORTS)}:
        params.pop("sort")
    return TicketFilter(params, queryset=queryset)


def ticket_for_customer(*, portal: access.PortalContext, pk) -> Ticket:
    """One ticket of the active account, or 404."""
    return access.get_object_or_404(Ticket.objects.select_related("created_by", "assigned_to"), portal=portal, pk=pk)


def ticket_public_comments(*, ticket: Ticket) -> QuerySet[TicketComment]:
    """What the customer sees of the thread: public comments only, oldest first."""
    return ticket.comments.public().select_related("author").order_by("created_at", "id")


def ticket_public_attachment(*, portal: access.PortalContext, ticket_pk, comment_pk) -> TicketComment:
    """A public comment's attachment on a ticket of the active account, or 404 (internal notes never)."""
    ticket = ticket_for_customer(portal=portal, pk=ticket_pk)
    comment = ticket.comments.public().exclude(attachment="").filter(pk=comment_pk).first()
    if comment is None:
        raise Http404("Not found.")
    return comment
