"""Customer ticket screens: list (filters, sorting, CSV export), open a ticket, detail with notes, reopen."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal_models.downloads import file_download
from portal_models.exports import safe_cell
from portal_models.selectors.tickets import (
    DEFAULT_SORT,
    ticket_for_customer,
    ticket_public_attachment,
    ticket_public_comments,
    tickets_for_customer,
)
from portal_models.services import tickets as ticket_services
from portal_models.services.tickets import ticket_comment_add, ticket_open

from ..screen import customer_screen, render_screen
from .forms import TicketNoteForm, TicketOpenForm, TicketReopenForm

PAGE_SIZE = 20
_cell = safe_cell  # neutralise spreadsheet formulas in customer-typed text (CSV injection)


COLUMNS = (
    ("number", gettext_lazy("Ticket")),
    ("subject", gettext_lazy("Subject")),
    ("severity", gettext_lazy("Severity")),
    ("status", gettext_lazy("Status")),
    ("updated", gettext_lazy("Last update")),
)


def _sort_columns(current: str) -> list[dict]:
    """Header links: clicking the sorted column flips its direction."""
    current = current or DEFAULT_SORT
    columns = []
    for key, label in COLUMNS:
        active = current.lstrip("-") == key
        descending = active and current.startswith("-")
        columns.append(
            {
                "key": key,
                "label": label,
                "active": active,
                "descending": descending,
                "next": key if (active and descending) else f"-{key}" if active or key == "updated" else key,
            }
        )
    return columns


@customer_screen(name="tickets")
def tickets(page, request, portal):
    filterset = tickets_for_customer(portal=portal, params=request.GET)
    results = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    sort = filterset.form.cleaned_data.get("sort") if filterset.form.is_valid() else None
    context = {
        "filter": filterset,
        "page_obj": results,
        "tickets": results.object_list,
        "columns": _sort_columns(sort[0] if sort else ""),
        "filtered": any(request.GET.get(name) for name in ("q", "status", "severity")),
    }
    return render_screen(page, request, "theme/portal/tickets/list.html", context)


@customer_screen(name="tickets_export", nav="tickets", shell=False)
def tickets_export(page, request, portal):
    filterset = tickets_for_customer(portal=portal, params=request.GET)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="tickets-{portal.account.number}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [_("Ticket"), _("Subject"), _("Category"), _("Severity"), _("Status"), _("Opened"), _("Last update")]
    )
    for ticket in filterset.qs:  # public fields only: never comments or internal notes
        writer.writerow(
            [
                ticket.reference,
                _cell(ticket.subject),
                ticket.get_category_display(),
                ticket.get_severity_display(),
                ticket.get_status_display(),
                timezone.localtime(ticket.created_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(ticket.updated_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return response


@customer_screen(name="ticket_new", nav="tickets")
def ticket_new(page, request, portal):
    form = TicketOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ticket_open(account=portal.account, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Ticket %(ref)s is open. We will get back to you.") % {"ref": ticket.reference})
            return redirect(page.route_url("ticket_detail", pk=ticket.pk, request=request))
    status = 400 if form.errors else 200
    return render_screen(page, request, "theme/portal/tickets/new.html", {"form": form}, status=status)


@customer_screen(name="ticket_detail", nav="tickets")
def ticket_detail(page, request, portal, pk):
    ticket = ticket_for_customer(portal=portal, pk=pk)
    form = TicketNoteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket_comment_add(
                ticket=ticket,
                user=request.user,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data["attachment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your note was sent to our team."))
            return redirect(page.route_url("ticket_detail", pk=ticket.pk, request=request))
    context = {
        "ticket": ticket,
        "comments": ticket_public_comments(ticket=ticket),
        "form": form,
        "reopen_form": TicketReopenForm(),
    }
    return render_screen(page, request, "theme/portal/tickets/detail.html", context, status=400 if form.errors else 200)


@customer_screen(name="ticket_reopen", nav="tickets")
def ticket_reopen(page, request, portal, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    ticket = ticket_for_customer(portal=portal, pk=pk)
    form = TicketReopenForm(request.POST)
    try:
        ticket_services.ticket_reopen(ticket=ticket, user=request.user, reason=form.data.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The ticket is open again."))
    return redirect(page.route_url("ticket_detail", pk=ticket.pk, request=request))


@customer_screen(name="ticket_attachment", nav="tickets")
def ticket_attachment(page, request, portal, pk, comment_pk):
    comment = ticket_public_attachment(portal=portal, ticket_pk=pk, comment_pk=comment_pk)
    return file_download(comment.attachment, filename=comment.attachment_name)  # signed on S3, like documents
