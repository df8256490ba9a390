"""The customer navigation of every portal, in one place. Each entry names a route of PortalHomePage."""

from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext_lazy as _

from portal_models import access, caching
from portal_models.selectors.cases import case_selector_groups


@dataclass(frozen=True)
class NavItem:
    route: str
    label: str
    icon: str
    permission: str | None = None


NAVIGATION = (
    NavItem("dashboard", _("Home"), "home"),
    NavItem("invoices", _("Invoices"), "invoice"),
    NavItem("payments", _("Payments"), "card"),
    NavItem("orders", _("Orders"), "box"),
    NavItem("quotes", _("Quotes"), "invoice"),
    NavItem("deliveries", _("Deliveries"), "box"),
    NavItem("credit_memos", _("Credit memos"), "invoice"),
    NavItem("documents", _("Documents"), "folder", "can_see_documents"),
    NavItem("contacts", _("Contacts"), "people"),
    NavItem("services", _("Services"), "box"),
    NavItem("cases", _("Cases"), "briefcase"),
    NavItem("tickets", _("Tickets"), "ticket"),
    NavItem("settings", _("Settings"), "gear"),
)


def navigation_for(*, home, portal, current: str | None, request=None) -> list[dict]:
    """The navigation entries the signed-in contact may use, with their URLs."""
    items = []
    for item in NAVIGATION:
        if item.permission and not portal.has(item.permission):
            continue
        url = home.route_url(item.route, request=request)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": item.route == current})
    return items


def case_groups_for(portal) -> list:
    """The signed-in user's cases for the header drop-down, grouped by company."""
    return caching.for_user_accounts(
        portal,
        "case-selector",
        lambda: case_selector_groups(
            user=portal.user, tenant=portal.tenant, account_ids=[c.account_id for c in portal.contacts]
        ),
    )


def shell_context(*, home, portal, current: str | None, request) -> dict:
    """What the signed-in shell (theme/portal/shell.html) needs: the navigation, the user's cases (the header's
    drop-down), and the key of the cached header.

    The navigation and the cases are read only when the header is rendered, that is when it is not in the cache.
    """
    return {
        "nav": cache(lambda: navigation_for(home=home, portal=portal, current=current, request=request)),
        "case_groups": cache(lambda: case_groups_for(portal)),
        "branches": cache(lambda: access.account_branches(portal)),
        "active_branch": cache(lambda: access.active_branch(request, portal) if request is not None else None),
        "header_key": caching.header_key(portal, request, current),
    }
