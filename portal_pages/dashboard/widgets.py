"""The dashboard's widgets, in one registry: each names its template and the selector that gives its data.

The dashboard shows them in this order; a widget's data is read only when its template is rendered (not when the
cached widgets are served).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone

from portal_models import access, caching
from portal_models.access import PortalContext
from portal_models.selectors import billing as billing_selectors
from portal_models.selectors import orders as order_selectors
from portal_models.selectors.documents import missing_requirements, recent_documents


def billing_summary(*, home, request, portal: PortalContext) -> dict:
    """Balance, overdue and upcoming invoices, recent payments; the "Pay balance" link when the contact may pay."""
    summary = caching.for_portal(
        portal,
        "dashboard-billing",
        lambda: billing_selectors.dashboard_summary(account=portal.account),
        timezone.localdate(),
    )
    can_pay = portal.has(access.PortalPermission.PAY)
    return {"billing": summary, "pay_balance_url": home.route_url("pay_balance", request=request) if can_pay else ""}


def documents_summary(*, home, request, portal: PortalContext) -> dict:
    """The latest documents (for contacts who may see documents) and the services' missing files."""
    can_see = portal.has(access.PortalPermission.SEE_DOCUMENTS)
    return {
        "recent_documents": caching.for_portal(
            portal, "recent-documents", lambda: recent_documents(portal=portal, limit=5), can_see
        ),
        "missing_files": caching.for_portal(
            portal, "missing-files", lambda: missing_requirements(portal=portal, limit=5), timezone.localdate()
        ),
        "can_see_documents": can_see,
    }


def orders_summary(*, home, request, portal: PortalContext) -> dict:
    """Seed 002's at-a-glance reports: the latest orders, deliveries and credit memos (of the header's branch),
    and "Place an order" / "Create a quote" for contacts with the right to order."""
    branch = access.active_branch(request, portal)
    account = portal.account
    return {
        "orders": order_selectors.recent_orders(account=account, branch=branch),
        "deliveries": list(order_selectors.deliveries_visible(account=account, branch=branch)[:5]),
        "credit_memos": list(order_selectors.credit_memos_visible(account=account, branch=branch)[:5]),
        "can_order": portal.has(access.PortalPermission.ORDER),
    }


@dataclass(frozen=True)
class Widget:
    name: str
    template: str
    selector: Callable[..., dict]


WIDGETS = (
    Widget("billing", "theme/portal/billing/_dashboard_widgets.html", billing_summary),
    Widget("orders", "theme/portal/orders/_dashboard_widgets.html", orders_summary),
    Widget("documents", "theme/portal/documents/_dashboard_widgets.html", documents_summary),
)


class ShownWidget:
    """One widget on one request's dashboard: ``template``, and ``data`` (its selector's result, read when used)."""

    def __init__(self, widget: Widget, *, home, request, portal: PortalContext):
        self.widget, self.home, self.request, self.portal = widget, home, request, portal
        self.name, self.template = widget.name, widget.template

    @cached_property
    def data(self) -> dict:
        return self.widget.selector(home=self.home, request=self.request, portal=self.portal)


def dashboard_widgets(*, home, request, portal: PortalContext) -> list[ShownWidget]:
    return [ShownWidget(widget, home=home, request=request, portal=portal) for widget in WIDGETS]
