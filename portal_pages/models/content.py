"""Help, FAQ and announcement pages inside a tenant's portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from ..blocks import ContentStreamBlock
from ..localization import LocalizedPortalPageMixin
from ..routing_cache import CachedViewRestrictionsMixin
from ..screen import base_context
from .home import portal_home_of


class ContentPage(CachedViewRestrictionsMixin, LocalizedPortalPageMixin, Page):
    """Help, FAQ and announcement pages inside a tenant's portal."""

    summary = models.CharField(max_length=255, blank=True)
    body = StreamField(ContentStreamBlock(), blank=True)

    parent_page_types = ["portal_pages.PortalHomePage", "portal_pages.ContentPage"]
    subpage_types = ["portal_pages.ContentPage"]
    template = "theme/portal/content_page.html"

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("body")]
    search_fields = Page.search_fields

    class Meta:
        verbose_name = _("help / content page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(base_context(portal_home_of(self), request, page=self.localized_content(request)))
        return context
