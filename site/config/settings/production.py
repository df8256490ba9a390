"""Production: everything comes from the environment; missing essentials stop the start."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import BASE_DIR  # noqa: F401


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} is required in production.")
    return value


DEBUG = False
SECRET_KEY = required("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in required("ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

import dj_database_url  # noqa: E402

DATABASES = {"default": dj_database_url.parse(required("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }

if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"

# Redis: reads and writes degrade to misses when it stops (portal_models.caching.ResilientRedisCache), rate
# limits fail closed; a short timeout so a stopped Redis costs a page milliseconds, not a hang.
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "portal_models.caching.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": REDIS_OPTIONS,
            # Whole pages and fragments are rendered HTML: a new release must not serve the previous release's
            # templates from the shared cache, so each release has its own keys (RELEASE, e.g. the git commit).
            "KEY_PREFIX": os.environ.get("RELEASE", ""),
        },
        "renditions": {
            "BACKEND": "portal_models.caching.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": REDIS_OPTIONS,
            "KEY_PREFIX": "renditions",
            "TIMEOUT": 600,
        },
    }

if os.environ.get("TWILIO_ACCOUNT_SID"):
    TWO_FACTOR_SMS_GATEWAY = "two_factor.gateways.twilio.gateway.Twilio"
    TWILIO_ACCOUNT_SID = os.environ["TWILIO_ACCOUNT_SID"]
    TWILIO_AUTH_TOKEN = required("TWILIO_AUTH_TOKEN")
    TWILIO_CALLER_ID = required("TWILIO_CALLER_ID")

# How many processes serve requests (gunicorn workers x app servers): more than one without REDIS_URL means
# per-process caches and rate limits (3 resets an hour per worker), which `check --deploy` reports (W001).
PORTAL_APP_PROCESSES = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() * 2 + 1)) * int(
    os.environ.get("APP_SERVERS", "1")
)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # run workers: manage.py db_worker

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
TWO_FACTOR_REMEMBER_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
STRIPE_SECRET_KEY = required("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = required("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = required("STRIPE_WEBHOOK_SECRET")
STRIPE_JS_URL = "https://js.stripe.com/v3/"
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))

# Structured logs: JSON lines on stdout (request id, tenant and user id on every line; one line per request).
LOGGING = {
    **LOGGING,  # noqa: F405
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": os.environ.get("LOG_FORMAT", "json"),
            "filters": ["request_context"],
        }
    },
    "loggers": {
        **LOGGING["loggers"],  # noqa: F405
        "portal.request": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")},
        "gunicorn.error": {"level": "INFO", "propagate": True},
    },
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; no script reads the cookie

# Sessions are read on every signed-in request: from the cache first (written through to the database).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
