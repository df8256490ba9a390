"""Reads of billing records for the portal and the admin. Query counts do not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import django_filters
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal_models.models import Account, Contact, CreditMemo, Invoice, Payment, PaymentAllocation
from portal_models.models.billing import PAYABLE_STATUSES, InvoiceStatus
from portal_models.money import ZERO
from portal_models.widgets import DateInput, ListFilterForm

COUNTED_PAYMENT_STATUSES = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED)

# The sortable columns of the invoice list: public name -> model field.
INVOICE_SORTS = {
    "number": "number",
    "status": "status",
    "invoice_date": "invoice_date",
    "due_date": "due_date",
    "total": "total",
    "amount_due": "amount_due",
}
OVERDUE = "overdue"

# The columns of the dashboard's overdue and upcoming invoices.
DASHBOARD_INVOICE_FIELDS = ("id", "account_id", "number", "status", "due_date", "amount_due", "currency")


def tie_breaker(order_by) -> str:
    """The id, the same way as the list's sort column: ``total, id`` or ``-total, -id``, one index read forwards or
    backwards (``(account, total, id)``) for both directions, and a total order for paging."""
    return "-pk" if order_by and str(order_by[0]).startswith("-") else "pk"


def account_balance(*, account: Account) -> Decimal:
    """What the account owes: the amount due of its open invoices."""
    return Invoice.objects.filter(account=account).payable().aggregate(s=Sum("amount_due"))["s"] or ZERO


def billing_contact_emails(*, account: Account) -> list[str]:
    """The addresses of an account's billing (AP) contacts: who invoices, receipts and reminders go to."""
    emails = Contact.objects.filter(account=account, is_billing=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(emails))


def invoices_overdue(*, account: Account, today: date | None = None) -> list[Invoice]:
    """An account's open invoices past their due date, the oldest first, each with its ``days_late``."""
    today = today or timezone.localdate()
    invoices = list(Invoice.objects.overdue(today).filter(account=account).order_by("due_date", "number"))
    for invoice in invoices:
        invoice.days_late = (today - invoice.due_date).days
    return invoices


def invoices_visible(*, account: Account) -> QuerySet[Invoice]:
    """The invoices of an account a customer may see (drafts are the staff's business)."""
    return Invoice.objects.filter(account=account).visible_to_customers()


class InvoiceFilter(django_filters.FilterSet):
    """Search, filters and sorting of an (already access-scoped) invoice list.

    Invalid values (an unknown status, an impossible date, an unknown sort) are reported on the form and ignored.
    """

    number = django_filters.CharFilter(field_name="number", lookup_expr="icontains", label=_("Invoice number"))
    status = django_filters.ChoiceFilter(
        choices=[(OVERDUE, _("Overdue"))] + [c for c in InvoiceStatus.choices if c[0] != InvoiceStatus.DRAFT],
        method="filter_status",
        label=_("Status"),
        empty_label=_("All statuses"),
    )
    date_from = django_filters.DateFilter(
        field_name="invoice_date", lookup_expr="gte", label=_("From"), widget=DateInput()
    )
    date_to = django_filters.DateFilter(field_name="invoice_date", lookup_expr="lte", label=_("To"), widget=DateInput())
    sort = django_filters.OrderingFilter(
        fields=tuple((v, k) for k, v in INVOICE_SORTS.items()), label=_("Sort"), empty_label=_("Newest first")
    )

    class Meta:
        model = Invoice
        form = ListFilterForm
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        if value == OVERDUE:
            return queryset.overdue(timezone.localdate())
        return queryset.filter(status=value) if value else queryset

    def filter_queryset(self, queryset):
        qs = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            qs = qs.order_by("-invoice_date", "-number")
        else:
            qs = qs.order_by(*qs.query.order_by, tie_breaker(qs.query.order_by))
        return qs


def invoice_list(*, queryset: QuerySet[Invoice], params) -> InvoiceFilter:
    """The filter set for ``params`` (a QueryDict) over ``queryset``; ``.qs`` is the filtered, sorted list, each
    invoice with its payment claim (the list's "Processing" and "Check on its way" badges, no query per row)."""
    return InvoiceFilter(params or None, queryset=queryset.select_related("payment_claim"))


def invoice_detail_queryset(*, queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Everything the detail / PDF of an invoice shows, in a fixed number of queries."""
    return queryset.select_related("account", "tenant").prefetch_related(
        "lines",
        "credit_memos",
        Prefetch(
            "allocations",
            queryset=PaymentAllocation.objects.select_related("payment").order_by("payment__received_at"),
        ),
    )


def payments_visible(*, account: Account) -> QuerySet[Payment]:
    """An account's payments, newest first (read in order from ``payment_account_received_id``)."""
    return Payment.objects.filter(account=account).order_by("-received_at", "-pk")


def payments_count_invoices(payments) -> list[Payment]:
    """A page of payments, each with ``invoice_count`` (how many invoices it paid): one query for the page's
    payments only, never a count over all of the account's payments."""
    payments = list(payments)
    counts = dict(
        PaymentAllocation.objects.filter(payment__in=payments)
        .values_list("payment")
        .annotate(n=Count("pk"))
        .values_list("payment", "n")
    )
    for payment in payments:
        payment.invoice_count = counts.get(payment.pk, 0)
    return payments


def payment_detail_queryset(*, queryset: QuerySet[Payment]) -> QuerySet[Payment]:
    return queryset.select_related("account", "tenant", "payer").prefetch_related(
        Prefetch(
            "allocations", queryset=PaymentAllocation.objects.select_related("invoice").order_by("invoice__number")
        )
    )


@dataclass(frozen=True)
class DashboardSummary:
    balance_due: Decimal
    overdue_total: Decimal
    overdue_count: int
    open_count: int
    paid_this_year: Decimal
    upcoming: list[Invoice]
    overdue: list[Invoice]
    recent_payments: list[Payment]


def dashboard_summary(*, account: Account, limit: int = 5) -> DashboardSummary:
    """Balance, overdue and upcoming invoices and recent payments of an account (5 queries, whatever the size)."""
    today = timezone.localdate()
    payable = Invoice.objects.filter(account=account).payable()
    agg = payable.aggregate(
        balance=Sum("amount_due"),
        open_count=Count("pk"),
        overdue_total=Sum("amount_due", filter=Q(due_date__lt=today)),
        overdue_count=Count("pk", filter=Q(due_date__lt=today)),
    )
    listed = payable.order_by("due_date", "pk").only(*DASHBOARD_INVOICE_FIELDS)  # the soonest due first
    paid = Payment.objects.filter(
        account=account, status__in=COUNTED_PAYMENT_STATUSES, received_at__year=today.year
    ).aggregate(s=Sum("amount"))["s"]
    return DashboardSummary(
        balance_due=agg["balance"] or ZERO,
        overdue_total=agg["overdue_total"] or ZERO,
        overdue_count=agg["overdue_count"],
        open_count=agg["open_count"],
        paid_this_year=paid or ZERO,
        upcoming=list(listed.filter(due_date__gte=today)[:limit]),
        overdue=list(listed.filter(due_date__lt=today)[:limit]),
        recent_payments=list(Payment.objects.filter(account=account).order_by("-received_at", "-pk")[:limit]),
    )


@dataclass(frozen=True)
class StatementLine:
    date: date
    kind: str
    reference: str
    description: str
    charge: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    account: Account
    date_from: date
    date_to: date
    opening_balance: Decimal
    lines: list[StatementLine]
    total_charges: Decimal
    total_credits: Decimal
    closing_balance: Decimal
    currency: str


def _at_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def statement_of_account(*, account: Account, date_from: date, date_to: date) -> Statement:
    """Opening balance, invoices, credits and payments in the period, and the closing balance.

    Invoices count at their total before credits (credit memos appear as their own lines); void and draft
    invoices do not count.
    """
    invoices = Invoice.objects.filter(account=account).exclude(status__in=[InvoiceStatus.DRAFT, InvoiceStatus.VOID])
    memos = CreditMemo.objects.filter(account=account).exclude(
        invoice__status__in=[InvoiceStatus.DRAFT, InvoiceStatus.VOID]
    )
    payments = Payment.objects.filter(account=account, status__in=COUNTED_PAYMENT_STATUSES)
    start, end = _at_start(date_from), _at_start(date_to) + timedelta(days=1)

    before_charges = invoices.filter(invoice_date__lt=date_from).aggregate(s=Sum("subtotal"))["s"] or ZERO
    before_memos = memos.filter(date__lt=date_from).aggregate(s=Sum("amount"))["s"] or ZERO
    before_paid = payments.filter(received_at__lt=start).aggregate(s=Sum("amount"))["s"] or ZERO
    opening = before_charges - before_memos - before_paid

    events: list[tuple] = []
    for inv in invoices.filter(invoice_date__gte=date_from, invoice_date__lte=date_to):
        events.append((inv.invoice_date, 0, "invoice", inv.number, f"Invoice {inv.number}", inv.subtotal, ZERO))
    for memo in memos.filter(date__gte=date_from, date__lte=date_to).select_related("invoice"):
        events.append(
            (memo.date, 1, "credit", memo.number, f"Credit memo on invoice {memo.invoice.number}", ZERO, memo.amount)
        )
    for pay in payments.filter(received_at__gte=start, received_at__lt=end):
        label = f"Payment — {pay.get_method_display()}" + (f" {pay.reference}" if pay.reference else "")
        events.append((timezone.localdate(pay.received_at), 2, "payment", pay.display_number, label, ZERO, pay.amount))
    events.sort(key=lambda e: (e[0], e[1], e[3]))

    balance = opening
    lines = []
    for day, _order, kind, ref, label, charge, credit in events:
        balance = balance + charge - credit
        lines.append(StatementLine(day, kind, ref, label, charge, credit, balance))
    return Statement(
        account=account,
        date_from=date_from,
        date_to=date_to,
        opening_balance=opening,
        lines=lines,
        total_charges=sum((line.charge for line in lines), ZERO),
        total_credits=sum((line.credit for line in lines), ZERO),
        closing_balance=balance,
        currency=account.tenant.currency,
    )


def contacts_of(*, account: Account) -> QuerySet[Contact]:
    return Contact.objects.filter(account=account).select_related("user").order_by("last_name", "first_name", "pk")


def billing_contacts(*, account: Account) -> QuerySet[Contact]:
    """Who gets invoices by email: the billing (AP) contacts with an email address."""
    return Contact.objects.filter(account=account, is_billing=True).exclude(email="")


__all__ = [
    "PAYABLE_STATUSES",
    "account_balance",
    "billing_contacts",
    "contacts_of",
    "dashboard_summary",
    "invoice_detail_queryset",
    "invoice_list",
    "invoices_visible",
    "payment_detail_queryset",
    "payments_count_invoices",
    "payments_visible",
    "statement_of_account",
]
