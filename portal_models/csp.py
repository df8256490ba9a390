"""Content Security Policy (django-csp): the policy is ``CONTENT_SECURITY_POLICY`` in settings; this
middleware adds the origins of the configured Stripe API and Stripe.js (localstripe in demo and tests,
so the payment wizard works under the same policy everywhere), relaxes the Wagtail admin, whose
own templates still use inline scripts and styles and whose editor frames its own previews, and lets the admin
(only) frame a preview."""

from urllib.parse import urlsplit

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import Resolver404, resolve

ADMIN_PREFIX = "/admin/"  # the Wagtail admin
TWO_FACTOR_PREFIX = "/account/"  # the staff two-factor screens (two_factor's URLs); customer pages may live there too


def origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def stripe_origins() -> list[str]:
    found = {origin(settings.STRIPE_API_BASE), origin(settings.STRIPE_JS_URL)}
    return sorted(o for o in found if o and not o.endswith(".stripe.com"))


def is_admin_preview(request) -> bool:
    """A preview the admin renders (the page editor's panel, "Preview" in a new tab, a draft, a revision): Wagtail
    serves it through the middleware again with a dummy request to the page's own URL, marked ``is_preview``."""
    return bool(getattr(request, "is_preview", False) and getattr(request, "is_dummy", False))


def relaxed(request) -> bool:
    """The admin's weaker policy: the Wagtail admin and the two-factor screens only. A customer page whose path
    starts with /account/ (a portal on a tenant's own domain, served at its root) keeps the portal's nonce policy."""
    path = request.path_info
    if path.startswith(ADMIN_PREFIX):
        return True
    if not path.startswith(TWO_FACTOR_PREFIX):
        return False
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(path)
        except Resolver404:
            return False
    return "two_factor" in match.namespaces


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        extra = stripe_origins()
        if extra:
            update = dict(parts.update or {})
            for directive in ("script-src", "connect-src", "frame-src", "img-src"):
                update[directive] = [*update.get(directive, []), *extra]
            parts.update = update
        if is_admin_preview(request):
            # the portal's own policy, framed by the admin's editor (its live preview panel) and nothing else
            parts.replace = {**(parts.replace or {}), "frame-ancestors": [SELF]}
        if relaxed(request):
            replace = dict(parts.replace or {})
            replace["script-src"] = [SELF, UNSAFE_INLINE]
            replace["style-src"] = [SELF, UNSAFE_INLINE]
            # avatars: Wagtail's default image or an uploaded one (same origin), or Gravatar's when configured
            replace["img-src"] = [SELF, "data:", "blob:", "https://www.gravatar.com"]
            # the editor's live preview panel is an iframe of the admin's own preview URL
            replace["frame-src"] = [SELF, *settings.CONTENT_SECURITY_POLICY["DIRECTIVES"].get("frame-src", []), *extra]
            parts.replace = replace
            parts.nonce = None  # a nonce would make browsers ignore 'unsafe-inline'
        return parts
