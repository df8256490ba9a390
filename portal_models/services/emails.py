"""Branded email: every message of a tenant carries its logo, colours and sender name,
with a plain-text alternative. Templates: theme/templates/theme/emails/<name>.{txt,html};
the subject is the first line of ``<name>_subject.txt``."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from portal_models.models import Tenant


def _absolute(url: str, base: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return base.rstrip("/") + "/" + url.lstrip("/")


def branding_for(*, tenant: Tenant) -> dict:
    """Logo URL, colours and portal address of a tenant, for emails (the portal page holds the branding)."""
    home = getattr(tenant, "portal_home", None)
    base = settings.WAGTAILADMIN_BASE_URL
    brand = {"primary": "#1d4ed8", "accent": "#0f766e", "logo_url": "", "portal_url": base}
    if home is not None:
        brand.update(primary=home.primary_color, accent=home.accent_color)
        brand["portal_url"] = home.get_full_url() or base
        if home.logo_id:
            brand["logo_url"] = _absolute(home.logo.get_rendition("height-80").url, base)
    return brand


def send_branded_email(*, tenant: Tenant, to: list[str], template: str, context: dict | None = None) -> None:
    ctx = {"tenant": tenant, "brand": branding_for(tenant=tenant), **(context or {})}
    subject = render_to_string(f"theme/emails/{template}_subject.txt", ctx).strip().splitlines()[0]
    text = render_to_string(f"theme/emails/{template}.txt", ctx)
    html = render_to_string(f"theme/emails/{template}.html", ctx)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=tenant.from_email, to=to, reply_to=[tenant.support_email]
    )
    message.attach_alternative(html, "text/html")
    message.send()
