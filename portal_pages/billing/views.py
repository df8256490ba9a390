"""Customer billing screens: invoices, payments, statement, contacts, company settings.

Handlers parse input, call one selector or service, render. Every object goes through portal_models.access.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from portal_models import access, caching
from portal_models.downloads import stored_file_download
from portal_models.exports import table_response
from portal_models.models import Contact, Payment
from portal_models.selectors import billing as billing_selectors
from portal_models.selectors.orders import invoices_of_branch, payments_of_branch
from portal_models.services import billing as billing_services
from portal_models.services import outgoing_webhooks

from ..identity.views import system_access_context
from ..pagination import SHOW_ALL_LIMIT, bounded_count, page_of, page_size, page_size_choices, querystring_without
from ..pdf import image_data_uri, render_pdf
from ..screen import customer_screen, render_screen
from . import documents
from .forms import CompanyAddressForm, ContactForm, StatementForm

PAGE_SIZE = 20
CSV_COLUMNS = ("Number", "Status", "Invoice date", "Due date", "Terms", "Total", "Paid", "Amount due", "Currency")


def _page(request, items, *, per_page: int = PAGE_SIZE, count: int | None = None):
    return page_of(request, items, per_page=per_page, count=count)


def _pay_balance_url(page, request, portal) -> str:
    return page.route_url("pay_balance", request=request) if portal.has(access.PortalPermission.PAY) else ""


def _invoice(portal, pk):
    return caching.for_portal(
        portal,
        "invoice",
        lambda: access.get_object_or_404(
            billing_selectors.invoice_detail_queryset(
                queryset=billing_selectors.invoices_visible(account=portal.account)
            ),
            portal=portal,
            pk=pk,
        ),
        int(pk),
    )


# --- invoices --------------------------------------------------------------------------------
@customer_screen(name="invoices")
def invoices(page, request, portal):
    branch = access.active_branch(request, portal)  # the header's branch drop-down (None: all branches)
    filterset = billing_selectors.invoice_list(
        queryset=invoices_of_branch(billing_selectors.invoices_visible(account=portal.account), branch=branch),
        params=request.GET,
    )
    invoices = filterset.qs
    listing = querystring_without(request, "page")
    count = caching.for_portal(  # bounded: "more than 10,000" costs what 10,000 do, once per change
        portal,
        "invoice-count",
        lambda: bounded_count(invoices),
        listing,
        timezone.localdate(),
        branch.pk if branch else "",
    )
    results = _page(request, invoices, per_page=page_size(request), count=count)
    context = {
        "filter": filterset,
        "page_sizes": page_size_choices(request),
        "show_all_limit": SHOW_ALL_LIMIT,
        "page_obj": results,
        "invoices": results.object_list,
        "sort": request.GET.get("sort", ""),
        "querystring": listing,
        "sort_querystring": querystring_without(request, "page", "sort"),
        "export_querystring": listing,
        "pay_balance_url": _pay_balance_url(page, request, portal),
        "balance_due": caching.for_portal(
            portal, "balance", lambda: billing_selectors.account_balance(account=portal.account)
        ),
    }
    return render_screen(page, request, "theme/portal/billing/invoice_list.html", context)


@customer_screen(name="invoices_export", nav="invoices", shell=False)
def invoices_export(page, request, portal):
    branch = access.active_branch(request, portal)
    filterset = billing_selectors.invoice_list(
        queryset=invoices_of_branch(billing_selectors.invoices_visible(account=portal.account), branch=branch),
        params=request.GET,
    )
    if filterset.is_bound and not filterset.is_valid():
        messages.error(request, _("The export could not be made: correct the filters first."))
        return redirect(page.route_url("invoices", request=request) + "?" + request.GET.urlencode())
    rows = (
        (
            inv.number,
            inv.display_status,
            inv.invoice_date.isoformat(),
            inv.due_date.isoformat(),
            inv.terms,
            inv.total,
            inv.amount_paid,
            inv.amount_due,
            inv.currency,
        )
        for inv in filterset.qs.iterator(chunk_size=2000)  # read as it is sent: constant memory at any size
    )
    stamp = timezone.localdate().isoformat()
    return table_response(
        rows=rows, columns=CSV_COLUMNS, filename=f"invoices-{portal.account.number}-{stamp}", file_format="csv"
    )


@customer_screen(name="invoice", nav="invoices")
def invoice(page, request, portal, pk):
    invoice = _invoice(portal, pk)  # 404 for any other account's invoice
    pay_url = ""
    if invoice.is_payable and portal.has(access.PortalPermission.PAY):
        pay_url = page.route_url("pay_invoice", invoice.pk, request=request)
    response = render_screen(
        page, request, "theme/portal/billing/invoice_detail.html", {"invoice": invoice, "pay_url": pay_url}
    )
    outgoing_webhooks.invoice_viewed(invoice_id=pk, account=portal.account, user=request.user)
    return response


@customer_screen(name="invoice_pdf", nav="invoices", shell=False)
def invoice_pdf(page, request, portal, pk):
    """The stored PDF (rendered by the task worker at the invoice's last change); rendered here only by a request
    that comes first."""
    # the invoice's own row names the stored PDF; its lines, credits and payments are read only to render one
    invoice = access.get_object_or_404(billing_selectors.invoices_visible(account=portal.account), portal=portal, pk=pk)
    filename = f"invoice-{invoice.number}.pdf"
    name, pdf = documents.invoice_pdf_for_request(invoice=invoice, home=page, request=request)
    if name is not None:
        return stored_file_download(name=name, filename=filename, content_type="application/pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- payments --------------------------------------------------------------------------------
@customer_screen(name="payments")
def payments(page, request, portal):
    branch = access.active_branch(request, portal)
    payments = payments_of_branch(billing_selectors.payments_visible(account=portal.account), branch=branch)
    count = caching.for_portal(portal, "payment-count", lambda: bounded_count(payments), branch.pk if branch else "")
    results = _page(request, payments, count=count)
    return render_screen(
        page,
        request,
        "theme/portal/billing/payment_list.html",
        {
            "page_obj": results,
            "payments": billing_selectors.payments_count_invoices(results.object_list),
            "querystring": "",
        },
    )


@customer_screen(name="payment", nav="payments")
def payment(page, request, portal, pk):
    payment = access.get_object_or_404(
        billing_selectors.payment_detail_queryset(queryset=Payment.objects.all()), portal=portal, pk=pk
    )
    return render_screen(page, request, "theme/portal/billing/payment_detail.html", {"payment": payment})


# --- statement of account --------------------------------------------------------------------
@customer_screen(name="statement", nav="invoices")
def statement(page, request, portal):
    """The period's statement on screen (printed, it looks like its PDF); "Download PDF" answers the PDF."""
    initial = StatementForm.initial_range()
    form = StatementForm(request.GET if "date_from" in request.GET else None, initial=initial)
    valid = form.is_bound and form.is_valid()
    period = form.cleaned_data if valid else initial
    if valid or not form.is_bound:
        statement = billing_selectors.statement_of_account(
            account=portal.account, date_from=period["date_from"], date_to=period["date_to"]
        )
    if valid and "show" not in request.GET:
        pdf = render_pdf(
            "theme/portal/billing/pdf/statement.html",
            {"statement": statement, "tenant": page.tenant, "home": page, "logo": image_data_uri(page.logo)},
            request=request,
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"statement-{portal.account.number}-{statement.date_from}-{statement.date_to}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context = {"form": form, "statement": statement if valid or not form.is_bound else None}
    status = 400 if form.is_bound and not valid else 200
    return render_screen(page, request, "theme/portal/billing/statement.html", context, status=status)


# --- contacts --------------------------------------------------------------------------------
@customer_screen(name="contacts")
def contacts(page, request, portal):
    return render_screen(
        page,
        request,
        "theme/portal/billing/contact_list.html",
        {
            "contacts": billing_selectors.contacts_of(account=portal.account),
            "can_manage": portal.has(access.PortalPermission.MANAGE_CONTACTS),
        },
    )


@customer_screen(name="contacts_export", nav="contacts", shell=False)
def contacts_export(page, request, portal):
    """The company's contacts as CSV or XLSX (``?format=xlsx``), as on the Contacts tab."""
    columns = (
        _("First name"),
        _("Last name"),
        _("Title"),
        _("Email"),
        _("Business phone"),
        _("Cell phone"),
        _("Main"),
        _("Billing (AP)"),
        _("Technical"),
        _("Can log in"),
    )
    rows = [
        (
            c.first_name,
            c.last_name,
            c.title,
            c.email,
            c.business_phone,
            c.cell_phone,
            c.is_main,
            c.is_billing,
            c.is_technical,
            c.can_login,
        )
        for c in billing_selectors.contacts_of(account=portal.account)
    ]
    return table_response(
        rows=rows,
        columns=columns,
        filename=f"contacts-{portal.account.number}",
        file_format="xlsx" if request.GET.get("format") == "xlsx" else "csv",
    )


@customer_screen(name="contact_new", nav="contacts")
def contact_new(page, request, portal):
    return _contact_form(page, request, portal, contact=None)


@customer_screen(name="contact_edit", nav="contacts")
def contact_edit(page, request, portal, pk):
    contact = access.get_object_or_404(
        Contact.objects.all(), portal=portal, pk=pk, permission=access.PortalPermission.MANAGE_CONTACTS
    )
    return _contact_form(page, request, portal, contact=contact)


def _contact_form(page, request, portal, *, contact):
    portal.require(access.PortalPermission.MANAGE_CONTACTS)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            saved = billing_services.contact_save(
                account=portal.account,
                data=form.cleaned_data,
                contact=Contact.objects.get(pk=contact.pk) if contact else None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Contact %(name)s saved.") % {"name": saved.full_name})
            return redirect(page.route_url("contacts", request=request))
    return render_screen(
        page,
        request,
        "theme/portal/billing/contact_form.html",
        {"form": form, "contact": contact},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- settings --------------------------------------------------------------------------------
@customer_screen(name="settings")
def settings(page, request, portal):
    can_edit = portal.has(access.PortalPermission.MANAGE_CONTACTS)
    account = portal.account
    if request.method == "POST":
        if not can_edit:
            return HttpResponseNotAllowed(["GET"])
        form = CompanyAddressForm(request.POST, instance=type(account).objects.get(pk=account.pk))
        if form.is_valid():
            billing_services.account_update_address(account=account, data=form.cleaned_data)
            messages.success(request, _("Your company address has been saved."))
            return redirect(page.route_url("settings", request=request))
    else:
        form = CompanyAddressForm(instance=account)
    return render_screen(
        page,
        request,
        "theme/portal/billing/settings.html",
        {
            "form": form,
            "can_edit": can_edit,
            "account": account,
            "logins": [c for c in billing_selectors.contacts_of(account=account) if c.can_login],
            **(system_access_context(portal) if can_edit else {}),
        },
        status=400 if form.is_bound and form.errors else 200,
    )
