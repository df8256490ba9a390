"""The customer features a portal may offer, in one registry keyed by module: marketing turns them on or off in
the portal home's "Portal" tab (``PortalHomePage.modules_off``, published and scheduled like any page change).

A module names the customer screens (route names, or whole feature packages) it owns. When it is off its routes
answer 404 (``PortalHomePage.get_subpage_urls`` gates them), its navigation tabs and dashboard widgets are not shown.
A feature package declares its module here by key (``"orders"``: the ordering package's screens, tabs and widgets).
Screens of no module (home, contacts, settings, sign-in) are always on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.http import Http404
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Module:
    key: str
    label: str
    routes: frozenset[str] = frozenset()  # route names of PortalHomePage
    packages: frozenset[str] = field(default_factory=frozenset)  # every route of these portal_pages packages


MODULES: dict[str, Module] = {}


def register_module(key: str, label, *, routes=(), packages=()) -> Module:
    module = Module(key=key, label=label, routes=frozenset(routes), packages=frozenset(packages))
    MODULES[key] = module
    return module


register_module(
    "billing",
    _("Invoices and statements"),
    routes={"invoices", "invoices_export", "invoice", "invoice_pdf", "statement"},
)
register_module(
    "payments",
    _("Payments (history and paying online)"),
    routes={"payments", "payment"},
    packages={"payments"},
)
register_module("documents", _("Documents"), routes={"documents", "my_documents", "upload_download"})
register_module("services", _("Services and their files"), routes={"services", "service_detail", "requirement_upload"})
register_module("cases", _("Cases"), packages={"cases"})
register_module("tickets", _("Support tickets"), packages={"tickets"})
register_module("orders", _("Orders and quotes"), packages={"orders"})


def module_choices() -> list[tuple[str, str]]:
    return [(module.key, module.label) for module in MODULES.values()]


def module_of_route(name: str, *, package: str = "") -> str | None:
    """The key of the module owning the route ``name`` (of the feature ``package``), or None (always on)."""
    for module in MODULES.values():
        if name in module.routes or package in module.packages:
            return module.key
    return None


def route_module(name: str) -> str | None:
    """The module of a route name as mounted on PortalHomePage (see :func:`gate_urlpatterns`)."""
    return ROUTE_MODULES.get(name)


ROUTE_MODULES: dict[str, str] = {}


def modules_on(home) -> frozenset[str]:
    """The modules ``home``'s portal offers."""
    off = set(getattr(home, "modules_off", None) or ())
    return frozenset(key for key in MODULES if key not in off)


def is_on(home, key: str | None) -> bool:
    return key is None or key not in set(getattr(home, "modules_off", None) or ())


def _gate(view, key: str):
    @functools.wraps(view)  # keeps the view's marks (customer_route) for the security tests
    def gated(page, request, *args, **kwargs):
        if not is_on(page, key):
            raise Http404("This portal does not offer that.")
        return view(page, request, *args, **kwargs)

    gated.portal_module = key
    return gated


def gate_urlpatterns(patterns) -> tuple:
    """The customer screens with each module's routes gated (an off module's screens answer 404)."""
    gated = []
    for pattern in patterns:
        package = pattern.callback.__module__.split(".")[1] if pattern.callback.__module__.count(".") else ""
        key = module_of_route(pattern.name or "", package=package)
        if key is not None:
            ROUTE_MODULES[pattern.name] = key
            pattern = type(pattern)(pattern.pattern, _gate(pattern.callback, key), pattern.default_args, pattern.name)
        gated.append(pattern)
    return tuple(gated)
