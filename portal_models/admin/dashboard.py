"""The staff dashboard's panels: one per tenant the staff member administers, with the figures that need
attention and links to the filtered listings. Registered from portal_models/wagtail_hooks.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from wagtail.admin.ui.components import Component

from ..models import OUTSTANDING_REQUIREMENT_STATUSES
from ..money import format_money
from ..selectors.admin_dashboard import OPEN_TICKET_STATUSES, TenantFigures, tenant_figures
from .billing import AccountAdmin


def _listing(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


class TenantFiguresPanel(Component):
    template_name = "portal_models/admin/dashboard_tenant.html"
    order = 50

    def __init__(self, figures: TenantFigures, *, today, shown: dict[str, bool]):
        self.figures = figures
        self.today = today
        self.shown = shown

    def get_context_data(self, parent_context=None):
        figures, tenant = self.figures, self.figures.tenant
        return {
            "figures": figures,
            "tenant": tenant,
            "shown": self.shown,
            "overdue_amount": format_money(figures.overdue_amount, tenant.currency),
            "payments_today_amount": format_money(figures.payments_today_amount, tenant.currency),
            "overdue_url": _listing("portal_models_invoice_modeladmin_index", overdue="yes", tenant=tenant.pk),
            # the accounts to chase: those with overdue invoices, the largest overdue amount first
            "overdue_accounts_url": _listing(
                "portal_models_account_modeladmin_index",
                overdue="yes",
                tenant=tenant.pk,
                o=f"-{AccountAdmin.list_display.index('overdue')}",
            ),
            "payments_url": _listing(
                "portal_models_payment_modeladmin_index", tenant=tenant.pk, received_at__date=self.today.isoformat()
            ),
            "tickets_url": _listing(
                "portal_models_ticket_modeladmin_index", tenant=tenant.pk, status__in=",".join(OPEN_TICKET_STATUSES)
            ),
            "missing_files_url": _listing(
                "portal_models_servicerequirement_modeladmin_index",
                service__account__tenant=tenant.pk,
                status__in=",".join(OUTSTANDING_REQUIREMENT_STATUSES),
            ),
        }


# Each figure is shown to those who may open the listing it links to (billing staff: invoices, payments and
# required files; support staff: tickets).
FIGURE_PERMISSIONS = {
    "overdue": "portal_models.view_invoice",
    "payments": "portal_models.view_payment",
    "tickets": "portal_models.view_ticket",
    "missing_files": "portal_models.view_servicerequirement",
}


def construct_homepage_panels(request, panels) -> None:
    """Add one panel per tenant of ``request.user`` (one query for all of them)."""
    from django.utils import timezone

    shown = {figure: request.user.has_perm(permission) for figure, permission in FIGURE_PERMISSIONS.items()}
    if not any(shown.values()):
        return
    today = timezone.localdate()
    figures = tenant_figures(user=request.user, today=today)
    panels.extend(TenantFiguresPanel(tenant_row, today=today, shown=shown) for tenant_row in figures)
