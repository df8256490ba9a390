"""The root of one tenant's portal: its branding and welcome message, and the routing to its customer screens."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.fields import StreamField
from wagtail.models import Locale, Page

from portal_models.models import Tenant

from .. import routing_cache
from ..admin.page_forms import PortalPageForm
from ..blocks import ContentStreamBlock, LinkBlock
from ..blocks.dashboard import DashboardStreamBlock, NavigationStreamBlock
from ..dashboard.views import preview as dashboard_preview
from ..localization import LocalizedPortalPageMixin
from ..modules import gate_urlpatterns, is_on
from ..routing_cache import CachedViewRestrictionsMixin
from ..urls import urlpatterns

CUSTOMER_SCREENS = gate_urlpatterns(urlpatterns)

BRAND_COLOUR_HELP = _(
    "A colour like #1d4ed8. Text on it and links in it must reach WCAG AA contrast (4.5:1); "
    "after saving you will see a warning if they do not."
)

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1d4ed8."))


class PortalHomePage(CachedViewRestrictionsMixin, LocalizedPortalPageMixin, RoutablePageMixin, Page):
    """The root of one tenant's portal: branding, welcome message, and the routing to the customer screens (the
    feature packages' views, mounted by :meth:`get_subpage_urls`)."""

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
    # The customer features this portal does not offer (modules.MODULES keys); a new module is on everywhere.
    modules_off = models.JSONField(_("features not offered"), default=list, blank=True)
    # Empty: the default tabs and dashboard. Translations of the page carry their own labels and links.
    navigation = StreamField(NavigationStreamBlock(), blank=True, verbose_name=_("navigation"))
    dashboard = StreamField(DashboardStreamBlock(), blank=True, verbose_name=_("dashboard"))

    parent_page_types = ["portal_pages.PortalRootPage", "wagtailcore.Page"]
    subpage_types = [
        "portal_pages.PortalLoginPage",
        "portal_pages.PortalRegistrationPage",
        "portal_pages.ContentPage",
        "portal_pages.DocumentLibraryPage",
    ]
    template = "theme/portal/dashboard.html"
    exclude_fields_in_copy = ["tenant"]
    base_form_class = PortalPageForm  # the tenant drop-down and the images: the staff user's tenants' only

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
    portal_panels = [
        FieldPanel(
            "modules_off",
            heading=_("Customer features offered"),
            help_text=_(
                "Untick a feature to take it out of this portal: its tabs, dashboard widgets and screens disappear "
                "(its addresses answer “not found”) once the page is published."
            ),
        ),
    ]
    portal_panels += [
        FieldPanel(
            "navigation",
            help_text=_(
                "The tabs in their order, with your names, and extra links to content pages or outside addresses. "
                "Leave empty for the usual tabs. Translate the page to name them in another language."
            ),
        ),
        FieldPanel(
            "dashboard",
            help_text=_("The home screen's widgets in their order, and quick links. Leave empty for the usual ones."),
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(portal_panels, heading=_("Portal")),
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
            and parent is not None
            and parent.specific_class is apps.get_model("portal_pages", "PortalRootPage")
            and (self.slug != self.tenant.slug)
        ):
            raise ValidationError({"slug": _("Under the portal directory the slug must be the tenant's slug.")})

    @classmethod
    def get_subpage_urls(cls):
        """The customer screens, feature by feature (:mod:`portal_pages.urls`); Wagtail binds the page as each
        view's first argument), each module's screens gated by the portal's choice of modules (modules.py)."""
        return CUSTOMER_SCREENS

    def _child(self, model_name: str):
        return apps.get_model("portal_pages", model_name).objects.child_of(self).live().first()

    @cached_property
    def login_page(self):
        return self._child("PortalLoginPage")

    @cached_property
    def registration_page(self):
        return self._child("PortalRegistrationPage")

    @cached_property
    def document_library_page(self):
        return self._child("DocumentLibraryPage")

    def login_url(self, request=None) -> str:
        if self.login_page is None:
            raise Http404("This portal has no sign-in page.")
        return self.login_page.get_url(request)

    @property
    def is_translation(self) -> bool:
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
        return dashboard_preview(self, request)

    def route(self, request, path_components):
        result = super().route(request, path_components)
        if not is_on(self, getattr(result[0], "portal_module", None)):  # a page of a module that is off
            raise Http404("This portal does not offer that.")
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
