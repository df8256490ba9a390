"""The project's admin URLs, found in Django's URL resolver (not hand-listed), with the model each object
argument names: modeladmin views (bound to their ModelAdmin, custom actions named
``<app>_<model>_modeladmin_<action>``), snippet and snippet-chooser viewsets (namespaces
``wagtailsnippets_<app>_<model>`` / ``wagtailsnippetchoosers_<app>_<model>``) and the project's own admin
views (any view defined in a ``portal_*`` module)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail_modeladmin.options import ModelAdmin

from portal_models.middleware import SUPERUSER_ONLY_ADMIN_NAMESPACES

# Object arguments of the project's own admin views (not modeladmin or snippets): url name -> {kwarg: model}.
# A new admin view with an object argument must be added here, or the isolation tests fail.
CUSTOM_OBJECT_ARGUMENTS: dict[str, dict[str, str]] = {
    "portal_payment_refund": {"pk": "portal_models.payment"},
    "customer_upload_download": {"pk": "portal_models.customerupload"},
    "identity_portal_login_change": {"contact_id": "portal_models.contact"},
    "identity_lockout_clear": {"attempt_id": "axes.accessattempt"},
    "case_role_unassign": {"case_id": "portal_models.case", "assignment_id": "portal_models.caseassignment"},
    "ticket_attachment_download": {"ticket_pk": "portal_models.ticket", "comment_pk": "portal_models.ticketcomment"},
    "case_roles_grid_cycle": {"role_id": "portal_models.caserole"},
    "portal_webhook_endpoint_edit": {"pk": "portal_models.webhookendpoint"},
    "portal_webhook_delivery": {"pk": "portal_models.webhookdelivery"},
    "portal_import": {"pk": "portal_models.importrun"},
}
MODELADMIN_NAME = re.compile(r"^(?P<app>[a-z_]+?)_(?P<model>[a-z0-9]+)_modeladmin_(?P<action>\w+)$")
SNIPPET_NAMESPACE = re.compile(r"^wagtailsnippet(?:s|choosers)_(?P<app>portal_[a-z_]+?)_(?P<model>[a-z0-9]+)$")


@dataclass(frozen=True)
class AdminRoute:
    name: str  # namespaced url name, for reverse()
    route: str
    kind: str  # "modeladmin", "snippet", "chooser" or "view"
    model: str | None  # label of the listed / edited model
    arguments: tuple[tuple[str, str], ...]  # (kwarg, model label) of the object arguments
    action: str = ""

    @property
    def id(self) -> str:
        return self.name

    def url(self, objects=None) -> str:
        kwargs = {kwarg: objects(label).pk for kwarg, label in self.arguments} if objects else {}
        return reverse(self.name, kwargs=kwargs)


def _walk(patterns, prefix="", namespaces=()):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            spaces = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), spaces)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern, namespaces


def _unwrap(view):
    while hasattr(view, "__wrapped__") and not hasattr(view, "__self__"):
        view = view.__wrapped__
    return view


def _object_kwargs(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def project_admin_routes() -> list[AdminRoute]:
    routes: dict[str, AdminRoute] = {}
    for route, pattern, namespaces in _walk(get_resolver().url_patterns):
        if not route.startswith("admin/") or not pattern.name:
            continue
        if SUPERUSER_ONLY_ADMIN_NAMESPACES.intersection(namespaces):
            continue  # users, groups, sites...: every staff member who is not a superuser gets 403 (middleware)
        view = _unwrap(pattern.callback)
        owner = getattr(view, "__self__", None)
        module = (type(owner) if owner is not None else view).__module__
        namespace = namespaces[-1] if namespaces else ""
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        kwargs = _object_kwargs(pattern)
        if isinstance(owner, ModelAdmin) or (module.startswith("portal_") and MODELADMIN_NAME.match(pattern.name)):
            match = MODELADMIN_NAME.match(pattern.name)
            model = f"{match['app']}.{match['model']}"
            routes[name] = AdminRoute(
                name, route, "modeladmin", model, tuple((k, model) for k in kwargs), match["action"]
            )
        elif (match := SNIPPET_NAMESPACE.match(namespace)) is not None:
            model = f"{match['app']}.{match['model']}"
            kind = "chooser" if namespace.startswith("wagtailsnippetchoosers_") else "snippet"
            routes[name] = AdminRoute(name, route, kind, model, tuple((k, model) for k in kwargs), pattern.name)
        elif module.startswith("portal_"):
            mapping = CUSTOM_OBJECT_ARGUMENTS.get(pattern.name, {})
            missing = [k for k in kwargs if k not in mapping]
            assert not missing, (
                f"Admin URL {route!r} ({pattern.name}) takes {missing}: say which model in "
                "admin_routes.CUSTOM_OBJECT_ARGUMENTS so the isolation tests cover it."
            )
            routes[name] = AdminRoute(name, route, "view", None, tuple((k, mapping[k]) for k in kwargs))
    for route in routes.values():
        for _kwarg, label in route.arguments:
            apps.get_model(label)  # a typo in a label fails here, loudly
    return sorted(routes.values(), key=lambda r: r.name)


# Project admin views without an object id that are forms creating a new tenant, not listings of records.
TENANT_CREATION_VIEWS = {"new_portal"}
# Project admin views whose rows come from the payment gateway, not from a listing of records: their tenant
# scoping is tested against localstripe (test_reconcile_admin.py).
GATEWAY_REPORT_VIEWS = {"portal_payment_reconcile"}

ROUTES = project_admin_routes()
OBJECT_ROUTES = [r for r in ROUTES if r.arguments]
LISTING_ROUTES = [
    r
    for r in ROUTES
    if not r.arguments
    and (
        (r.kind == "modeladmin" and r.action == "index")
        or (r.kind == "snippet" and r.action == "list")
        or (r.kind == "chooser" and r.action == "choose")
        or (r.kind == "view" and r.name not in TENANT_CREATION_VIEWS | GATEWAY_REPORT_VIEWS)
    )
]
FORM_ROUTES = [
    r
    for r in ROUTES
    if (r.kind, r.action) in {("modeladmin", "create"), ("snippet", "add")} or r.name in TENANT_CREATION_VIEWS
]


# --- Wagtail's own admin URLs of pages, documents and images (marketing's screens) ---------------------------

# Object arguments of Wagtail's page, document and image admin URLs: kwarg -> model label (``pk`` by namespace).
WAGTAIL_OBJECT_KWARGS: dict[str, str] = {
    "page_id": "wagtailcore.page",
    "parent_page_id": "wagtailcore.page",
    "page_to_move_id": "wagtailcore.page",
    "destination_id": "wagtailcore.page",
    "revision_id": "wagtailcore.revision",
    "document_id": "wagtaildocs.document",
    "doc_id": "wagtaildocs.document",
    "image_id": "wagtailimages.image",
}
WAGTAIL_PK_BY_NAMESPACE = {
    "wagtailadmin_pages": "wagtailcore.page",
    "pages": "wagtailcore.page",  # the admin API
    "documents": "wagtaildocs.document",
    "images": "wagtailimages.image",
    "wagtaildocs_chooser": "wagtaildocs.document",
    "wagtailimages_chooser": "wagtailimages.image",
}
# Arguments that are not objects: a fixed value that the URL accepts.
WAGTAIL_FIXED_KWARGS = {
    "content_type_app_name": "portal_pages",
    "content_type_model_name": "contentpage",
    "filter_spec": "original",
    "revision_id_a": "earliest",
    "revision_id_b": "latest",
}
WAGTAIL_NAMESPACES = {"wagtailadmin_pages", "wagtaildocs", "wagtailimages", "wagtaildocs_chooser"} | {
    "wagtailimages_chooser",
    "wagtailadmin_api",
    "simple_translation",
}
WAGTAIL_VIEW_NAMES = {"wagtailadmin_explore", "wagtailadmin_explore_results", "wagtailadmin_choose_page_child"}


@dataclass(frozen=True)
class WagtailRoute:
    name: str
    route: str
    arguments: tuple[tuple[str, str], ...]  # (kwarg, model label)
    fixed: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return self.name

    def url(self, objects) -> str:
        kwargs = {kwarg: objects(label).pk for kwarg, label in self.arguments}
        return reverse(self.name, kwargs={**kwargs, **dict(self.fixed)})


def wagtail_object_routes() -> list[WagtailRoute]:
    """Wagtail's admin URLs of one page, document, image or revision (the page explorer, editor, history,
    revisions, preview, copy, move, translate; documents and images and their choosers; the admin API)."""
    routes: dict[str, WagtailRoute] = {}
    for route, pattern, namespaces in _walk(get_resolver().url_patterns):
        if not route.startswith("admin/") or not pattern.name:
            continue
        if SUPERUSER_ONLY_ADMIN_NAMESPACES.intersection(namespaces):
            continue  # users, groups, sites...: every staff member who is not a superuser gets 403 (middleware)
        if not (set(namespaces) & WAGTAIL_NAMESPACES or pattern.name in WAGTAIL_VIEW_NAMES):
            continue
        kwargs = _object_kwargs(pattern)
        arguments, fixed, unknown = [], [], []
        for kwarg in kwargs:
            label = WAGTAIL_OBJECT_KWARGS.get(kwarg)
            if kwarg == "pk":
                label = next(
                    (WAGTAIL_PK_BY_NAMESPACE[n] for n in reversed(namespaces) if n in WAGTAIL_PK_BY_NAMESPACE), None
                )
            if label:
                arguments.append((kwarg, label))
            elif kwarg in WAGTAIL_FIXED_KWARGS:
                fixed.append((kwarg, WAGTAIL_FIXED_KWARGS[kwarg]))
            else:
                unknown.append(kwarg)
        if not arguments or unknown:
            continue  # listings (tested on their own) and workflow URLs (no workflows are used)
        name = ":".join([*namespaces, pattern.name]) if namespaces else pattern.name
        routes[name] = WagtailRoute(name, route, tuple(arguments), tuple(fixed))
    return sorted(routes.values(), key=lambda r: r.name)


WAGTAIL_OBJECT_ROUTES = wagtail_object_routes()
