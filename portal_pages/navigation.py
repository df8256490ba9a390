"""The customer navigation of every portal, in one place. Each entry names a route of PortalHomePage."""

from dataclasses import dataclass
from functools import cache

from django.urls import NoReverseMatch
from django.utils.translation import gettext_lazy as _

from portal_models import caching


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
        try:
            url = home.route_url(item.route, request=request)
        except NoReverseMatch:  # a screen that this build does not have
            continue
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": item.route == current})
    return items


def shell_context(*, home, portal, current: str | None, request) -> dict:
    """What the signed-in shell (theme/portal/shell.html) needs: the navigation, and the key of the cached header.

    The navigation is built only when the header is rendered, that is when it is not in the cache.
    """
    return {
        "nav": cache(lambda: navigation_for(home=home, portal=portal, current=current, request=request)),
        "header_key": caching.header_key(portal, request, current),
    }
