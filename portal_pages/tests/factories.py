"""Portal pages for tests: a tenant's PortalHomePage with its sign-in and help pages."""

from wagtail.models import Page, Site

from portal_models.tests.factories import TenantFactory

from ..models import ContentPage, PortalHomePage, PortalLoginPage, PortalRootPage


def ensure_wagtail_root() -> Page:
    """Wagtail's tree root and default site (a transactional test's flush removes what the migrations made)."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root")
    if not Site.objects.filter(is_default_site=True).exists():
        home = root.add_child(instance=Page(title="Welcome", slug="home"))
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    return root


def portal_root() -> PortalRootPage:
    root = PortalRootPage.objects.first()
    if root is None:
        root = PortalRootPage(title="Client Portal", slug="portals")
        ensure_wagtail_root().add_child(instance=root)
        site = Site.objects.get(is_default_site=True)
        site.root_page = root
        site.save()
    return root


def make_portal(*, tenant=None, primary="#1d4ed8", accent="#0f766e", parent=None, live=True, **tenant_kwargs):
    tenant = tenant or TenantFactory(**tenant_kwargs)
    home = PortalHomePage(
        title=f"{tenant.name} portal",
        slug=tenant.slug,
        tenant=tenant,
        primary_color=primary,
        accent_color=accent,
        welcome=[("paragraph", f"<p>Welcome to {tenant.name}.</p>")],
        live=live,
    )
    (parent or portal_root()).add_child(instance=home)
    login = PortalLoginPage(title="Sign in", slug="login", headline=f"Sign in to {tenant.name}")
    home.add_child(instance=login)
    home.add_child(instance=ContentPage(title="Help", slug="help", summary="How the portal works"))
    return home
