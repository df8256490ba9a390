"""Reads for the staff dashboard: each tenant's figures (overdue invoices, today's payments, open tickets,
missing service files) in one query, however many tenants and records there are; and the accounts listing's
collection figures (balance, overdue, last reminder), also in the listing's one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import (
    OUTSTANDING_REQUIREMENT_STATUSES,
    Account,
    Invoice,
    Payment,
    PaymentReminder,
    ServiceRequirement,
    Tenant,
    Ticket,
    TicketStatus,
)
from ..staff_access import staff_tenants

OPEN_TICKET_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING_ON_CUSTOMER)
RECEIVED_PAYMENT_STATUSES = (Payment.Status.SUCCEEDED, Payment.Status.PARTIALLY_REFUNDED, Payment.Status.REFUNDED)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TenantFigures:
    tenant: Tenant
    overdue_count: int
    overdue_amount: Decimal
    payments_today_count: int
    payments_today_amount: Decimal
    open_tickets: int
    missing_files: int


MONEY = DecimalField(max_digits=14, decimal_places=2)


def _per_row(queryset: QuerySet, path: str, aggregate, output_field):
    """A correlated subquery: ``aggregate`` over the ``queryset`` rows whose ``path`` is the outer row (0 when
    none). Unlike a join, it does not multiply the outer rows, so several of them can sit side by side."""
    rows = queryset.filter(**{path: OuterRef("pk")}).order_by().values(path).annotate(result=aggregate).values("result")
    return Coalesce(Subquery(rows, output_field=output_field), Value(0), output_field=output_field)


def tenant_figures(*, user, today: date | None = None) -> list[TenantFigures]:
    """The figures of every tenant ``user`` administers (all tenants for superusers), ordered by name."""
    today = today or timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    money, count = MONEY, IntegerField()
    overdue = Invoice.objects.overdue(today)
    paid_today = Payment.objects.filter(
        status__in=RECEIVED_PAYMENT_STATUSES, received_at__gte=start, received_at__lt=start + timedelta(days=1)
    )
    open_tickets = Ticket.objects.filter(status__in=OPEN_TICKET_STATUSES)
    missing = ServiceRequirement.objects.filter(status__in=OUTSTANDING_REQUIREMENT_STATUSES)
    tenants = (
        staff_tenants(user)
        .order_by("name")
        .annotate(
            overdue_count=_per_row(overdue, "tenant", Count("pk"), count),
            overdue_amount=_per_row(overdue, "tenant", Sum("amount_due"), money),
            payments_today_count=_per_row(paid_today, "tenant", Count("pk"), count),
            payments_today_amount=_per_row(paid_today, "tenant", Sum("amount"), money),
            open_tickets=_per_row(open_tickets, "tenant", Count("pk"), count),
            missing_files=_per_row(missing, "service__account__tenant", Count("pk"), count),
        )
    )
    return [
        TenantFigures(
            tenant=tenant,
            overdue_count=tenant.overdue_count,
            overdue_amount=Decimal(tenant.overdue_amount or ZERO),
            payments_today_count=tenant.payments_today_count,
            payments_today_amount=Decimal(tenant.payments_today_amount or ZERO),
            open_tickets=tenant.open_tickets,
            missing_files=tenant.missing_files,
        )
        for tenant in tenants
    ]


def accounts_with_collection_figures(queryset: QuerySet[Account], *, today: date | None = None) -> QuerySet[Account]:
    """``queryset``'s accounts with what staff need to chase payment: ``balance_due`` (open invoices),
    ``overdue_amount`` and ``overdue_count`` (open invoices past their due date), ``oldest_overdue`` (the earliest
    such due date) and ``last_reminded_at``. Correlated subqueries: still one query for a listing page."""
    today = today or timezone.localdate()
    overdue = Invoice.objects.overdue(today)
    return queryset.annotate(
        balance_due=_per_row(Invoice.objects.payable(), "account", Sum("amount_due"), MONEY),
        overdue_amount=_per_row(overdue, "account", Sum("amount_due"), MONEY),
        overdue_count=_per_row(overdue, "account", Count("pk"), IntegerField()),
        oldest_overdue=Subquery(overdue.filter(account=OuterRef("pk")).order_by("due_date").values("due_date")[:1]),
        last_reminded_at=Subquery(
            PaymentReminder.objects.filter(account=OuterRef("pk")).order_by("-sent_at").values("sent_at")[:1]
        ),
    )
