"""The portal directory: the default site's root, each tenant's portal below it at /<tenant-slug>/."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from portal_models import caching
from portal_models.caching import routing_version

from .. import routing_cache
from ..localization import LocalizedPortalPageMixin
from .home import PortalHomePage


class PortalRootPage(LocalizedPortalPageMixin, Page):
    """The default site's root: each tenant's portal lives below it at /<tenant-slug>/."""

    intro = RichTextField(blank=True)

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["portal_pages.PortalHomePage"]
    max_count = 1
    template = "theme/portal/root.html"

    content_panels = Page.content_panels + [FieldPanel("intro")]

    class Meta:
        verbose_name = _("portal directory")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["page"] = context["self"] = self.localized_content(request)
        return context

    @property
    def localized(self):
        """Wagtail routes every request from ``site.root_page.localized`` (a locale query per request). The portal
        is always routed through the default-language tree (LocalizedPortalPageMixin), so that is this page."""
        return self

    def route(self, request, path_components):
        """Find the tenant's portal in the routing cache, else in one query (page, portal fields, tenant and logo)
        instead of Wagtail's three."""
        if path_components:
            home = self.portal_for_slug(request, path_components[0])
            if home is not None:
                return home.route(request, path_components[1:])
        return super().route(request, path_components)

    def portal_for_slug(self, request, slug: str) -> PortalHomePage | None:
        """The tenant portal at ``/<slug>/`` below this directory (any status; routing checks it is live)."""
        home = caching.cached(
            routing_cache.routing_key(routing_version(request), "home", self.pk, slug),
            lambda: (
                PortalHomePage.objects.child_of(self).select_related("tenant", "logo", "favicon").filter(slug=slug)
            ).first(),
        )
        if home is not None:
            home._cached_parent_obj = self
            routing_cache.remember_version(home, request)
        return home


def portal_home_for_path(request) -> PortalHomePage | None:
    """The live tenant portal a request's path is under (its site's root, or ``/<slug>/`` below the portal
    directory), from the routing cache; None outside any portal."""
    site = routing_cache.site_for_request(request)
    root = site.root_page if site is not None else None
    if isinstance(root, PortalRootPage):
        slug = request.path_info.strip("/").split("/", 1)[0]
        root = root.portal_for_slug(request, slug) if slug else None
    if isinstance(root, PortalHomePage) and root.live and root.tenant_id is not None:
        return root
    return None
