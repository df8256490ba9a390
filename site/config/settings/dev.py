import os

from .base import *  # noqa: F401,F403

# The demo (`make demo`) shows what production shows: branded 404 and 500 pages, not Django's debug pages.
# DJANGO_DEBUG=1 turns the debug pages (and template reloading) on for development.
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["*"]
# Static files straight from the apps' folders (no collectstatic), reloaded when they change.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# runserver serves the public images (logos, page images) itself; in production the storage (S3) does.
SERVE_PUBLIC_MEDIA = True

# Webhook endpoints on this machine (a local receiver) are allowed in the demo; production refuses them.
PORTAL_OUTGOING_HTTP_ALLOW_PRIVATE = True
