from django.apps import AppConfig


class PortalModelsConfig(AppConfig):
    name = "portal_models"
    verbose_name = "Portal records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import caching, signals

        signals.connect()
        caching.connect()
