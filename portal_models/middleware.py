"""Staff always use two-factor authentication for the Wagtail admin."""

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
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


def axes_username(request, credentials=None) -> str | None:
    """The sign-in email for django-axes, case-insensitive, from credentials or the login wizard's POST."""
    username = (credentials or {}).get("username")
    if not username and request is not None:
        data = getattr(request, "POST", {})
        username = data.get("auth-username") or data.get("username")
    return username.strip().lower() if username else None
