"""The page view (Wagtail's, with the routing cache's Site) and the branded 404 page."""

from django.shortcuts import render
from wagtail.views import serve as wagtail_serve

from portal_models import access

from . import routing_cache
from .models import portal_home_for_path
from .screen import base_context


def serve_page(request, path):
    """Wagtail's page view, with the request's Site (and root page) from the routing cache."""
    request._wagtail_site = routing_cache.site_for_request(request)
    return wagtail_serve(request, path)


def page_not_found(request, exception):
    """The 404 page (``handler404``). On a tenant's portal it is branded and leads back to the portal; what was
    not found, and why, is never told (another account's invoice is as unknown as one that never existed)."""
    home = portal_home_for_path(request)
    if home is None:
        return render(request, "404.html", status=404)
    portal = None
    if request.user.is_authenticated:  # a signed-in customer keeps the header and the navigation
        try:
            portal = access.portal_context(request, tenant=home.tenant)
        except access.NotSignedIn:
            portal = None
    if portal is not None:
        context = base_context(home, request, portal=portal)
        return render(request, "theme/portal/404_signed_in.html", context, status=404)
    return render(request, "theme/portal/404.html", base_context(home, request), status=404)
