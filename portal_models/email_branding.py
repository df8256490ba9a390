"""A tenant's address and branding as emails show them: its portal's root URL (its Wagtail Site, else the default
Site, else ``WAGTAILADMIN_BASE_URL``), logo and colours. Below the models (it reads a tenant's loaded portal page,
imports none of portal_models: ``tenant`` is a Tenant), so that the email service and the email wording's editor
preview share it."""

from __future__ import annotations

from django.conf import settings
from wagtail.models import Site


def url_on_root(url: str, base: str) -> str:
    """``url`` as it is when absolute, else on ``base`` (a root URL)."""
    if url.startswith(("http://", "https://")):
        return url
    return base.rstrip("/") + "/" + url.lstrip("/")


def tenant_root_url(tenant) -> str:
    """The scheme and host of a tenant's portal (no trailing slash): the Wagtail Site of its portal page when it has
    its own domain, else the default Site, else ``WAGTAILADMIN_BASE_URL``."""
    home = getattr(tenant, "portal_home", None)
    site = home.get_site() if home is not None else None
    site = site or Site.objects.filter(is_default_site=True).first()
    return (site.root_url if site is not None else settings.WAGTAILADMIN_BASE_URL).rstrip("/")


def branding_for(*, tenant) -> dict:
    """Logo URL, colours and portal address of a tenant, for emails (the portal page holds the branding)."""
    home = getattr(tenant, "portal_home", None)
    base = tenant_root_url(tenant)
    brand = {"primary": "#1d4ed8", "accent": "#0f766e", "logo_url": "", "portal_url": base}
    if home is not None:
        brand.update(primary=home.primary_color, accent=home.accent_color)
        brand["portal_url"] = home.get_full_url() or base
        if home.logo_id:
            brand["logo_url"] = url_on_root(home.logo.get_rendition("height-80").url, base)
    return brand
