"""Staff always use two-factor authentication for the Wagtail admin; some admin areas are for superusers only."""

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode


class StaffTwoFactorMiddleware:
    """A signed-in user reaches /admin/ only once verified by a second factor.

    Without a device they are sent to enrol (two_factor:setup); with one, signed in
    without using it, they sign in again through the two-factor login.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PORTAL_ADMIN_REQUIRE_2FA
            and request.path.startswith("/admin/")
            and request.user.is_authenticated
            and not request.user.is_verified()
        ):
            from django_otp import user_has_device

            query = urlencode({"next": request.get_full_path()})
            if user_has_device(request.user):
                logout(request)
                return redirect(f"{reverse('two_factor:login')}?{query}")
            return redirect(f"{reverse('two_factor:setup')}?{query}")
        return self.get_response(request)


# Admin areas that span every tenant: users and groups (a staff member must not join another tenant's group),
# sites, collections and workflows, and the reports (site history lists every record's changes).
SUPERUSER_ONLY_ADMIN_NAMESPACES = frozenset(
    {
        "wagtailusers_users",
        "wagtailusers_groups",
        "wagtailsites",
        "wagtailadmin_collections",
        "wagtailadmin_workflows",
        "wagtailadmin_reports",
    }
)


# Single views: the snippets overview counts every tenant's snippets (staff reach case roles from the Cases menu).
SUPERUSER_ONLY_ADMIN_VIEWS = frozenset({"wagtailsnippets:index"})


class SuperuserOnlyAdminAreasMiddleware:
    """Staff who are not superusers get 403 in the admin areas that are not scoped per tenant."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not (
            SUPERUSER_ONLY_ADMIN_NAMESPACES.intersection(match.namespaces)
            or match.view_name in SUPERUSER_ONLY_ADMIN_VIEWS
        ):
            return None
        user = request.user
        if user.is_authenticated and not user.is_superuser:
            raise PermissionDenied
        return None


def axes_username(request, credentials=None) -> str | None:
    """The sign-in email for django-axes, case-insensitive, from credentials or the login wizard's POST."""
    username = (credentials or {}).get("username")
    if not username and request is not None:
        data = getattr(request, "POST", {})
        username = data.get("auth-username") or data.get("username")
    return username.strip().lower() if username else None


class UserLanguageMiddleware:
    """Signed-in users see the portal in the language saved on their user (after LocaleMiddleware,
    which handles visitors by cookie / Accept-Language). A portal page then limits it to the
    tenant's languages (portal_pages.wagtail_hooks.activate_portal_language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language and language in dict(settings.LANGUAGES) and not request.path.startswith("/admin/"):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


PRIVATE_CONTENT_TYPES = ("application/pdf", "text/csv")


class PrivateResponsesMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in user and on every PDF or CSV export:
    no shared cache (a proxy, a CDN) or browser history keeps a customer's pages, invoices or statements."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or response.get("Content-Type", "").split(";")[0].strip() in PRIVATE_CONTENT_TYPES:
            patch_cache_control(response, private=True, no_store=True)  # drops a "public" the view set
        return response
