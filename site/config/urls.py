from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from two_factor.urls import urlpatterns as two_factor_urlpatterns
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal_models.admin.users import staff_set_password
from portal_models.webhooks import stripe_webhook
from portal_pages.views import serve_page

from .health import healthz

handler404 = "portal_pages.views.page_not_found"  # branded on a tenant's portal

urlpatterns = [
    # Staff sign in to the Wagtail admin through the two-factor login.
    path("admin/login/", RedirectView.as_view(pattern_name="two_factor:login", query_string=True)),
    path("admin/", include(wagtailadmin_urls)),
    path("staff/password/set/<uidb64>/<token>/", staff_set_password, name="staff_set_password"),
    path("documents/", include(wagtaildocs_urls)),
    path("captcha/", include("captcha.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the sign-in page's language choice
    path("", include(two_factor_urlpatterns)),
    path("healthz", healthz, name="healthz"),
    path("stripe/webhook/", stripe_webhook, name="stripe_webhook"),
    path("api/v1/", include("portal_api.urls", namespace="api")),  # the integration API (portal_api)
]

if settings.SERVE_PUBLIC_MEDIA:  # the dev settings (demo) only
    from django.views.static import serve

    # Only images are public; documents and customer uploads are served after the access check.
    for folder in ("images", "original_images"):
        urlpatterns.append(
            re_path(
                rf"^{settings.MEDIA_URL.lstrip('/')}{folder}/(?P<path>.*)$",
                serve,
                {"document_root": settings.MEDIA_ROOT / folder},
            )
        )

urlpatterns += [
    # Wagtail's page view with the cached site lookup (portal_pages.routing_cache); same pattern as wagtail_serve
    re_path(r"^((?:[\w\-]+/)*)$", serve_page, name="portal_serve"),
    path("", include(wagtail_urls)),
]
