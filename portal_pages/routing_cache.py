"""What Wagtail looks up on every page view, cached: the Site of the host name with its root page, a tenant's
portal page (with its tenant, logo and favicon) and pages' view restrictions.

Those lookups cost five queries per request, the largest part of a warm portal page. The cache is keyed by one
random version (``CacheVersion`` "routing"), read once per request in a small query and replaced in the same
transaction as any change to a site, locale, page, view restriction, tenant or image (``portal_models.caching``).
Like the account caches it is therefore never stale, in any worker and with any cache backend.
"""

from __future__ import annotations

from django.http.request import split_domain_port
from wagtail.models import Site

from portal_models import caching
from portal_models.caching import routing_version


def routing_key(version: str, *parts) -> str:
    """The cache key of a routing lookup under the routing version (entries of old versions expire unused)."""
    return "routing:" + ":".join(map(str, (version, *parts)))


def site_for_request(request) -> Site | None:
    """``Site.find_for_request``, with the site's root page loaded as its specific type."""
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()

    def compute():
        site = Site._find_for_request(request)
        if site is not None:
            site.root_page = site.root_page.specific
        return site

    return caching.cached(routing_key(routing_version(request), "site", hostname, port), compute)


def remember_version(page, request) -> None:
    """Let a routed page cache its view restrictions under this request's version."""
    page._routing_version = routing_version(request)


class CachedViewRestrictionsMixin:
    """Portal pages: Wagtail's view-restriction check (run before every page is served) from the cache."""

    def get_view_restrictions(self):
        version = self.__dict__.get("_routing_version")
        if version is None:  # not routed by the portal (admin preview, tests): as Wagtail does
            return super().get_view_restrictions()
        return caching.cached(
            routing_key(version, "restrictions", self.pk),
            lambda: list(super(CachedViewRestrictionsMixin, self).get_view_restrictions()),
        )
