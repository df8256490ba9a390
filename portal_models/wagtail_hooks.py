"""Wagtail admin registrations of portal_models (modules in portal_models/admin/)."""

from django.urls import include, path
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from .admin import identity as identity_admin


@hooks.register("register_admin_urls")
def identity_urls():
    return [path("", include(identity_admin.urlpatterns))]


@hooks.register("register_admin_menu_item")
def identity_menu():
    return SubmenuMenuItem(
        "Sign-in & access", Menu(items=identity_admin.menu_items()), icon_name="key", name="identity", order=9100
    )
