"""The user menu: switch company, light / dark theme, sign out."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as sign_out
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from portal_models import access
from portal_models.languages import offered_languages
from portal_models.services.invitations import account_choose
from portal_models.services.users import user_set_language, user_set_theme

from ..screen import customer_screen


def _back(request, fallback: str) -> str:
    return _next(request, fallback, request.POST.get("next") or request.META.get("HTTP_REFERER") or "")


def _next(request, fallback: str, target: str | None = None) -> str:
    """``target`` (by default the form's ``next``) if it is a URL of this site, else ``fallback``."""
    target = request.POST.get("next", "") if target is None else target
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@customer_screen(name="switch_account")
def switch_account(page, request, portal):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        account_id = int(request.POST.get("account", ""))
    except ValueError:
        account_id = 0
    account = access.switch_account(request, portal=portal, account_id=account_id)
    account_choose(user=request.user, account=account)  # where they land after the next sign-in
    # no full stop after the name: company names often end with one (Test Inc.)
    messages.success(request, _("You are now working for %(name)s") % {"name": account.name})
    return redirect(_next(request, page.route_url("dashboard", request=request)))


@customer_screen(name="set_theme")
def set_theme(page, request, portal):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user_set_theme(user=request.user, theme=request.POST.get("theme", ""))
    return redirect(_back(request, page.route_url("dashboard", request=request)))


@customer_screen(name="set_language")
def set_language(page, request, portal):
    """The user menu's language choice: saved on the user, and in the cookie for the sign-in page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    offered = [code for code, _name in offered_languages(page.tenant)]
    user = user_set_language(user=request.user, language=request.POST.get("language", ""), allowed=offered)
    response = redirect(_back(request, page.route_url("dashboard", request=request)))
    if user.language in offered:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response


def logout(page, request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    sign_out(request)
    messages.info(request, _("You have been signed out."))
    return redirect(page.login_url(request))
