"""Wagtail pages that make up each tenant's branded portal."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from portal_models.caching import routing_version
from portal_models.models import Tenant

from . import routing_cache
from .blocks import ContentStreamBlock, LinkBlock
from .blocks_documents import LibrarySectionBlock, resolve_sections
from .localization import LocalizedPortalPageMixin
from .routes.account import AccountRoutes
from .routes.billing import BillingRoutes
from .routes.cases import CaseRoutes
from .routes.dashboard import DashboardRoutes
from .routes.documents import DocumentRoutes
from .routes.identity import IdentityRoutes
from .routes.payments import PaymentRoutes
from .routes.tickets import TicketRoutes
from .routing_cache import CachedViewRestrictionsMixin

BRAND_COLOUR_HELP = _(
    "A colour like #1d4ed8. Text on it and links in it must reach WCAG AA contrast (4.5:1); "
    "after saving you will see a warning if they do not."
)

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1d4ed8."))


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

    def portal_for_slug(self, request, slug: str) -> "PortalHomePage | None":
        """The tenant portal at ``/<slug>/`` below this directory (any status; routing checks it is live)."""
        home = routing_cache.cached(
            routing_version(request),
            ("home", self.pk, slug),
            lambda: (
                PortalHomePage.objects.child_of(self).select_related("tenant", "logo", "favicon").filter(slug=slug)
            ).first(),
        )
        if home is not None:
            home._cached_parent_obj = self
            routing_cache.remember_version(home, request)
        return home


class PortalHomePage(
    CachedViewRestrictionsMixin,
    LocalizedPortalPageMixin,
    DashboardRoutes,
    AccountRoutes,
    IdentityRoutes,
    BillingRoutes,
    PaymentRoutes,
    TicketRoutes,
    CaseRoutes,
    DocumentRoutes,
    RoutablePageMixin,
    Page,
):
    """The root of one tenant's portal: branding, welcome message, and the customer screens as routes."""

    # Translations of a portal home carry no tenant: the default-language page is the tenant's portal.
    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="portal_home", null=True, blank=True)
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    favicon = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    primary_color = models.CharField(max_length=7, default="#1d4ed8", validators=[hex_colour])
    accent_color = models.CharField(max_length=7, default="#0f766e", validators=[hex_colour])
    welcome = StreamField(ContentStreamBlock(), blank=True)
    website_url = models.URLField(blank=True)
    support_phone = models.CharField(max_length=40, blank=True)
    footer_links = StreamField([("link", LinkBlock())], blank=True)

    parent_page_types = ["portal_pages.PortalRootPage", "wagtailcore.Page"]
    subpage_types = [
        "portal_pages.PortalLoginPage",
        "portal_pages.PortalRegistrationPage",
        "portal_pages.ContentPage",
        "portal_pages.DocumentLibraryPage",
    ]
    template = "theme/portal/dashboard.html"
    exclude_fields_in_copy = ["tenant"]

    content_panels = Page.content_panels + [
        FieldPanel("tenant"),
        FieldPanel("welcome"),
    ]
    branding_panels = [
        MultiFieldPanel(
            [
                FieldPanel("logo"),
                FieldPanel("favicon"),
                FieldPanel("primary_color", help_text=BRAND_COLOUR_HELP),
                FieldPanel("accent_color", help_text=BRAND_COLOUR_HELP),
            ],
            heading=_("Branding"),
        ),
        MultiFieldPanel(
            [FieldPanel("website_url"), FieldPanel("support_phone"), FieldPanel("footer_links")],
            heading=_("Links to the tenant"),
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(branding_panels, heading=_("Branding")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )

    class Meta:
        verbose_name = _("portal home page")

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()

        if self.is_translation:
            self.tenant = None  # a translation (or alias) is served as its default-language page's portal
        elif not self.tenant_id:
            raise ValidationError({"tenant": _("Choose the tenant of this portal.")})
        parent = self.get_parent() if self.pk else None
        if (
            self.tenant_id
            and isinstance(getattr(parent, "specific", None), PortalRootPage)
            and self.slug != self.tenant.slug
        ):
            raise ValidationError({"slug": _("Under the portal directory the slug must be the tenant's slug.")})

    @cached_property
    def login_page(self):
        return PortalLoginPage.objects.child_of(self).live().first()

    @cached_property
    def registration_page(self):
        return PortalRegistrationPage.objects.child_of(self).live().first()

    def login_url(self, request=None) -> str:
        if self.login_page is None:
            raise Http404("This portal has no sign-in page.")
        return self.login_page.get_url(request)

    @property
    def is_translation(self) -> bool:
        from wagtail.models import Locale

        return self.locale_id is not None and self.locale_id != Locale.get_default().pk

    def full_clean(self, *args, **kwargs):
        if self.is_translation:  # copies made by the Translate action / aliases carry no tenant
            self.tenant = None
        return super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        if self.is_translation:
            self.tenant = None
        return super().save(*args, **kwargs)

    def serve_preview(self, request, mode_name):
        source = self.default_locale_page
        if source.pk != self.pk:  # previewing a translation: the tenant's portal with this page's content
            request.portal_content_page = self
            return source.specific.serve_preview(request, mode_name)
        return super().serve_preview(request, mode_name)

    def route(self, request, path_components):
        result = super().route(request, path_components)
        if result[0] is not self and self.tenant_id is not None:
            result[0]._portal_home = self  # the page's portal (with its tenant) is known: no ancestor query
            routing_cache.remember_version(result[0], request)
        return result

    def route_url(self, name: str, *args, request=None, **kwargs) -> str:
        """The URL of one of this portal's customer screens (relative when the request's site allows)."""
        return self.get_url(request) + self.reverse_subpage(name, args=args, kwargs=kwargs)

    def get_url(self, request=None, current_site=None):
        """Wagtail's ``get_url``, worked out once per request: the navigation and every ``{% pageurl portal_home %}``
        of a screen ask for it (dozens of times)."""
        if request is None or current_site is not None:
            return super().get_url(request, current_site)
        urls = request.__dict__.setdefault("_portal_home_urls", {})
        if self.pk not in urls:
            urls[self.pk] = super().get_url(request)
        return urls[self.pk]


def portal_home_for_path(request) -> "PortalHomePage | None":
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


def portal_home_of(page: Page) -> "PortalHomePage":
    """The PortalHomePage a page belongs to (its tenant's portal)."""
    if isinstance(page, PortalHomePage):
        return page
    home = page.__dict__.get("_portal_home")  # set when the portal routed the request to this page
    if home is not None:
        return home
    home = PortalHomePage.objects.ancestor_of(page).live().select_related("tenant").first()
    if home is not None and home.tenant_id is None:  # a translation (admin preview): its tenant's portal
        home = home.default_locale_page
    if home is None or home.tenant_id is None:
        raise Http404("Not part of a portal.")
    page._portal_home = home
    return home


class PortalLoginPage(CachedViewRestrictionsMixin, LocalizedPortalPageMixin, Page):
    """The branded sign-in screen; the form is django-two-factor-auth's login wizard."""

    headline = models.CharField(max_length=200, default="Sign in to your customer portal")
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    help_links = StreamField([("link", LinkBlock())], blank=True)

    parent_page_types = ["portal_pages.PortalHomePage"]
    subpage_types = []
    max_count_per_parent = 1
    template = "theme/portal/login.html"

    content_panels = Page.content_panels + [
        FieldPanel("headline"),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("help_links"),
    ]

    class Meta:
        verbose_name = _("portal sign-in page")

    @cached_property
    def portal_home(self) -> PortalHomePage:
        return portal_home_of(self)

    def serve(self, request, *args, **kwargs):
        from .views import PortalLoginView

        return PortalLoginView.as_view(page=self)(request)

    def serve_preview(self, request, mode_name):
        return self.serve(request)


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
        context["page"] = context["self"] = self.localized_content(request)
        context["portal_home"] = portal_home_of(self)
        context.setdefault("tenant", context["portal_home"].tenant)
        return context


class DocumentLibraryPage(CachedViewRestrictionsMixin, LocalizedPortalPageMixin, Page):
    """A curated library of the tenant's documents, filtered to what the signed-in account may see."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])
    sections = StreamField([("section", LibrarySectionBlock())], blank=True)

    parent_page_types = ["portal_pages.PortalHomePage"]
    subpage_types = []
    max_count_per_parent = 1
    template = "theme/portal/documents/library.html"

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("sections")]

    class Meta:
        verbose_name = _("document library")

    @cached_property
    def portal_home(self) -> PortalHomePage:
        return portal_home_of(self)

    def serve(self, request, *args, **kwargs):
        from django.template.response import TemplateResponse

        from portal_models import access, caching

        from . import fragments
        from .library import library_context
        from .navigation import shell_context
        from .routes.base import enter_portal

        home = self.portal_home
        content = self.localized_content(request)
        portal = enter_portal(home, request, "library")
        if not isinstance(portal, access.PortalContext):
            return portal
        portal.require(access.PortalPermission.SEE_DOCUMENTS)
        shell = shell_context(home=home, portal=portal, current="documents", request=request)

        def context() -> dict:
            return {
                "page": content,
                "self": content,
                "portal_home": home,
                "tenant": home.tenant,
                "portal": portal,
                **shell,
                **library_context(request, portal=portal, sections=resolve_sections(content.sections)),
            }

        if fragments.page_cacheable(request):
            # the documents (the tenant's and the account's data versions, the rights), this page's sections (a
            # publish: the routing version, in the header's key) and the search, section and page in the path
            key_parts = (shell["header_key"], caching.fragment_key(portal, home), request.get_full_path())
            return fragments.page_response(request, self.template, key_parts, context)
        return TemplateResponse(request, self.template, context())


from .pages_identity import PortalRegistrationPage  # noqa: E402  (a page type of the portal; needs the above)

__all__ = [
    "ContentPage",
    "DocumentLibraryPage",
    "PortalHomePage",
    "PortalLoginPage",
    "PortalRegistrationPage",
    "PortalRootPage",
]
