"""The portal's address and its dashboard (the widgets of :mod:`.widgets`), and the editors' preview."""

from django.shortcuts import redirect
from django.template.response import TemplateResponse

from portal_models import access

from ..modules import is_on
from ..screen import base_context, customer_screen, render_screen
from .widgets import dashboard_widgets

TEMPLATE = "theme/portal/dashboard.html"


def index_route(page, request, *args, **kwargs):
    """The portal's address: the dashboard when signed in here, the sign-in page otherwise."""
    if access.can_sign_in(user=request.user, tenant=page.tenant):
        return redirect(page.route_url("dashboard", request=request))
    return redirect(page.login_url(request))


@customer_screen(name="dashboard")
def dashboard(page, request, portal):
    return render_screen(
        page,
        request,
        TEMPLATE,
        lambda: {
            "widgets": dashboard_widgets(home=page, request=request, portal=portal),
            "tickets_on": is_on(page, "tickets"),
        },
        cache_page=True,
    )


def preview(page, request):
    """Editors preview the welcome message and branding in the signed-in shell, without customer data."""
    context = base_context(page, request)
    context.update(content_page=getattr(request, "portal_content_page", None) or page, preview=True)
    return TemplateResponse(request, TEMPLATE, context)
