"""The branded sign-in page of a tenant's portal."""

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from ..admin.page_forms import PortalPageForm
from ..blocks import LinkBlock, SignInStreamBlock
from ..identity.views import PortalLoginView
from ..localization import LocalizedPortalPageMixin
from ..routing_cache import CachedViewRestrictionsMixin
from .home import PortalHomePage, portal_home_of


class PortalLoginPage(CachedViewRestrictionsMixin, LocalizedPortalPageMixin, Page):
    """The branded sign-in screen; the form is django-two-factor-auth's login wizard."""

    headline = models.CharField(max_length=200, default="Sign in to your customer portal")
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    help_links = StreamField([("link", LinkBlock())], blank=True)
    content = StreamField(
        SignInStreamBlock(),
        blank=True,
        verbose_name=_("sign-in page blocks"),
        help_text=_(
            "Headline, image, help links and notices of the sign-in screen. A headline or image here replaces the "
            "fields above; notices show above the form, help links below it."
        ),
    )

    parent_page_types = ["portal_pages.PortalHomePage"]
    subpage_types = []
    max_count_per_parent = 1
    template = "theme/portal/login.html"
    base_form_class = PortalPageForm  # the image: one of the staff user's tenants'

    content_panels = Page.content_panels + [
        FieldPanel("headline"),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("help_links"),
        FieldPanel("content"),
    ]

    class Meta:
        verbose_name = _("portal sign-in page")

    @cached_property
    def portal_home(self) -> PortalHomePage:
        return portal_home_of(self)

    @cached_property
    def sign_in(self) -> dict:
        """The composed sign-in screen: the blocks' headline, introduction and image (else the fields'), the
        notices and the groups of help links, in the order marketing placed them."""
        composed = {"headline": self.headline, "intro": self.intro, "image": self.image, "alt": ""}
        composed.update(notices=[], help_groups=[])
        for block in self.content:
            if block.block_type == "headline":
                composed["headline"] = block.value["text"]
                if block.value["intro"]:
                    composed["intro"] = block.value["intro"]
            elif block.block_type == "image" and block.value["image"] is not None:
                composed.update(image=block.value["image"], alt=block.value["alt"])
            elif block.block_type == "notice":
                composed["notices"].append(block.value)
            elif block.block_type == "help_links":
                composed["help_groups"].append(block.value)
        return composed

    def serve(self, request, *args, **kwargs):
        return PortalLoginView.as_view(page=self)(request)

    def serve_preview(self, request, mode_name):
        return self.serve(request)
