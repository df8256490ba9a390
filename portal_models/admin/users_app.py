"""Wagtail's users app with the portal's user viewset: staff accounts are made by invitation, no password typed by
the admin (portal_models/admin/users.py). Listed in INSTALLED_APPS in place of ``wagtail.users``."""

from wagtail.users.apps import WagtailUsersAppConfig


class PortalUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's users, with staff accounts made by invitation (no password typed by the admin)."""

    user_viewset = "portal_models.admin.users.StaffUserViewSet"
