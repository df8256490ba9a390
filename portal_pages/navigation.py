"""The customer navigation of every portal, in one place. Each entry names a route of PortalHomePage; the entries of
a module the portal does not offer are left out (modules.py)."""

from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext_lazy as _

from portal_models import access, caching
from portal_models.selectors.cases import case_selector_groups

from .modules import is_on, route_module


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


def default_navigation() -> list[tuple[str, dict]]:
    """The default tabs as navigation blocks (a portal whose navigation is these looks like one left empty)."""
    return [("tab", {"route": item.route, "label": ""}) for item in NAVIGATION]


def tab_choices() -> list[tuple[str, str]]:
    return [(item.route, item.label) for item in NAVIGATION]


def navigation_for(*, home, portal, current: str | None, request=None) -> list[dict]:
    """The navigation entries the signed-in contact may use, with their URLs: the tabs and links marketing set
    on the portal home (in the page's translation for the active language), else the default tabs."""
    blocks = _composed(home, request)
    if not blocks:
        return [
            _tab(home, portal, item, item.label, current, request) for item in NAVIGATION if _shown(home, portal, item)
        ]
    items = []
    for block in blocks:
        if block.block_type == "link":
            link = block.value
            url = link["page"].url if link.get("page") else link.get("url")
            if url:
                items.append({"label": link["label"], "url": url, "icon": "link", "active": False, "external": True})
            continue
        item = BY_ROUTE.get(block.value.get("route"))
        if item is not None and _shown(home, portal, item):
            items.append(_tab(home, portal, item, block.value.get("label") or item.label, current, request))
    return items


BY_ROUTE = {item.route: item for item in NAVIGATION}


def _composed(home, request):
    content = home.localized_content(request) if request is not None else home
    return list(getattr(content, "navigation", None) or getattr(home, "navigation", None) or [])


def _shown(home, portal, item) -> bool:
    if item.permission and not portal.has(item.permission):
        return False
    return is_on(home, route_module(item.route))  # a feature the portal does not offer: no tab


def _tab(home, portal, item, label, current, request) -> dict:
    url = home.route_url(item.route, request=request)
    return {"label": label, "url": url, "icon": item.icon, "active": item.route == current}


def case_groups_for(portal) -> list:
    """The signed-in user's cases for the header drop-down, grouped by company."""
    if not portal.has_cases:
        return []  # known from the sign-in query: no query
    return caching.for_user_accounts(
        portal,
        "case-selector",
        lambda: case_selector_groups(
            user=portal.user, tenant=portal.tenant, account_ids=[c.account_id for c in portal.contacts]
        ),
    )


def shell_context(*, home, portal, current: str | None, request) -> dict:
    """What the signed-in shell (theme/portal/shell.html) needs: the navigation, the user's cases (the header's
    drop-down) and the branches; each is read when the header shows it."""
    return {
        "nav": cache(lambda: navigation_for(home=home, portal=portal, current=current, request=request)),
        "case_groups": cache(lambda: case_groups_for(portal) if is_on(home, "cases") else []),
        "branches": cache(lambda: access.account_branches(portal)),
        "active_branch": cache(lambda: access.active_branch(request, portal) if request is not None else None),
        "all_branches": access.all_branches_allowed(portal),
    }
