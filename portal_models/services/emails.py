"""Branded email: every message of a tenant carries its logo, colours and sender name,
with a plain-text alternative. Templates: theme/templates/theme/emails/<name>.{txt,html};
the subject is the first line of ``<name>_subject.txt``. Each recipient gets the message in their
language (``User.language``, limited to the tenant's languages)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils import translation

from portal_models.languages import language_for, offered_languages
from portal_models.models import Account, Tenant, User


def tenant_language(tenant: Tenant) -> str:
    """The tenant's default language: for messages to its support team."""
    return offered_languages(tenant)[0][0]


def recipients_by_language(*, tenant: Tenant, to: list[str]) -> list[tuple[str, list[str]]]:
    """Group addresses by the language to write to them in: a user's saved language, else the
    language of the current request (a visitor registering in Spanish), within the tenant's languages."""
    addresses = [address for address in to if address]
    users = {u.email.lower(): u for u in User.objects.filter(email__in=[a.lower() for a in addresses])}
    groups: dict[str, list[str]] = {}
    for address in addresses:
        language = language_for(tenant=tenant, user=users.get(address.lower()), requested=translation.get_language())
        groups.setdefault(language, []).append(address)
    return list(groups.items())


def _absolute(url: str, base: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return base.rstrip("/") + "/" + url.lstrip("/")


def account_portal_url(account: Account, route: str, query: dict | None = None, **kwargs) -> str:
    """The absolute URL of a customer screen (``route`` of the portal page, with ``kwargs``) about ``account``,
    for emails. It names the account (``?account=<number>``), so a customer who acts for several companies is
    offered to switch to this one; sign-in comes first when needed. The portal's home when the route does not
    exist; '' when the tenant has no published portal."""
    home = getattr(account.tenant, "portal_home", None)
    base = home.get_full_url() if home is not None else None
    if not base:
        return ""
    try:
        path = home.reverse_subpage(route, kwargs=kwargs or None)
    except NoReverseMatch:
        return base
    return f"{base}{path}?{urlencode({**(query or {}), 'account': account.number})}"


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


def send_branded_email(
    *, tenant: Tenant, to: list[str], template: str, context: dict | None = None, language: str | None = None
) -> None:
    """Send one message per language of the recipients (``language`` forces one, e.g. for the support team)."""
    groups = [(language, to)] if language else recipients_by_language(tenant=tenant, to=to)
    for group_language, addresses in groups:
        with translation.override(group_language):
            ctx = {"tenant": tenant, "brand": branding_for(tenant=tenant), **(context or {})}
            subject = render_to_string(f"theme/emails/{template}_subject.txt", ctx).strip().splitlines()[0]
            text = render_to_string(f"theme/emails/{template}.txt", ctx)
            html = render_to_string(f"theme/emails/{template}.html", ctx)
        message = EmailMultiAlternatives(
            subject=subject, body=text, from_email=tenant.from_email, to=addresses, reply_to=[tenant.support_email]
        )
        message.attach_alternative(html, "text/html")
        message.send()


def send_plain_email(*, tenant: Tenant, to: list[str], build, reply_to: list[str] | None = None) -> None:
    """A plain-text message worded per recipient language: ``build()`` returns (subject, body) and is
    called with each language active."""
    for language, addresses in recipients_by_language(tenant=tenant, to=to):
        with translation.override(language):
            subject, body = build()
        EmailMultiAlternatives(
            subject=str(subject), body=str(body), from_email=tenant.from_email, to=addresses, reply_to=reply_to
        ).send()
