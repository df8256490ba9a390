"""Views that wrap third-party flows in the tenant's branding."""

from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.views import LoginView

from .forms import PortalAuthenticationForm


class PortalLoginView(LoginView):
    """django-two-factor-auth's login wizard on a tenant's branded PortalLoginPage."""

    page = None  # the PortalLoginPage, given to as_view()
    template_name = "theme/portal/login.html"
    form_list = (
        (LoginView.AUTH_STEP, PortalAuthenticationForm),
        (LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (LoginView.BACKUP_STEP, BackupTokenForm),
    )

    def dispatch(self, request, *args, **kwargs):
        self.home = self.page.portal_home
        request.portal_tenant = self.home.tenant
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request, *args, **kwargs):
        # One wizard state per tenant, so that two portals open in one browser do not mix.
        return f"portal_login_{self.home.tenant_id}"

    def get_success_url(self):
        return self.get_redirect_url() or self.home.route_url("dashboard", request=self.request)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        context.update({"page": self.page, "self": self.page, "portal_home": self.home, "tenant": self.home.tenant})
        return context
