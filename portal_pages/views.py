"""Views that wrap third-party flows in the tenant's branding, and the page view."""

from django.shortcuts import render
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.views import LoginView
from wagtail.views import serve as wagtail_serve

from . import routing_cache
from .forms import PortalAuthenticationForm
from .models import portal_home_for_path


def serve_page(request, path):
    """Wagtail's page view, with the request's Site (and root page) from the routing cache."""
    request._wagtail_site = routing_cache.site_for_request(request)
    return wagtail_serve(request, path)


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

    def done(self, form_list, **kwargs):
        response = super().done(form_list, **kwargs)
        self.save_language_choice()
        return response

    def save_language_choice(self):
        """A language chosen on the sign-in page (the language cookie) becomes the user's language."""
        from django.conf import settings
        from django.utils import translation

        from portal_models.languages import offered_languages
        from portal_models.services.users import user_set_language

        user = self.request.user
        if user.is_authenticated and self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            offered = [code for code, _name in offered_languages(self.home.tenant)]
            user_set_language(user=user, language=translation.get_language(), allowed=offered)

    def get_prefix(self, request, *args, **kwargs):
        # One wizard state per tenant, so that two portals open in one browser do not mix.
        return f"portal_login_{self.home.tenant_id}"

    def get_success_url(self):
        return self.get_redirect_url() or self.home.route_url("dashboard", request=self.request)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        content = self.page.localized_content(self.request)
        context.update({"page": content, "self": content, "portal_home": self.home, "tenant": self.home.tenant})
        return context


def page_not_found(request, exception):
    """The 404 page (``handler404``). On a tenant's portal it is branded and leads back to the portal; what was
    not found, and why, is never told (another account's invoice is as unknown as one that never existed)."""
    home = portal_home_for_path(request)
    if home is None:
        return render(request, "404.html", status=404)
    context = {"portal_home": home, "tenant": home.tenant, "page": home}
    return render(request, "theme/portal/404.html", context, status=404)
