"""A new tenant's portal in one step: the tenant, its live pages, its collection, its staff groups.

:func:`portal_provision` is the one way a portal is created — by the admin's "New portal" form, by the demo
loader and by the test factories — so every portal has the same pages and the same staff rights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import URLResolver, get_resolver
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail.images import get_image_model
from wagtail.images.fields import WagtailImageField
from wagtail.models import Collection, Page, Site

from portal_models.models import StaffRole, Tenant
from portal_models.money import format_money
from portal_models.services.documents import tenant_collection
from portal_models.services.tenants import tenant_staff_groups_ensure

from .models import ContentPage, DocumentLibraryPage, PortalHomePage, PortalLoginPage, PortalRootPage, hex_colour

DEFAULT_PRIMARY = "#1d4ed8"
DEFAULT_ACCENT = "#0f766e"


@dataclass(frozen=True)
class ProvisionedPortal:
    tenant: Tenant
    home: PortalHomePage
    login_page: PortalLoginPage
    help_page: ContentPage
    library_page: DocumentLibraryPage | None
    collection: Collection
    groups: dict[str, Group]


@lru_cache(maxsize=1)
def reserved_slugs() -> frozenset[str]:
    """First path segments the project's own URLs use (admin/, documents/, account/, …): a portal at
    /<slug>/ must not sit behind one of them."""
    segment = re.compile(r"^[a-z0-9_-]+$")
    found: set[str] = {settings.STATIC_URL.strip("/"), settings.MEDIA_URL.strip("/")}

    def walk(patterns):
        for pattern in patterns:
            route = str(pattern.pattern).lstrip("^")
            if isinstance(pattern, URLResolver) and route == "":
                walk(pattern.url_patterns)
                continue
            first = route.split("/", 1)[0].rstrip("$")
            if segment.match(first):
                found.add(first)

    walk(get_resolver().url_patterns)
    return frozenset(s for s in found if s)


def portal_root_ensure() -> PortalRootPage:
    """The portal directory (the default site's root), created on first use."""
    root = PortalRootPage.objects.first()
    if root:
        return root
    wagtail_root = Page.get_first_root_node()
    root = PortalRootPage(title="Client Portal", slug="portals", intro="<p>Use the address your provider gave you.</p>")
    wagtail_root.add_child(instance=root)
    site = Site.objects.filter(is_default_site=True).first()
    old_root = site.root_page if site else None
    if site:
        site.root_page = root
        site.save()
    else:
        Site.objects.create(hostname="localhost", port=80, root_page=root, is_default_site=True)
    if old_root and old_root.pk != root.pk and not old_root.get_children().exists():
        old_root.delete()
    return root


def _validate(*, tenant: Tenant, parent: Page, primary_color: str, accent_color: str, logo) -> None:
    """Every check before anything is written; raises one ValidationError keyed by field."""
    errors: dict[str, list] = {}
    try:
        tenant.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if "slug" not in errors:
        if tenant.slug in reserved_slugs():
            message = _("“%(slug)s” is used by the site itself; choose another address.")
            errors["slug"] = [message % {"slug": tenant.slug}]
        elif parent.get_children().filter(slug=tenant.slug).exists():
            errors["slug"] = [_("A page already uses the address /%(slug)s/.") % {"slug": tenant.slug}]
    if "name" not in errors and Tenant.objects.filter(name__iexact=tenant.name).exists():
        errors["name"] = [_("A portal with this name already exists.")]
    for field, value in (("primary_color", primary_color), ("accent_color", accent_color)):
        try:
            hex_colour(value or "")
        except ValidationError as error:
            errors[field] = error.messages
    if logo is not None:
        try:
            logo.seek(0)
            WagtailImageField(required=False).clean(logo)
        except ValidationError as error:
            errors["logo"] = error.messages
        finally:
            logo.seek(0)
    if errors:
        raise ValidationError(errors)


def _publish(page: Page, *, live: bool, user) -> None:
    revision = page.save_revision(user=user, log_action=False)
    if live:
        revision.publish(user=user, skip_permission_checks=True)  # the caller decided who may create portals


def _help_body(tenant: Tenant) -> list:
    fee = ""
    if tenant.card_fee_percent > 0:
        fee = " " + _("Card payments over %(threshold)s carry a %(percent)s%% convenience fee.") % {
            "threshold": format_money(tenant.card_fee_threshold, tenant.currency),
            "percent": f"{tenant.card_fee_percent.normalize():f}",
        }
    return [
        ("heading", _("Signing in")),
        (
            "paragraph",
            format_html(
                "<p>{}</p>",
                _(
                    "Your username is your email address. Forgot your password? Choose “Forgot password” on the "
                    "sign-in page and we email you a link."
                ),
            ),
        ),
        ("heading", _("Paying an invoice")),
        ("paragraph", format_html("<p>{}</p>", _("Open an invoice and choose “Pay now”.") + fee)),
        ("heading", _("Finding your documents")),
        (
            "paragraph",
            format_html("<p>{}</p>", _("Contracts, guides and statements are under Documents in the menu.")),
        ),
        ("heading", _("Contact us")),
        (
            "paragraph",
            format_html(
                '<p>{} <a href="mailto:{}">{}</a>.</p>',
                _("Write to"),
                tenant.support_email,
                tenant.support_email,
            ),
        ),
    ]


@transaction.atomic
def portal_provision(
    *,
    name: str,
    slug: str,
    support_email: str,
    primary_color: str = DEFAULT_PRIMARY,
    accent_color: str = DEFAULT_ACCENT,
    logo=None,
    card_fee_percent: Decimal = Decimal("3.00"),
    card_fee_threshold: Decimal = Decimal("5000.00"),
    card_only: bool = True,
    two_factor_policy: str = Tenant.TwoFactorPolicy.OPTIONAL,
    currency: str = "USD",
    sender_name: str = "",
    support_phone: str = "",
    welcome: str | None = None,
    login_headline: str | None = None,
    login_intro: str | None = None,
    document_library: bool = True,
    parent: Page | None = None,
    live: bool = True,
    user=None,
) -> ProvisionedPortal:
    """Create a tenant and its branded portal in one transaction, published at once (no deploy).

    The portal is a :class:`PortalHomePage` at /<slug>/ under the portal directory (or ``parent``) with a
    sign-in page, a help page and (``document_library``) a document library; ``logo`` (an uploaded image
    file) becomes a Wagtail image in the tenant's collection. The tenant gets its Marketing / Billing staff /
    Support staff groups, marketing with rights on the portal's pages and collection; ``user``, the staff
    member creating it, joins its Marketing group (unless a superuser) to finish it in the page editor.

    Bad input raises ``ValidationError`` keyed by argument name and creates nothing.
    """
    tenant = Tenant(
        name=(name or "").strip(),
        slug=(slug or "").strip(),
        support_email=(support_email or "").strip(),
        sender_name=sender_name,
        currency=currency,
        card_fee_percent=card_fee_percent,
        card_fee_threshold=card_fee_threshold,
        card_only=card_only,
        two_factor_policy=two_factor_policy,
    )
    parent = parent or portal_root_ensure()
    _validate(tenant=tenant, parent=parent, primary_color=primary_color, accent_color=accent_color, logo=logo)
    try:
        with transaction.atomic():
            tenant.save()
    except IntegrityError as error:  # the same address, created a moment ago by someone else
        raise ValidationError({"slug": [_("Tenant with this Slug already exists.")]}) from error

    collection = tenant_collection(tenant=tenant)
    image = None
    if logo is not None:
        image = get_image_model()(
            title=_("%(name)s logo") % {"name": tenant.name}, file=logo, collection=collection, uploaded_by_user=user
        )
        image._set_image_file_metadata()
        image.save()

    home = PortalHomePage(
        title=_("%(name)s Customer Portal") % {"name": tenant.name},
        slug=tenant.slug,
        tenant=tenant,
        primary_color=primary_color.lower(),
        accent_color=accent_color.lower(),
        logo=image,
        favicon=image,
        support_phone=support_phone,
        welcome=[
            (
                "paragraph",
                format_html(
                    "<p>{}</p>",
                    welcome
                    or _(
                        "Welcome to the %(name)s customer portal. Your invoices, payments, documents and support "
                        "requests are one click away."
                    )
                    % {"name": tenant.name},
                ),
            )
        ],
        live=live,
    )
    parent.add_child(instance=home)
    _publish(home, live=live, user=user)

    login = PortalLoginPage(
        title=_("Sign in"),
        slug="login",
        headline=login_headline or _("Sign in to %(name)s") % {"name": tenant.name},
        intro=login_intro
        or format_html(
            "<p>{}</p>", _("Pay invoices, download your documents and reach our support team — all in one place.")
        ),
        live=live,
    )
    home.add_child(instance=login)

    library = None
    if document_library:
        library = DocumentLibraryPage(
            title=_("Documents"),
            slug="library",
            intro=format_html("<p>{}</p>", _("Guides, contracts and statements for your account.")),
            live=live,
        )
        home.add_child(instance=library)
        _publish(library, live=live, user=user)

    help_page = ContentPage(
        title=_("Help & FAQ"),
        slug="help",
        summary=_("Answers to the questions customers ask most."),
        body=_help_body(tenant),
        live=live,
    )
    home.add_child(instance=help_page)
    _publish(help_page, live=live, user=user)

    login.help_links = [("link", {"label": _("Help & FAQ"), "page": help_page, "url": ""})]
    _publish(login, live=live, user=user)

    groups = tenant_staff_groups_ensure(tenant=tenant, home_page=home, collection=collection)
    if user is not None and not user.is_superuser:
        user.groups.add(groups[StaffRole.MARKETING])  # so that its creator can finish it in the page editor
    return ProvisionedPortal(
        tenant=tenant,
        home=home,
        login_page=login,
        help_page=help_page,
        library_page=library,
        collection=collection,
        groups=groups,
    )
