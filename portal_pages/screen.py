"""What every customer screen of a portal shares: the one decorator (tenant, access check, forced password change,
two-factor policy), the one base context, and the one render function.

A screen is a plain view function ``view(page, request, portal, *args)``, declared in its feature's ``views.py``
and mounted by the feature's ``urls.py`` through ``PortalHomePage.get_subpage_urls()`` (Wagtail binds the page as
the view's first argument).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from portal_models import access
from portal_models.models import Contact
from portal_models.services.invitations import right_label
from portal_models.services.team import account_owners

from .navigation import shell_context

# A link that is about one company (``?account=<account number>``, as in a payment reminder): a user who acts for
# several companies is asked to switch to it first (a POST), or sent on without it when it is already theirs.
ACCOUNT_PARAM = "account"

# Screens a user with a temporary password, or without a required second factor, may still open.
PASSWORD_SCREEN = "change_password"
TWO_FACTOR_SCREENS = ("two_factor", PASSWORD_SCREEN)


def customer_screen(*, name: str, nav: str | None = None, shell: bool = True):
    """Declare a signed-in customer screen (its route ``name``; ``nav``: the navigation entry it lights up;
    ``shell=False``: it answers a file or JSON, not a page in the signed-in shell).

    The view receives ``(page, request, portal, *args)``, where ``portal`` is the
    :class:`portal_models.access.PortalContext` — the one access check. Visitors who may not use this tenant's
    portal are sent to its sign-in page.
    """

    def decorator(func):
        @wraps(func)
        def wrapper(page, request, *args, **kwargs):
            portal = enter_portal(page, request, name, shell=shell)
            if not isinstance(portal, access.PortalContext):
                return portal  # to sign in, to change the temporary password or to enrol in 2FA
            request.portal = portal
            request.portal_nav = nav or name
            if request.method == "GET" and ACCOUNT_PARAM in request.GET:
                return account_link(page, request, portal)
            try:
                return func(page, request, portal, *args, **kwargs)
            except access.MissingRight as missing:
                return missing_right(page, request, portal, missing.permission)

        wrapper.customer_route = name  # marks the view as access-checked (the security tests look for it)
        return wrapper

    return decorator


def enter_portal(home, request, screen: str, *, shell: bool = True):
    """The signed-in customer's PortalContext on ``home``'s portal, or the response that must come first: the
    sign-in page, the forced change of a temporary password, or two-factor enrolment when the tenant requires it.
    Every customer screen goes through here (the customer screens and the document library page)."""
    try:
        portal = access.portal_context(request, tenant=home.tenant, header=shell)
    except access.NotSignedIn:
        if request.user.is_authenticated and revoked_here(request.user, home.tenant):
            messages.error(
                request,
                _(
                    "Your sign-in to the %(tenant)s portal was turned off by an owner of your company or by "
                    "%(tenant)s. Ask them to give it back, or write to %(email)s."
                )
                % {"tenant": home.tenant.name, "email": home.tenant.support_email},
            )
            logout(request)
        return redirect_to_login(request.get_full_path(), home.login_url(request))
    if request.user.must_change_password and screen != PASSWORD_SCREEN:
        return redirect(home.route_url(PASSWORD_SCREEN, request=request))
    if screen not in TWO_FACTOR_SCREENS and _two_factor_missing(home, request.user):
        messages.warning(
            request,
            _("%(tenant)s requires two-factor authentication. Please set it up to continue.") % {"tenant": home.tenant},
        )
        return redirect(home.route_url("two_factor", request=request))
    return portal


def revoked_here(user, tenant) -> bool:
    """``user`` is a contact of ``tenant`` whose login rights were taken away (signed in before that)."""
    return Contact.objects.filter(user_id=user.pk, account__tenant_id=tenant.pk).exists()


def missing_right(home, request, portal, permission: str):
    """The page for a right the contact lacks at their own company: which right, and who can grant it."""
    return render_screen(
        home,
        request,
        "theme/portal/missing_right.html",
        {
            "right": right_label(permission),
            "owners": account_owners(account=portal.account),
            "grants_rights": portal.has(access.PortalPermission.MANAGE_CONTACTS),  # an owner gives it to themselves
        },
        status=403,
    )


def _two_factor_missing(home, user) -> bool:
    """Users of a tenant that requires two-factor authentication must enrol before anything else."""
    return home.tenant.two_factor_policy == home.tenant.TwoFactorPolicy.REQUIRED and not user_has_device(user)


def account_link(home, request, portal):
    """A customer screen opened from a link naming a company (:data:`ACCOUNT_PARAM`): the same screen without the
    parameter when that company is the active one, or not one of the user's (nothing is revealed about it); else a
    page that offers to switch to it and come back here. Opening a link changes nothing: the switch is the company
    switch's own POST."""
    params = request.GET.copy()
    number = params.pop(ACCOUNT_PARAM, [""])[-1]
    here = request.path + (f"?{params.urlencode()}" if params else "")
    wanted = next((c.account for c in portal.contacts if c.account.number == number), None)
    if wanted is None or wanted.pk == portal.account.pk:
        return redirect(here)
    return render_screen(home, request, "theme/portal/account_link.html", {"wanted": wanted, "next_url": here})


def base_context(home, request, *, page=None, portal=None, current: str | None = None) -> dict:
    """The context every portal template starts from: the page shown (``page``/``self``, by default the portal
    home), the portal and its tenant; for a signed-in customer (``portal``) also the shell (navigation, header)."""
    page = home if page is None else page
    context = {"page": page, "self": page, "portal_home": home, "tenant": home.tenant}
    if portal is not None:
        context["portal"] = portal
        context.update(shell_context(home=home, portal=portal, current=current, request=request))
    return context


def render_screen(home, request, template: str, context: dict | None = None, *, status: int = 200):
    """A customer screen in the signed-in shell, with the screen's own ``context``.

    Signed-in pages are rendered for each request: no page or fragment of them is cached (in the benchmark's
    mix of many customers such caches were never hit, and every template would have had to keep their keys
    right). What the pages read per account may be cached (``portal_models.caching.for_portal``).
    """
    base = base_context(home, request, portal=request.portal, current=getattr(request, "portal_nav", None))
    # the page whose content (welcome message) to show: its translation in the active language
    base["content_page"] = getattr(request, "portal_content_page", None) or home.localized_content(request)
    base.update(context or {})
    return TemplateResponse(request, template, base, status=status)
