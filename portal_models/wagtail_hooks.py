"""Wagtail admin registrations of portal_models. Each domain keeps its own module in portal_models/admin/."""

from django.urls import include, path
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.admin.staticfiles import versioned_static
from wagtail_modeladmin.options import modeladmin_register

from . import customer_files
from .admin import (
    billing,  # noqa: F401
    cases,  # noqa: F401  (Cases menu, case roles snippet, role assignment)
    documents,  # noqa: F401
    integrations,  # noqa: F401  (Integrations menu: webhook endpoints and deliveries, imports)
    orders,  # noqa: F401  (Orders menu: orders, quotes, deliveries, branches, account prices)
    payments,  # noqa: F401  (refunds through Stripe, payment inspect details)
    tenants,  # noqa: F401  (Settings › Portals: a portal's fee, policies, languages, reminders)
)
from .admin import identity as identity_admin
from .admin.audit import SecurityEventAdmin
from .admin.dashboard import construct_homepage_panels
from .admin.tickets import SupportGroup

modeladmin_register(SupportGroup)

# Documents' and images' collection permissions stop at customers' files (customer_files.py).
customer_files.install()

security_events_admin = SecurityEventAdmin()
security_events_admin.register_with_wagtail()  # its menu item is in "Sign-in & access" below


@hooks.register("register_admin_urls")
def identity_urls():
    return [path("", include(identity_admin.urlpatterns))]


@hooks.register("register_admin_menu_item")
def identity_menu():
    return SubmenuMenuItem(
        "Sign-in & access",
        Menu(items=[*identity_admin.menu_items(), security_events_admin.get_menu_item(order=9102)]),
        icon_name="key",
        name="identity",
        order=9100,
    )


@hooks.register("get_avatar_url")
def avatar_on_our_own_origin(user, size):
    """A staff member's uploaded avatar, else Wagtail's default one: never Gravatar, which the admin's Content
    Security Policy blocks over http (and which would hand a third party every staff email's hash)."""
    profile = getattr(user, "wagtail_userprofile", None)
    if profile is not None and profile.avatar:
        return profile.avatar.url
    return versioned_static("wagtailadmin/images/default-user-avatar.png")


@hooks.register("construct_homepage_panels")
def tenant_dashboard_panels(request, panels):
    construct_homepage_panels(request, panels)


@hooks.register("construct_reports_menu")
def reports_for_superusers_only(request, menu_items):
    """Reports (site history above all) span every tenant: superusers only (the URLs answer 403 to others,
    see middleware.SuperuserOnlyAdminAreasMiddleware)."""
    if not request.user.is_superuser:
        menu_items[:] = []


@hooks.register("construct_main_menu")
def snippets_overview_for_superusers_only(request, menu_items):
    if not request.user.is_superuser:
        menu_items[:] = [item for item in menu_items if item.name != "snippets"]
