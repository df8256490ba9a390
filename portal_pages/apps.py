from django.apps import AppConfig


class PortalPagesConfig(AppConfig):
    name = "portal_pages"
    verbose_name = "Portal pages"
    default_auto_field = "django.db.models.BigAutoField"
