"""A curated library of the tenant's documents, filtered to what the signed-in account may see."""

from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from portal_models import access

from ..blocks import LibrarySectionBlock, resolve_sections
from ..documents.library import library_context
from ..localization import LocalizedPortalPageMixin
from ..routing_cache import CachedViewRestrictionsMixin
from ..screen import base_context, enter_portal
from .home import PortalHomePage, portal_home_of


class DocumentLibraryPage(CachedViewRestrictionsMixin, LocalizedPortalPageMixin, Page):
    """A curated library of the tenant's documents, filtered to what the signed-in account may see."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    sections = StreamField([("section", LibrarySectionBlock())], blank=True)

    parent_page_types = ["portal_pages.PortalHomePage"]
    subpage_types = []
    max_count_per_parent = 1
    template = "theme/portal/documents/library.html"
    portal_module = "documents"  # not served when the portal is without documents (PortalHomePage.route)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("sections")]

    class Meta:
        verbose_name = _("document library")

    @cached_property
    def portal_home(self) -> PortalHomePage:
        return portal_home_of(self)

    def serve(self, request, *args, **kwargs):
        home = self.portal_home
        content = self.localized_content(request)
        portal = enter_portal(home, request, "library")
        if not isinstance(portal, access.PortalContext):
            return portal
        portal.require(access.PortalPermission.SEE_DOCUMENTS)
        base = base_context(home, request, page=content, portal=portal, current="documents")

        context = {**base, **library_context(request, portal=portal, sections=resolve_sections(content.sections))}
        return TemplateResponse(request, self.template, context)
