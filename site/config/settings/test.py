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
CAPTCHA_TEST_MODE = True  # the registration image code accepts "PASSED"
# Off by default so that tests may use client.login(); the identity tests switch them on.
AXES_ENABLED = False
PORTAL_ADMIN_REQUIRE_2FA = False

# The tests' webhook receivers listen on 127.0.0.1 (the production check is tested on its own).
PORTAL_OUTGOING_HTTP_ALLOW_PRIVATE = True
