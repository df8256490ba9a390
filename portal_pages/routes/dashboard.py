from django.shortcuts import redirect
from django.template.response import TemplateResponse
from wagtail.contrib.routable_page.models import path

from portal_models import access

from .base import PortalRoutesBase, customer_route


class DashboardRoutes(PortalRoutesBase):
    @path("")
    def index_route(self, request, *args, **kwargs):
        """The portal's address: the dashboard when signed in here, the sign-in page otherwise."""
        if access.can_sign_in(user=request.user, tenant=self.tenant):
            return redirect(self.route_url("dashboard", request=request))
        return redirect(self.login_url(request))

    @customer_route(r"^dashboard/$", name="dashboard")
    def dashboard(self, request, portal):
        return self.render_portal(
            request, "theme/portal/dashboard.html", lambda: self.dashboard_context(request, portal), cache_page=True
        )

    def serve_preview(self, request, mode_name):
        """Editors preview the welcome message and branding in the signed-in shell, without customer data."""
        return TemplateResponse(
            request,
            "theme/portal/dashboard.html",
            {
                "page": self,
                "self": self,
                "portal_home": self,
                "content_page": getattr(request, "portal_content_page", None) or self,
                "tenant": self.tenant,
                "preview": True,
            },
        )
