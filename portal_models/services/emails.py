"""The one email service: every message the project sends goes out here (no other module builds an email).

Each message is branded (the tenant's logo, colours and sender name) HTML with a plain-text alternative, in each
recipient's language (``User.language``, limited to the tenant's languages), and every link in it is absolute,
built from the tenant's own root URL (its Wagtail Site, else the default Site) and ``reverse()``.
Templates: theme/templates/theme/emails/<name>.{txt,html}; the subject is the first line of ``<name>_subject.txt``
or a callable worded in each language (:func:`send_branded_email`); :func:`send_plain_email` wraps a text body in
the branded layout (``_text.html``)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from portal_models.email_branding import branding_for, tenant_root_url, url_on_root
from portal_models.email_wording import WORDED_EMAILS, render_wording, wording_html
from portal_models.languages import language_for, offered_languages
from portal_models.models import Account, Contact, EmailWording, Tenant, User
from portal_models.staff_access import staff_tenants
from portal_models.text import header_text


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


def absolute_url(*, tenant: Tenant, path: str) -> str:
    """``path`` (from ``reverse()`` or a file's URL) made absolute on the tenant's root URL."""
    return url_on_root(path, tenant_root_url(tenant))


def admin_url(*, tenant: Tenant, name: str, **kwargs) -> str:
    """The absolute URL of a Wagtail admin screen (route ``name``) on the tenant's root URL, for staff emails."""
    return absolute_url(tenant=tenant, path=reverse(name, kwargs=kwargs or None))


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


# The customer feature (a module of the portal: portal_pages/modules.py keys) each email is about, by template name
# or folder: a portal without that module sends none of them (no ticket emails when tickets are off).
EMAIL_MODULES: dict[str, str] = {
    "tickets/": "tickets",
    "orders/": "orders",
    "invoice_issued": "billing",
    "payment_reminder": "billing",
    "autopay_failed": "payments",
    "service_file_reviewed": "services",
}


def email_module(template: str) -> str | None:
    """The module an email template belongs to (None: always sent)."""
    for prefix, module in EMAIL_MODULES.items():
        if template == prefix or (prefix.endswith("/") and template.startswith(prefix)):
            return module
    return None


def tenant_offers(tenant: Tenant, module: str | None) -> bool:
    """Whether the tenant's portal offers ``module`` (its published portal home's choice; no portal: yes)."""
    if module is None:
        return True
    home = getattr(tenant, "portal_home", None)
    return home is None or module not in (home.modules_off or ())


def tenant_wording(*, tenant: Tenant, email: str, language: str) -> EmailWording | None:
    """The tenant's own words for ``email`` in ``language`` (Snippets › Email wording), if marketing wrote them."""
    if email not in WORDED_EMAILS:
        return None
    return EmailWording.objects.filter(tenant=tenant, email=email, language=language).first()


def _send(
    *, tenant: Tenant, to: list[str], subject: str, text: str, html: str, reply_to: list[str] | None = None
) -> None:
    message = EmailMultiAlternatives(
        subject=header_text(subject),  # never a raw user text in a header: one line, bounded
        body=text,
        from_email=header_text(tenant.from_email),
        to=to,
        reply_to=reply_to if reply_to is not None else [tenant.support_email],
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_branded_email(
    *,
    tenant: Tenant,
    to: list[str],
    template: str,
    context: dict | None = None,
    language: str | None = None,
    subject: Callable[[], str] | None = None,
    reply_to: list[str] | None = None,
) -> None:
    """Send one message per language of the recipients (``language`` forces one, e.g. for the support team).
    ``subject``, when given, is called with each language active instead of rendering ``<template>_subject.txt``;
    replies go to the tenant's support address unless ``reply_to`` says otherwise. Nothing is sent about a module
    the tenant's portal does not offer (:data:`EMAIL_MODULES`)."""
    if not tenant_offers(tenant, email_module(template)):
        return
    to = [address for address in to if address]
    groups = [(language, to)] if language else recipients_by_language(tenant=tenant, to=to)
    for group_language, addresses in groups:
        if not addresses:
            continue
        with translation.override(group_language):
            ctx = {"tenant": tenant, "brand": branding_for(tenant=tenant), **(context or {})}
            wording = tenant_wording(tenant=tenant, email=template, language=group_language)
            if wording is not None:  # the tenant's own subject and main text (the layout stays the template's)
                text_of_tenant = render_wording(template, wording.body, ctx)
                ctx.update(wording_text=text_of_tenant, wording_html=wording_html(text_of_tenant))
                title = render_wording(template, wording.subject, ctx)
            elif subject is not None:
                title = str(subject())
            else:
                title = render_to_string(f"theme/emails/{template}_subject.txt", ctx).strip().splitlines()[0]
            text = render_to_string(f"theme/emails/{template}.txt", ctx)
            html = render_to_string(f"theme/emails/{template}.html", ctx)
        _send(tenant=tenant, to=addresses, subject=title, text=text, html=html, reply_to=reply_to)


def send_plain_email(
    *,
    tenant: Tenant,
    to: list[str],
    build: Callable[[], tuple[str, str]],
    reply_to: list[str] | None = None,
    template: str = "",
    context: dict | None = None,
) -> None:
    """A message whose text ``build()`` words per recipient language (it returns (subject, body) and is called with
    each language active); the HTML part is that text in the tenant's branded layout. ``template`` names the text's
    template, for the module rule of :func:`send_branded_email`. ``context`` is the dict ``build`` renders the
    template with: when the tenant worded the email (:data:`WORDED_EMAILS`), its ``wording_text`` is set in it for
    the template and the wording's subject replaces ``build``'s."""
    if not tenant_offers(tenant, email_module(template)):
        return
    for language, addresses in recipients_by_language(tenant=tenant, to=to):
        with translation.override(language):
            wording = tenant_wording(tenant=tenant, email=template, language=language) if context is not None else None
            if context is not None:
                context["wording_text"] = ""
                if wording is not None:
                    context["wording_text"] = render_wording(template, wording.body, {"tenant": tenant, **context})
            subject, body = build()
            if wording is not None:
                subject = render_wording(template, wording.subject, {"tenant": tenant, **context})
            ctx = {"tenant": tenant, "brand": branding_for(tenant=tenant), "body": str(body)}
            html = render_to_string("theme/emails/_text.html", ctx)
        _send(tenant=tenant, to=addresses, subject=str(subject), text=str(body), html=html, reply_to=reply_to)


def send_sign_in_code(device, body: str, **kwargs) -> None:
    """django-otp's e-mail device (``EmailDevice.send_mail``, set in PortalModelsConfig.ready): the sign-in code,
    branded for the user's tenant, in the language of the screen it was asked from. ``body`` is django-otp's
    rendering of ``theme/emails/sign_in_code.txt``."""
    user = device.user
    contact = Contact.objects.filter(user=user).select_related("account__tenant").order_by("pk").first()
    tenant = contact.account.tenant if contact is not None else staff_tenants(user).order_by("pk").first()
    address = device.email or user.email
    subject = device.get_subject()
    if tenant is None:  # no tenant at all: django-otp's own plain message
        EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]).send()
        return
    # the screen's language (the one django-otp rendered ``body`` in), as the tenant offers it
    language = language_for(tenant=tenant, requested=translation.get_language())
    with translation.override(language):
        ctx = {"tenant": tenant, "brand": branding_for(tenant=tenant), "token": device.token}
        wording = tenant_wording(tenant=tenant, email="sign_in_code", language=language)
        if wording is not None:  # the tenant's own words around the code
            worded = render_wording("sign_in_code", wording.body, ctx)
            ctx.update(wording_text=worded, wording_html=wording_html(worded))
            subject = render_wording("sign_in_code", wording.subject, ctx)
            body = render_to_string("theme/emails/sign_in_code.txt", ctx)
        html = render_to_string("theme/emails/sign_in_code.html", ctx)
    _send(tenant=tenant, to=[address], subject=subject, text=body, html=html)
