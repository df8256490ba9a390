"""Reads of ordering for the portal: the catalogue with the account's prices, orders, quotes, deliveries and credit
memos of an account (and of the header's branch). Query counts do not grow with the data."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model

from portal_models.models import (
    Account,
    AccountPrice,
    Branch,
    CreditMemo,
    Delivery,
    DeliveryLine,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
    Quote,
    Tenant,
)
from portal_models.selectors.billing import tie_breaker
from portal_models.widgets import DateInput, ListFilterForm

# The Order Pad's thumbnail of a product's image (theme/portal/orders/order_pad.html renders this filter spec).
CATALOGUE_THUMBNAIL = "fill-96x96"

ORDER_SORTS = {
    "number": "number",
    "status": "status",
    "date": "submitted_at",
    "po_number": "po_number",
    "total": "subtotal",
}


def catalogue(*, tenant: Tenant, account: Account, search: str = "", category: str = "") -> QuerySet[Product]:
    """The tenant's orderable products (active, with a price for the account), each with ``account_price``: the
    account's own price, else the catalogue price. ``search`` matches name, SKU or description."""
    special = AccountPrice.objects.filter(product=OuterRef("pk"), account=account).values("price")[:1]
    products = (
        Product.objects.filter(tenant=tenant, active=True)
        .annotate(account_price=Coalesce(Subquery(special), "price"))
        # has a price for the account (the same as account_price IS NOT NULL, but read per row only for the rows
        # without a catalogue price: a search of 10k products no longer runs the subquery on each of them)
        .filter(Q(price__isnull=False) | Exists(AccountPrice.objects.filter(product=OuterRef("pk"), account=account)))
        .prefetch_related(
            # the images of the page and their thumbnails: two queries however many products have one
            Prefetch("image", queryset=get_image_model().objects.prefetch_renditions(CATALOGUE_THUMBNAIL))
        )
        .order_by("name", "pk")
    )
    search = (search or "").strip()
    if search:
        products = products.filter(
            Q(name__icontains=search) | Q(sku__icontains=search) | Q(description__icontains=search)
        )
    if category:
        products = products.filter(category=category)
    return products


def catalogue_categories(*, tenant: Tenant) -> list[str]:
    return list(
        Product.objects.filter(tenant=tenant, active=True)
        .exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


def orderable_products(*, tenant: Tenant, account: Account, ids) -> dict[int, Product]:
    """The products of ``ids`` the account may order (others are left out), with ``account_price``."""
    return {p.pk: p for p in catalogue(tenant=tenant, account=account).filter(pk__in=list(ids))}


def orders_visible(*, account: Account, branch: Branch | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(account=account)
    if branch is not None:
        orders = orders.filter(branch=branch)
    return orders.select_related("branch")


class OrderFilter(django_filters.FilterSet):
    """Search (order or PO number, product), status, dates and sort of an access-scoped order list."""

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=OrderStatus.choices, field_name="status", label=_("Status"), empty_label=_("All statuses")
    )
    date_from = django_filters.DateFilter(
        field_name="submitted_at__date",
        lookup_expr="gte",
        label=_("From"),
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        field_name="submitted_at__date",
        lookup_expr="lte",
        label=_("To"),
        widget=DateInput(),
    )
    sort = django_filters.OrderingFilter(fields=tuple((v, k) for k, v in ORDER_SORTS.items()), label=_("Sort"))

    class Meta:
        model = Order
        form = ListFilterForm
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        lines = OrderLine.objects.filter(order=OuterRef("pk")).filter(
            Q(description__icontains=value) | Q(sku__icontains=value)
        )
        return queryset.filter(Q(number__icontains=value) | Q(po_number__icontains=value) | Exists(lines))

    def filter_queryset(self, queryset):
        qs = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            return qs.order_by("-submitted_at", "-pk")
        return qs.order_by(*qs.query.order_by, tie_breaker(qs.query.order_by))


def order_list(*, queryset: QuerySet[Order], params) -> OrderFilter:
    return OrderFilter(params or None, queryset=queryset)


def order_detail_queryset(*, queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.select_related("account", "tenant", "branch", "placed_by", "quote").prefetch_related(
        "lines",
        "events",
        Prefetch("deliveries", queryset=Delivery.objects.order_by("shipped_on", "pk")),
        Prefetch("invoices", queryset=Invoice.objects.visible_to_customers().order_by("invoice_date", "pk")),
    )


# The dashboard's at-a-glance lists read the columns they show (rows of 30 to 45 columns otherwise).
def recent_orders(*, account: Account, branch: Branch | None = None, limit: int = 5) -> list[Order]:
    orders = orders_visible(account=account, branch=branch).select_related(None)
    fields = ("id", "account_id", "number", "status", "submitted_at", "subtotal", "currency")
    return list(orders.only(*fields).order_by("-submitted_at", "-pk")[:limit])


def recent_deliveries(*, account: Account, branch: Branch | None = None, limit: int = 5) -> list[Delivery]:
    deliveries = deliveries_visible(account=account, branch=branch).select_related(None)
    return list(deliveries.only("id", "account_id", "number", "shipped_on", "tracking_number")[:limit])


def recent_credit_memos(*, account: Account, branch: Branch | None = None, limit: int = 5) -> list[CreditMemo]:
    fields = ("id", "account_id", "number", "date", "amount", "invoice__id", "invoice__number", "invoice__currency")
    return list(credit_memos_visible(account=account, branch=branch).only(*fields)[:limit])


def quotes_visible(*, account: Account, branch: Branch | None = None) -> QuerySet[Quote]:
    quotes = Quote.objects.filter(account=account)
    if branch is not None:
        quotes = quotes.filter(branch=branch)
    return quotes.select_related("branch").order_by("-requested_at", "-pk")


def quote_detail_queryset(*, queryset: QuerySet[Quote]) -> QuerySet[Quote]:
    return queryset.select_related("account", "tenant", "branch", "order").prefetch_related("lines")


def deliveries_visible(*, account: Account, branch: Branch | None = None) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(account=account)
    if branch is not None:
        deliveries = deliveries.filter(branch=branch)
    return deliveries.select_related("order", "branch").order_by("-shipped_on", "-pk")


def delivery_detail_queryset(*, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
    return queryset.select_related("order", "branch", "proof_of_delivery").prefetch_related(
        Prefetch("lines", queryset=DeliveryLine.objects.select_related("order_line"))
    )


def credit_memos_visible(*, account: Account, branch: Branch | None = None) -> QuerySet[CreditMemo]:
    memos = CreditMemo.objects.filter(account=account)
    if branch is not None:
        memos = memos.filter(invoice__branch=branch)
    return memos.select_related("invoice").order_by("-date", "-pk")


def invoices_of_branch(queryset: QuerySet[Invoice], *, branch: Branch | None) -> QuerySet[Invoice]:
    return queryset if branch is None else queryset.filter(branch=branch)


def payments_of_branch(queryset: QuerySet[Payment], *, branch: Branch | None) -> QuerySet[Payment]:
    """Payments that paid (part of) an invoice of the branch."""
    if branch is None:
        return queryset
    return queryset.filter(Exists(Invoice.objects.filter(allocations__payment=OuterRef("pk"), branch=branch)))
