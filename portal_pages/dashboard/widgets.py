"""The dashboard's widgets, in one registry: each names its template and the selector that gives its data.

The default dashboard shows :data:`WIDGETS` in this order; marketing may instead place :data:`PLACEABLE_WIDGETS`
and quick links in the portal home's "Dashboard" StreamField; a widget's data is read only when its template is
rendered (not when the cached widgets are served).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal_models import access, caching
from portal_models.access import PortalContext
from portal_models.selectors import billing as billing_selectors
from portal_models.selectors import orders as order_selectors
from portal_models.selectors.announcements import announcements_for
from portal_models.selectors.documents import missing_requirements, recent_documents

from ..modules import is_on


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
        "deliveries": order_selectors.recent_deliveries(account=account, branch=branch),
        "credit_memos": order_selectors.recent_credit_memos(account=account, branch=branch),
        "can_order": portal.has(access.PortalPermission.ORDER),
    }


def announcements_summary(*, home, request, portal: PortalContext) -> dict:
    """The announcements shown now to the user at the active account (the block's "how many" slices them)."""
    return {"announcements": announcements_for(portal=portal, limit=5)}


@dataclass(frozen=True)
class Widget:
    name: str
    template: str
    selector: Callable[..., dict]
    module: str | None = None  # the module (modules.py) whose widget it is: not shown when the portal is without it


WIDGETS = (
    Widget("billing", "theme/portal/billing/_dashboard_widgets.html", billing_summary, "billing"),
    Widget("orders", "theme/portal/orders/_dashboard_widgets.html", orders_summary, "orders"),
    Widget("documents", "theme/portal/documents/_dashboard_widgets.html", documents_summary, "documents"),
)


# The widgets marketing places on a portal's dashboard (the portal home's "Dashboard" StreamField, blocks.dashboard),
# keyed by the name a block stores; each renders through its module's selector, access rules and caching.
PLACEABLE_WIDGETS = {
    widget.name: (widget, label)
    for widget, label in (
        (
            Widget("balance", "theme/portal/billing/_dashboard_balance.html", billing_summary, "billing"),
            _("Balance and pay"),
        ),
        (
            Widget("invoices", "theme/portal/billing/_dashboard_invoices.html", billing_summary, "billing"),
            _("Overdue and upcoming invoices"),
        ),
        (
            Widget("payments", "theme/portal/billing/_dashboard_payments.html", billing_summary, "payments"),
            _("Recent payments"),
        ),
        (WIDGETS[1], _("Orders, deliveries and credit memos at a glance")),
        (WIDGETS[2], _("Recent documents and missing service files")),
    )
}
QUICK_LINKS_TEMPLATE = "theme/portal/dashboard/_quick_links.html"
ANNOUNCEMENTS_WIDGET = Widget("announcements", "theme/portal/dashboard/_announcements.html", announcements_summary)
ANNOUNCEMENTS_DEFAULT_ROWS = 3


def default_dashboard() -> list[tuple[str, dict]]:
    """The default layout as dashboard blocks (a dashboard of these looks like one left empty)."""
    return [("widget", {"widget": name, "title": "", "rows": None}) for name in PLACEABLE_WIDGETS]


def placeable_choices() -> list[tuple[str, str]]:
    return [(name, label) for name, (_widget, label) in PLACEABLE_WIDGETS.items()]


class ShownWidget:
    """One widget on one request's dashboard: ``template``, ``options`` (a placed block's title and rows) and
    ``data`` (its selector's result, read when used)."""

    def __init__(self, widget: Widget, *, home, request, portal: PortalContext, options: dict | None = None):
        self.widget, self.home, self.request, self.portal = widget, home, request, portal
        self.name, self.template = widget.name, widget.template
        self.options = {"title": "", "rows": None, "rows_slice": "", **(options or {})}

    @cached_property
    def data(self) -> dict:
        return self.widget.selector(home=self.home, request=self.request, portal=self.portal)


def _no_data(**kwargs) -> dict:
    return {}


def dashboard_widgets(*, home, request, portal: PortalContext) -> list[ShownWidget]:
    """The widgets of ``home``'s dashboard in their order: the blocks marketing placed (``home.dashboard``), else
    the default layout; a widget of a module the portal does not offer is left out."""
    layout = list(getattr(home, "dashboard", None) or [])
    if not layout:
        return [
            ShownWidget(widget, home=home, request=request, portal=portal)
            for widget in WIDGETS
            if is_on(home, widget.module)
        ]
    shown = []
    for block in layout:
        value = block.value
        if block.block_type == "quick_links":
            widget = Widget("quick_links", QUICK_LINKS_TEMPLATE, _no_data)
            options = {"title": value.get("title"), "links": value.get("links")}
        elif block.block_type == "announcements":
            widget = ANNOUNCEMENTS_WIDGET
            rows = value.get("rows") or ANNOUNCEMENTS_DEFAULT_ROWS
            options = {"title": value.get("title"), "rows": rows, "rows_slice": f":{rows}"}
        else:
            placed = PLACEABLE_WIDGETS.get(value.get("widget"))
            if placed is None or not is_on(home, placed[0].module):
                continue
            widget = placed[0]
            rows = value.get("rows")
            options = {"title": value.get("title"), "rows": rows, "rows_slice": f":{rows}" if rows else ""}
        shown.append(ShownWidget(widget, home=home, request=request, portal=portal, options=options))
    return shown
