"""Which pages a staff user may reach in the admin: their tenants' portal subtrees (in every language).

Wagtail limits editing to the pages a user's groups have page permissions on (each tenant's marketing group has
them on the tenant's PortalHomePage and its translations), but its explorer, page chooser, bulk actions and
several page views take any page id under the user's "explorable root", which for a bilingual portal is the tree's
root. :func:`staff_pages` (choosers, explorer listings) and :class:`AdminPageScopeMiddleware` (every admin URL
naming a page) keep a staff user inside their portals.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from wagtail.models import Page

from portal_models.staff_access import staff_scope, staff_tenant_ids

from ..models import PortalHomePage
from .current import current_admin_user

_PATHS_CACHE = "_portal_home_paths"


def staff_portal_paths(user) -> tuple[str, ...]:
    """The tree paths of the portal home pages of ``user``'s tenants and of their translations."""
    cached = getattr(user, _PATHS_CACHE, None)
    if cached is None:
        homes = staff_scope(user=user, queryset=PortalHomePage.objects.all())
        keys = homes.values_list("translation_key", flat=True)
        cached = tuple(
            Page.objects.filter(Q(pk__in=homes.values("pk")) | Q(translation_key__in=keys)).values_list(
                "path", flat=True
            )
        )
        setattr(user, _PATHS_CACHE, cached)
    return cached


def _above(path: str) -> list[str]:
    return [path[:end] for end in range(Page.steplen, len(path), Page.steplen)]


def staff_pages(*, user, pages: QuerySet) -> QuerySet:
    """``pages`` restricted to the portals of ``user``'s tenants and the pages above them (to browse down)."""
    if staff_tenant_ids(user) is None:
        return pages
    condition = Q(pk__in=[])
    for path in staff_portal_paths(user):
        condition |= Q(path__startswith=path) | Q(path__in=_above(path))
    return pages.filter(condition)


def page_reachable(*, user, page_id, browse: bool) -> bool:
    """Whether ``user`` may open an admin URL naming the page ``page_id``: a page of their portals, or (``browse``:
    explorer and chooser listings) a page above them."""
    if staff_tenant_ids(user) is None:
        return True
    path = Page.objects.filter(pk=page_id).values_list("path", flat=True).first()
    if path is None:
        return True  # Wagtail answers 404 itself
    for home in staff_portal_paths(user):
        if path.startswith(home) or (browse and home.startswith(path)):
            return True
    return False


# Admin URL arguments that name a page, in any Wagtail admin view.
PAGE_KWARGS = ("page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk")
# Views whose page argument is a listing to browse down from (pages above the user's portals are allowed).
BROWSE_VIEWS = {
    "wagtailadmin_explore",
    "wagtailadmin_explore_results",
    "wagtailadmin_choose_page_child",
    "wagtailadmin_api:pages:detail",
}
# Admin API endpoints that list every document or image (the admin's own screens use the scoped views).
UNSCOPED_API_NAMESPACES = {"documents", "images"}
# Page privacy offers every tenant's staff groups: superusers only.
SUPERUSER_ONLY_PAGE_VIEWS = {"wagtailadmin_pages:set_privacy"}


class AdminPageScopeMiddleware:
    """Staff who are not superusers get 404 for any admin URL naming a page outside their tenants' portals (edit,
    history, revisions, preview, copy, move, translate, bulk actions, the explorer and the admin API) and for the
    admin API's unscoped document and image listings, and 403 for page privacy (it lists every tenant's groups).
    It also makes the request's staff user known to block choices (:data:`current_admin_user`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        admin = request.path_info.startswith("/admin/") and user is not None and user.is_authenticated
        token = current_admin_user.set(user if admin else None)
        try:
            return self.get_response(request)
        finally:
            current_admin_user.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        user = getattr(request, "user", None)
        if (
            match is None
            or not request.path_info.startswith("/admin/")
            or user is None
            or not user.is_authenticated
            or staff_tenant_ids(user) is None
        ):
            return None
        namespaces = set(match.namespaces)
        if "wagtailadmin_api" in namespaces and namespaces & UNSCOPED_API_NAMESPACES:
            raise Http404("Not found.")
        if match.view_name in SUPERUSER_ONLY_PAGE_VIEWS:
            raise PermissionDenied
        for page_id in self._page_ids(match, request):
            if not page_reachable(user=user, page_id=page_id, browse=match.view_name in BROWSE_VIEWS):
                raise Http404("Not found.")
        return None

    @staticmethod
    def _page_ids(match, request) -> list:
        kwargs = match.kwargs
        ids = [kwargs[name] for name in PAGE_KWARGS if name in kwargs]
        pages = "wagtailadmin_pages" in match.namespaces or "pages" in match.namespaces
        if pages and "pk" in kwargs:  # revisions compare, admin API detail and actions
            ids.append(kwargs["pk"])
        page_model = (kwargs.get("app_label"), kwargs.get("model_name")) == ("wagtailcore", "page")
        if match.url_name == "wagtail_bulk_action" and page_model:
            ids.extend([*request.GET.getlist("id"), *request.GET.getlist("childOf")])
        if "wagtailadmin_editing_sessions" in match.namespaces and page_model and "object_id" in kwargs:
            ids.append(kwargs["object_id"])
        return [str(i) for i in ids if str(i).isdigit()]
