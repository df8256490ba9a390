"""Portal pages for tests: a tenant's PortalHomePage with its sign-in and help pages."""

import itertools

from wagtail.models import Page, Site

from ..models import PortalRootPage
from ..provisioning import portal_provision


def ensure_wagtail_root() -> Page:
    """Wagtail's tree root and default site (a transactional test's flush removes what the migrations made)."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale

    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
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


_portal_numbers = itertools.count(1)


def make_portal(
    *, name=None, slug=None, primary="#1d4ed8", accent="#0f766e", parent=None, live=True, library=False, **tenant_kwargs
):
    """A tenant and its portal through the provisioning service (the admin's "New portal"); returns its home page.

    ``library=False`` leaves out the document library so that tests can add their own.
    """
    number = next(_portal_numbers)
    name, slug = name or f"Tenant {number}", slug or f"tenant-{number}"
    tenant_kwargs.setdefault("support_email", f"support@{slug}.example.com")
    return portal_provision(
        name=name,
        slug=slug,
        primary_color=primary,
        accent_color=accent,
        welcome=f"Welcome to {name}.",
        login_headline=f"Sign in to {name}",
        document_library=library,
        parent=parent or portal_root(),
        live=live,
        **tenant_kwargs,
    ).home
