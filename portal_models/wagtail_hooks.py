"""Wagtail admin registrations of portal_models. Each domain keeps its own module in portal_models/admin/."""

from django.urls import include, path
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail_modeladmin.options import modeladmin_register

from .admin import (
    billing,  # noqa: F401
    cases,  # noqa: F401  (Cases menu, case roles snippet, role assignment)
    documents,  # noqa: F401
    payments,  # noqa: F401  (refunds through Stripe, payment inspect details)
)
from .admin import identity as identity_admin
from .admin.tickets import SupportGroup

modeladmin_register(SupportGroup)


@hooks.register("register_admin_urls")
def identity_urls():
    return [path("", include(identity_admin.urlpatterns))]


@hooks.register("register_admin_menu_item")
def identity_menu():
    return SubmenuMenuItem(
        "Sign-in & access", Menu(items=identity_admin.menu_items()), icon_name="key", name="identity", order=9100
    )
