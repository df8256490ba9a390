"""django-two-factor-auth's enrolment wizard inside a tenant's portal shell."""

from django.urls import reverse
from two_factor.views import SetupView

from .navigation import shell_context


class PortalTwoFactorSetupView(SetupView):
    home = None  # the PortalHomePage, given to as_view()
    template_name = "theme/portal/identity/two_factor_setup.html"

    def get_prefix(self, request, *args, **kwargs):
        return "two_factor_setup"

    def get(self, request, *args, **kwargs):
        # the portal route shows the status once a device exists; here we always start the wizard
        return super(SetupView, self).get(request, *args, **kwargs)

    def get_success_url(self):
        return self.home.route_url("two_factor", request=self.request) + "?enabled=1"

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        portal = self.request.portal
        context.update(
            {
                "page": self.home,
                "self": self.home,
                "portal_home": self.home,
                "tenant": self.home.tenant,
                "portal": portal,
                **shell_context(home=self.home, portal=portal, current=None, request=self.request),
                "cancel_url": self.home.route_url("dashboard", request=self.request),
            }
        )
        if "QR_URL" in context:
            context["QR_URL"] = reverse("two_factor:qr")
        return context


def lockout_response(request, original_response=None, credentials=None):
    """django-axes lockout: a clear, branded message on the sign-in page (status 429)."""
    from django.conf import settings
    from django.template.response import TemplateResponse

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = dict(getattr(original_response, "context_data", None) or {})
    keep = {k: context[k] for k in ("page", "self", "portal_home", "tenant") if k in context}
    if "portal_home" in keep:
        keep["login_page"] = keep["portal_home"].login_page
        template = "theme/portal/identity/locked.html"
    else:
        template = "theme/portal/identity/locked_staff.html"
    return TemplateResponse(request, template, {**keep, "minutes": minutes}, status=429).render()
