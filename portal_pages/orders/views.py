"""Customer ordering screens (seed 002): the Order Pad and its review, orders, quotes, deliveries, credit memos and
the header's branch choice.

Handlers parse input, call one selector or service, render. Every object goes through portal_models.access; the
Order Pad and quote requests need the contact's "can order" right (``PortalPermission.ORDER``).
"""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from portal_models import access, caching
from portal_models.exports import table_response
from portal_models.models import CreditMemo, Delivery, Order, Quote
from portal_models.money import ZERO, quantize
from portal_models.selectors import orders as selectors
from portal_models.services import orders as services

from ..pagination import bounded_count, page_of, querystring_without
from ..pdf import image_data_uri, render_pdf
from ..screen import customer_screen, render_screen
from .forms import CheckoutForm, QuantitiesForm, QuoteAcceptForm, QuoteDeclineForm, QuoteRequestForm

PAGE_SIZE = 20
PAD_PAGE_SIZE = 24
PAD_SESSION_KEY = "portal_order_pad"
ORDER_CSV_COLUMNS = ("Order", "Date", "Status", "PO number", "Branch", "Requested date", "Subtotal", "Currency")


def _branch(request, portal):
    return access.active_branch(request, portal)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Order Pad: quantities kept in the session while the customer browses ----------------------------------------


def _pad_key(portal) -> str:
    return f"{PAD_SESSION_KEY}:{portal.account.pk}"


def pad_quantities(request, portal) -> dict[str, str]:
    return dict(request.session.get(_pad_key(portal), {}))


def _pad_save(request, portal, quantities: dict[str, str]) -> None:
    request.session[_pad_key(portal)] = {pk: q for pk, q in quantities.items() if q and Decimal(q) > 0}


def _pad_lines(request, portal):
    """The pad's orderable lines (product, quantity, line total) and their subtotal, at the account's prices."""
    quantities = pad_quantities(request, portal)
    products = selectors.orderable_products(tenant=portal.tenant, account=portal.account, ids=quantities)
    lines, subtotal = [], ZERO
    for pk, quantity in quantities.items():
        product = products.get(int(pk))
        if product is None:
            continue
        quantity = Decimal(quantity)
        total = quantize(quantity * product.account_price, portal.tenant.currency)
        lines.append({"product": product, "quantity": quantity, "line_total": total})
        subtotal += total
    lines.sort(key=lambda line: line["product"].name)
    return lines, subtotal


@customer_screen(name="order_pad", nav="orders")
def order_pad(page, request, portal):
    portal.require(access.PortalPermission.ORDER)
    search, category = request.GET.get("q", "").strip()[:100], request.GET.get("category", "")[:100]
    products = selectors.catalogue(tenant=portal.tenant, account=portal.account, search=search, category=category)
    results = page_of(request, products, per_page=PAD_PAGE_SIZE)
    quantities = pad_quantities(request, portal)
    form = QuantitiesForm(
        request.POST if request.method == "POST" else None,
        products=results.object_list,
        initial_quantities=quantities,
    )
    if request.method == "POST" and form.is_valid():
        quantities.update(form.quantities())
        _pad_save(request, portal, quantities)
        if request.POST.get("action") == "review":
            return redirect(page.route_url("order_review", request=request))
        messages.success(request, _("Quantities saved. Keep browsing or review your order."))
        here = page.route_url("order_pad", request=request)
        query = request.GET.urlencode()
        return redirect(f"{here}?{query}" if query else here)
    lines, subtotal = _pad_lines(request, portal)
    return render_screen(
        page,
        request,
        "theme/portal/orders/order_pad.html",
        {
            "form": form,
            "page_obj": results,
            "search": search,
            "category": category,
            "categories": selectors.catalogue_categories(tenant=portal.tenant),
            "querystring": querystring_without(request, "page"),
            "pad_count": len(lines),
            "pad_subtotal": subtotal,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@customer_screen(name="order_review", nav="orders")
def order_review(page, request, portal):
    portal.require(access.PortalPermission.ORDER)
    lines, subtotal = _pad_lines(request, portal)
    branches = access.account_branches(portal)
    active = _branch(request, portal)
    form = CheckoutForm(
        request.POST if request.method == "POST" else None,
        branches=branches,
        company_label=_("Company address"),
        company=access.all_branches_allowed(portal),
        initial={"ship_to": str(active.pk) if active else ""},
    )
    if request.method == "POST" and request.POST.get("action") == "clear":
        _pad_save(request, portal, {})
        messages.info(request, _("Your order pad is empty."))
        return redirect(page.route_url("order_pad", request=request))
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_submit(
                account=portal.account,
                user=request.user,
                lines=[{"product": line["product"], "quantity": line["quantity"]} for line in lines],
                po_number=form.cleaned_data["po_number"],
                requested_date=form.cleaned_data["requested_date"],
                branch=form.branch(),
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            _pad_save(request, portal, {})
            messages.success(
                request,
                _("Thank you. Your order %(number)s has been submitted; a confirmation is on its way by email.")
                % {"number": order.number},
            )
            return redirect(page.route_url("order", order.pk, request=request))
    company_name, company_address = services.ship_to_of(account=portal.account, branch=None)
    return render_screen(
        page,
        request,
        "theme/portal/orders/order_review.html",
        {
            "form": form,
            "lines": lines,
            "subtotal": subtotal,
            "branches": branches,
            "company_address": company_address,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- orders ------------------------------------------------------------------------------------------------------


def _orders(request, portal):
    return selectors.orders_visible(account=portal.account, branch=_branch(request, portal))


@customer_screen(name="orders")
def orders(page, request, portal):
    filterset = selectors.order_list(queryset=_orders(request, portal), params=request.GET)
    listing = querystring_without(request, "page")
    branch = _branch(request, portal)
    count = caching.for_portal(  # bounded, and counted once per change of the account's records
        portal, "order-count", lambda: bounded_count(filterset.qs), listing, branch.pk if branch else ""
    )
    results = page_of(request, filterset.qs, per_page=PAGE_SIZE, count=count)
    return render_screen(
        page,
        request,
        "theme/portal/orders/order_list.html",
        {
            "filter": filterset,
            "page_obj": results,
            "orders": results.object_list,
            "sort": request.GET.get("sort", ""),
            "querystring": listing,
            "sort_querystring": querystring_without(request, "page", "sort"),
            "export_querystring": listing,
            "can_order": portal.has(access.PortalPermission.ORDER),
        },
    )


@customer_screen(name="orders_export", nav="orders", shell=False)
def orders_export(page, request, portal):
    filterset = selectors.order_list(queryset=_orders(request, portal), params=request.GET)
    if filterset.is_bound and not filterset.is_valid():
        messages.error(request, _("The export could not be made: correct the filters first."))
        return redirect(page.route_url("orders", request=request) + "?" + request.GET.urlencode())
    rows = (
        (
            order.number,
            timezone.localtime(order.submitted_at).date().isoformat(),
            order.get_status_display(),
            order.po_number,
            order.branch.name if order.branch else "",
            order.requested_date.isoformat() if order.requested_date else "",
            order.subtotal,
            order.currency,
        )
        for order in filterset.qs.iterator(chunk_size=2000)  # read as it is sent: constant memory at any size
    )
    stamp = timezone.localdate().isoformat()
    return table_response(
        rows=rows, columns=ORDER_CSV_COLUMNS, filename=f"orders-{portal.account.number}-{stamp}", file_format="csv"
    )


def _order(portal, pk) -> Order:
    return access.get_object_or_404(selectors.order_detail_queryset(queryset=Order.objects.all()), portal=portal, pk=pk)


@customer_screen(name="order", nav="orders")
def order(page, request, portal, pk):
    order = _order(portal, pk)
    return render_screen(
        page,
        request,
        "theme/portal/orders/order_detail.html",
        {"order": order, "can_order": portal.has(access.PortalPermission.ORDER)},
    )


@customer_screen(name="order_again", nav="orders")
def order_again(page, request, portal, pk):
    """Put a past order's products (those still orderable) on the Order Pad, then review."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    portal.require(access.PortalPermission.ORDER)
    order = _order(portal, pk)
    ids = [line.product_id for line in order.lines.all() if line.product_id]
    orderable = selectors.orderable_products(tenant=portal.tenant, account=portal.account, ids=ids)
    quantities = pad_quantities(request, portal)
    for line in order.lines.all():
        if line.product_id in orderable:
            quantities[str(line.product_id)] = str(line.quantity.normalize())
    _pad_save(request, portal, quantities)
    left_out = len(order.lines.all()) - len([line for line in order.lines.all() if line.product_id in orderable])
    if left_out:
        messages.warning(request, _("%(n)s line(s) of this order cannot be ordered online any more.") % {"n": left_out})
    return redirect(page.route_url("order_review", request=request))


# --- quotes ------------------------------------------------------------------------------------------------------


def _quote(portal, pk) -> Quote:
    return access.get_object_or_404(selectors.quote_detail_queryset(queryset=Quote.objects.all()), portal=portal, pk=pk)


@customer_screen(name="quotes")
def quotes(page, request, portal):
    results = page_of(
        request, selectors.quotes_visible(account=portal.account, branch=_branch(request, portal)), per_page=PAGE_SIZE
    )
    return render_screen(
        page,
        request,
        "theme/portal/orders/quote_list.html",
        {
            "page_obj": results,
            "quotes": results.object_list,
            "querystring": "",
            "can_order": portal.has(access.PortalPermission.ORDER),
        },
    )


@customer_screen(name="quote_new", nav="quotes")
def quote_new(page, request, portal):
    portal.require(access.PortalPermission.ORDER)
    products = selectors.catalogue(tenant=portal.tenant, account=portal.account)[:500]
    form = QuoteRequestForm(request.POST if request.method == "POST" else None, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            quote = services.quote_request(
                account=portal.account,
                user=request.user,
                lines=form.lines(),
                notes=form.cleaned_data["notes"],
                branch=_branch(request, portal),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Quote request %(number)s sent. We will price it shortly.") % {"number": quote.number}
            )
            return redirect(page.route_url("quote", quote.pk, request=request))
    return render_screen(
        page,
        request,
        "theme/portal/orders/quote_request.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@customer_screen(name="quote", nav="quotes")
def quote(page, request, portal, pk):
    return _quote_page(page, request, portal, _quote(portal, pk), status=200)


@customer_screen(name="quote_pdf", nav="quotes", shell=False)
def quote_pdf(page, request, portal, pk):
    quote = _quote(portal, pk)
    pdf = render_pdf(
        "theme/portal/orders/pdf/quote.html",
        {"quote": quote, "tenant": page.tenant, "home": page, "logo": image_data_uri(page.logo)},
        request=request,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="quote-{quote.number}.pdf"'
    return response


@customer_screen(name="quote_accept", nav="quotes")
def quote_accept(page, request, portal, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    portal.require(access.PortalPermission.ORDER)
    quote_obj = _quote(portal, pk)
    form = QuoteAcceptForm(request.POST)
    if form.is_valid():
        try:
            order = services.quote_accept(quote=quote_obj, user=request.user, po_number=form.cleaned_data["po_number"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Quote %(quote)s accepted: it is now order %(number)s.")
                % {"quote": quote_obj.number, "number": order.number},
            )
            return redirect(page.route_url("order", order.pk, request=request))
    return _quote_page(page, request, portal, _quote(portal, pk), accept_form=form)


@customer_screen(name="quote_decline", nav="quotes")
def quote_decline(page, request, portal, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    portal.require(access.PortalPermission.ORDER)
    quote_obj = _quote(portal, pk)
    form = QuoteDeclineForm(request.POST)
    if form.is_valid():
        try:
            services.quote_decline(quote=quote_obj, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Quote %(quote)s declined. Thank you for telling us why.") % {"quote": quote_obj.number}
            )
            return redirect(page.route_url("quote", quote_obj.pk, request=request))
    return _quote_page(page, request, portal, _quote(portal, pk), decline_form=form)


def _quote_page(page, request, portal, quote_obj, *, status=400, **forms):
    return render_screen(
        page,
        request,
        "theme/portal/orders/quote_detail.html",
        {
            "quote": quote_obj,
            "can_answer": quote_obj.can_be_answered and portal.has(access.PortalPermission.ORDER),
            "accept_form": forms.get("accept_form") or QuoteAcceptForm(),
            "decline_form": forms.get("decline_form") or QuoteDeclineForm(),
        },
        status=status,
    )


# --- deliveries --------------------------------------------------------------------------------------------------


@customer_screen(name="deliveries")
def deliveries(page, request, portal):
    results = page_of(
        request,
        selectors.deliveries_visible(account=portal.account, branch=_branch(request, portal)),
        per_page=PAGE_SIZE,
    )
    return render_screen(
        page,
        request,
        "theme/portal/orders/delivery_list.html",
        {"page_obj": results, "deliveries": results.object_list, "querystring": ""},
    )


@customer_screen(name="delivery", nav="deliveries")
def delivery(page, request, portal, pk):
    delivery = access.get_object_or_404(
        selectors.delivery_detail_queryset(queryset=Delivery.objects.all()), portal=portal, pk=pk
    )
    return render_screen(page, request, "theme/portal/orders/delivery_detail.html", {"delivery": delivery})


# --- credit memos ------------------------------------------------------------------------------------------------


@customer_screen(name="credit_memos")
def credit_memos(page, request, portal):
    results = page_of(
        request,
        selectors.credit_memos_visible(account=portal.account, branch=_branch(request, portal)),
        per_page=PAGE_SIZE,
    )
    return render_screen(
        page,
        request,
        "theme/portal/orders/credit_memo_list.html",
        {"page_obj": results, "memos": results.object_list, "querystring": ""},
    )


@customer_screen(name="credit_memo_pdf", nav="credit_memos", shell=False)
def credit_memo_pdf(page, request, portal, pk):
    memo = access.get_object_or_404(CreditMemo.objects.select_related("invoice", "account"), portal=portal, pk=pk)
    pdf = render_pdf(
        "theme/portal/orders/pdf/credit_memo.html",
        {"memo": memo, "tenant": page.tenant, "home": page, "logo": image_data_uri(page.logo)},
        request=request,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="credit-memo-{memo.number}.pdf"'
    return response


# --- the header's branch drop-down -------------------------------------------------------------------------------


@customer_screen(name="switch_branch")
def switch_branch(page, request, portal):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    branch = access.switch_branch(request, portal=portal, branch_id=request.POST.get("branch", ""))
    if branch is None:
        messages.success(request, _("Showing all branches"))
    else:
        messages.success(request, _("Showing branch %(name)s") % {"name": branch.name})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = page.route_url("dashboard", request=request)
    return redirect(target)
