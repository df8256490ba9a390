"""Settings shared by every environment. Environment-specific modules import * from here."""

import os
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
import django
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parents[3]

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", ".localhost", "testserver"]

INSTALLED_APPS = [
    "portal_models",
    "portal_pages",
    "theme",
    "portal_api",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail_modeladmin",
    "wagtail.sites",
    "portal_models.admin.users_app.PortalUsersAppConfig",  # wagtail.users, staff invited (portal_models/admin/users.py)
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "captcha",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_email",
    "two_factor",
    "two_factor.plugins.phonenumber",
    "two_factor.plugins.email",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "portal_models.observability.RequestContextMiddleware",  # request id, request log line
    "django.middleware.security.SecurityMiddleware",
    "portal_models.csp.PortalCSPMiddleware",  # Content-Security-Policy (django-csp), see below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal_pages.admin.scoping.AdminPageScopeMiddleware",  # staff: admin URLs naming a page of their portals only
    "portal_models.middleware.PrivateResponsesMiddleware",  # Cache-Control: private, no-store when signed in
    "portal_models.middleware.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "portal_models.middleware.StaffTwoFactorMiddleware",
    "portal_models.middleware.SuperuserOnlyAdminAreasMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Wagtail looks image renditions (tenant logos, favicons) up in the "renditions" cache before the database.
CACHES = {
    # sized for the demo's customers: each account keeps several data entries (Django's default is 300)
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 10000}},
    "renditions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "renditions",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

AUTH_USER_MODEL = "portal_models.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "portal_models.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "portal_models.validators.SpecialCharacterValidator"},
    {"NAME": "portal_models.validators.UpperAndLowerCaseValidator"},
    {"NAME": "portal_models.validators.LettersAndDigitsValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # one-time set-password links (invitations, forgot password)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # brute-force protection, checked first
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "wagtailadmin_home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # dates per language (en m/d/Y, es d/m/Y)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The yes / no / unknown icons that admin listings show for boolean columns (Django's display_for_field) live in
# django.contrib.admin, which the Wagtail admin does not install: serve just those images from Django itself.
STATICFILES_DIRS = [("admin/img", Path(django.__file__).parent / "contrib" / "admin" / "static" / "admin" / "img")]
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
SERVE_PUBLIC_MEDIA = False  # the dev settings (demo) serve public images from MEDIA_ROOT; production: the storage
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH")  # the file backend's folder (the stack's checks read it)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@example.com")

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Outgoing webhooks (services/outgoing_webhooks.py, gateways/http.py): private and loopback addresses are refused
# as endpoints (SSRF) unless this is on (the demo's and tests' local receivers); a connect and a read timeout;
# attempts and the first retry's delay (doubling after each failure, at most 6 hours apart).
PORTAL_OUTGOING_HTTP_ALLOW_PRIVATE = False
PORTAL_OUTGOING_HTTP_TIMEOUT = (3.05, 10.0)
PORTAL_WEBHOOK_MAX_ATTEMPTS = 10
PORTAL_WEBHOOK_RETRY_BASE_SECONDS = 60

WAGTAIL_SITE_NAME = "Client Portal"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Documents uploaded in the admin go through the one upload rule (services.documents.check_upload).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "portal_models.admin.document_forms.PortalDocumentForm"
# Tenant content in several languages (Wagtail localization; marketing translates pages in the admin).
# Portal URLs have no language prefix: the active language picks a page's live translation (page.localized).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Two-factor authentication (django-two-factor-auth)
TWO_FACTOR_SMS_GATEWAY = "portal_models.gateways.sms.OutboxGateway"  # codes in its outbox (tests, demo)
TWO_FACTOR_CALL_GATEWAY = "portal_models.gateways.sms.OutboxGateway"
TWO_FACTOR_REMEMBER_COOKIE_AGE = 60 * 60 * 24 * 30
OTP_EMAIL_SENDER = DEFAULT_FROM_EMAIL
# In the language of the screen the code was asked from (django-otp renders both when it sends the code).
OTP_EMAIL_SUBJECT = gettext_lazy("Your sign-in code")
OTP_EMAIL_BODY_TEMPLATE_PATH = "theme/emails/sign_in_code.txt"
# Staff reach the Wagtail admin only after the second step (portal_models.middleware).
PORTAL_ADMIN_REQUIRE_2FA = True

# Brute-force protection (django-axes): 5 failed sign-ins lock that user from that address for 15 minutes.
# Proxies in front of the app servers (a load balancer: 1): the client's address is read from X-Forwarded-For
# that many entries from the right (portal_models.observability.client_ip), for the audit trail and lockouts.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "portal_models.observability.client_ip"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "portal_models.middleware.axes_username"
AXES_LOCKOUT_CALLABLE = "portal_pages.identity.views.lockout_response"
AXES_VERBOSE = False

# Payments: card convenience fee used when a tenant has no policy of its own (seed 000).
PORTAL_DEFAULT_CARD_FEE_PERCENT = Decimal("3.00")
PORTAL_DEFAULT_CARD_FEE_THRESHOLD = Decimal("5000.00")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "portal_models.observability.JsonFormatter"},
    },
    "filters": {"request_context": {"()": "portal_models.observability.RequestContextFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_context"]}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "portal.request": {"level": os.environ.get("REQUEST_LOG_LEVEL", "WARNING")},  # INFO in production
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

WAGTAILADMIN_LOGIN_URL = "two_factor:login"

# Stripe (portal_models.gateways.stripe). Demo and tests talk to localstripe; production sets real keys.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "http://127.0.0.1:8420")
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "sk_test_localstripe")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "pk_test_localstripe")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_localstripe")
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", f"{STRIPE_API_BASE}/js.stripe.com/v3/")
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "1"))
# Registration image code (django-simple-captcha)
CAPTCHA_LENGTH = 5
CAPTCHA_IMAGE_SIZE = (240, 80)  # large enough to read; the widget gives the <img> this size (no layout shift)
CAPTCHA_FONT_SIZE = 52
# The code read aloud for screen-reader users (Debian's `flite`; without it the widget offers no audio).
CAPTCHA_FLITE_PATH = os.environ.get("CAPTCHA_FLITE_PATH") or shutil.which("flite")
CAPTCHA_TIMEOUT = 15  # minutes

# Content Security Policy (django-csp 4). portal_models.csp.PortalCSPMiddleware adds the origins of
# STRIPE_API_BASE / STRIPE_JS_URL when they are not Stripe's (localstripe) and relaxes /admin/.
# Stripe.js needs: https://docs.stripe.com/security/guide#content-security-policy
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, "https://js.stripe.com", "https://*.js.stripe.com"],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],  # style="" attributes only; <style> elements need the nonce
        "img-src": [SELF, "data:", "https://*.stripe.com"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF, "https://api.stripe.com"],
        "frame-src": [
            "https://js.stripe.com",
            "https://*.js.stripe.com",
            "https://hooks.stripe.com",
            "https://m.stripe.network",
        ],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

# The integration API (portal_api, /api/v1/): its viewsets set their own authentication (API keys), permissions
# (scopes) and per-key rate limit, so DRF's defaults (used by Wagtail's admin API) stay as they are.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "Client Portal integration API",
    "DESCRIPTION": "Accounts, contacts, invoices, credit memos, payments, services, tickets, documents, orders and "
    "deliveries of one tenant, for an accounting or ERP system. Authenticate with `Authorization: Bearer <key>` "
    "(keys are made by staff in the admin); send an `Idempotency-Key` header with every POST.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["portal_api.schema.only_api_v1"],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files: no CDN, under the portal's CSP
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketCategoryEnum": "portal_models.models.TicketCategory",
        "DocumentCategoryEnum": "portal_models.models.UploadCategory",
    },
}
# Requests per key: (limit, window in seconds).
PORTAL_API_RATE_LIMIT = (600, 60)
