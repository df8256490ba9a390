from .base import *  # noqa: F401,F403
from .base import MIDDLEWARE

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MIDDLEWARE = list(MIDDLEWARE)
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STRIPE_MAX_NETWORK_RETRIES = 0
