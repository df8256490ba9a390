"""Wagtail admin registrations of the integration API: its keys under Settings."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


class ApiKeysMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.VIEW_PERMISSION)


@hooks.register("register_admin_urls")
def api_key_urls():
    return [path("api-keys/", admin_views.api_keys_view, name="portal_api_keys")]


@hooks.register("register_settings_menu_item")
def api_keys_menu_item():
    return ApiKeysMenuItem(_("API keys"), reverse("portal_api_keys"), icon_name="key", order=900)
