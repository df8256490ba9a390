"""Deployment checks (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """More than one process serving requests needs a shared cache (REDIS_URL): rate limits and cached pages."""
    processes = getattr(settings, "PORTAL_APP_PROCESSES", 1)
    backend = settings.CACHES["default"]["BACKEND"]
    if processes > 1 and backend in LOCAL_CACHES:
        return [
            Warning(
                f"{processes} processes serve requests (GUNICORN_WORKERS x APP_SERVERS) with a per-process cache.",
                hint="Set REDIS_URL: without a shared cache each process counts rate limits on its own "
                "(a limit of 3 password resets an hour allows 3 per process).",
                id="portal.W001",
            )
        ]
    return []
