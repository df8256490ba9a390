"""Helpers shared by every customer route of PortalHomePage."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.template.response import TemplateResponse
from wagtail.contrib.routable_page.models import re_path

from portal_models import access, caching

from .. import fragments
from ..navigation import shell_context

# A link that is about one company (``?account=<account number>``, as in a payment reminder): a user who acts for
# several companies is asked to switch to it first (a POST), or sent on without it when it is already theirs.
ACCOUNT_PARAM = "account"


def customer_route(pattern: str, *, name: str, nav: str | None = None):
    """Declare a signed-in customer screen of the portal.

    The handler receives ``(self, request, portal, *args)``, where ``portal`` is the
    :class:`portal_models.access.PortalContext` — the one access check. Visitors who may
    not use this tenant's portal are sent to its sign-in page.
    """

    def decorator(func):
        @wraps(func)
        def wrapper(page, request, *args, **kwargs):
            portal = enter_portal(page, request, name)
            if not isinstance(portal, access.PortalContext):
                return portal  # to sign in, to change the temporary password or to enrol in 2FA
            request.portal = portal
            request.portal_nav = nav or name
            if request.method == "GET" and ACCOUNT_PARAM in request.GET:
                return page.account_link(request, portal)
            return func(page, request, portal, *args, **kwargs)

        wrapper.customer_route = name  # marks the handler as access-checked (the security tests look for it)
        return re_path(pattern, name=name)(wrapper)

    return decorator


def enter_portal(home, request, screen: str):
    """The signed-in customer's PortalContext on ``home``'s portal, or the response that must come first: the
    sign-in page, the forced change of a temporary password, or two-factor enrolment when the tenant requires it.
    Every customer screen goes through here (the customer routes and the document library page)."""
    try:
        portal = access.portal_context(request, tenant=home.tenant)
    except access.NotSignedIn:
        return redirect_to_login(request.get_full_path(), home.login_url(request))
    if request.user.must_change_password and screen != "change_password":
        redirect = home.password_change_redirect(request)
        if redirect is not None:
            return redirect
    redirect = home.two_factor_enrolment_redirect(request, screen)
    if redirect is not None:
        return redirect
    return portal


class PortalRoutesBase:
    """Rendering shared by the customer routes (mixed into PortalHomePage)."""

    def password_change_redirect(self, request):
        """Where a user with a temporary password must go first (None when no such screen exists)."""
        from django.shortcuts import redirect
        from django.urls import NoReverseMatch

        try:
            return redirect(self.route_url("change_password", request=request))
        except NoReverseMatch:
            return None

    def account_link(self, request, portal):
        """A customer screen opened from a link naming a company (:data:`ACCOUNT_PARAM`): the same screen
        without the parameter when that company is the active one, or not one of the user's (nothing is
        revealed about it); else a page that offers to switch to it and come back here. Opening a link changes
        nothing: the switch is the company switch's own POST."""
        from django.shortcuts import redirect

        params = request.GET.copy()
        number = params.pop(ACCOUNT_PARAM, [""])[-1]
        here = request.path + (f"?{params.urlencode()}" if params else "")
        wanted = next((c.account for c in portal.contacts if c.account.number == number), None)
        if wanted is None or wanted.pk == portal.account.pk:
            return redirect(here)
        context = {"wanted": wanted, "next_url": here}
        return self.render_portal(request, "theme/portal/account_link.html", context)

    def dashboard_context(self, request, portal) -> dict:
        """Context for the dashboard widgets; each route mixin adds its own and calls super()."""
        return {}

    def two_factor_enrolment_redirect(self, request, route_name: str):
        """Where a user must enrol a second factor first (None when not required; see routes/identity.py)."""
        return None

    def render_portal(self, request, template: str, context=None, *, status: int = 200, cache_page: bool = False):
        """The screen in the signed-in shell.

        ``context`` is a dict, or a callable returning one. With ``cache_page`` the whole page is cached (holes for
        the per-request values, see :mod:`portal_pages.fragments`) and a callable context is only called when the
        page is not in the cache. Use it only for screens whose every part is covered by the key: the account's
        and tenant's data and the contact's rights (``fragment_key``), the header's (``header_key``: branding,
        pages, the user, their companies) and the full path; the access check has run before, on every request.
        """
        portal = request.portal
        current = getattr(request, "portal_nav", None)
        base = {
            "page": self,
            "self": self,
            "portal_home": self,
            "tenant": self.tenant,
            "portal": portal,
            "fragment_key": caching.fragment_key(portal, self),  # for {% cache %} around account data
            **shell_context(home=self, portal=portal, current=current, request=request),
        }

        def full_context() -> dict:
            # the page whose content (welcome message) to show: its translation in the active language
            base["content_page"] = getattr(request, "portal_content_page", None) or self.localized_content(request)
            base.update((context() if callable(context) else context) or {})
            return base

        if cache_page and status == 200 and fragments.page_cacheable(request):
            key_parts = (base["header_key"], base["fragment_key"], request.get_full_path())
            return fragments.page_response(request, template, key_parts, full_context)
        return TemplateResponse(request, template, full_context(), status=status)
