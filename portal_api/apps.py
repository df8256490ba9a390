from django.apps import AppConfig


class PortalApiConfig(AppConfig):
    """The integration REST API (``/api/v1/``): DRF viewsets over portal_models' selectors and services."""

    name = "portal_api"
    verbose_name = "Integration API"

    def ready(self):
        from .schema import _register_extensions

        _register_extensions()
