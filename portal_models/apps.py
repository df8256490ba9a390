from django.apps import AppConfig


class PortalModelsConfig(AppConfig):
    default = True  # the app's config, whatever else this module may import (its ready() connects the caches)
    name = "portal_models"
    verbose_name = "Portal records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import caching, checks, signals  # noqa: F401 (checks registers the deploy checks)

        signals.connect()
        caching.connect()
        # The emailed sign-in code goes out through the one email service, branded (django-otp's documented hook).
        from django_otp.plugins.otp_email.models import EmailDevice

        from .services.emails import send_sign_in_code

        EmailDevice.send_mail = send_sign_in_code
