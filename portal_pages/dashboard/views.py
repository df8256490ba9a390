"""The portal's address and its dashboard (the widgets of :mod:`.widgets`), and the editors' preview."""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from portal_models import access
from portal_models.models import Announcement
from portal_models.selectors.preview import preview_portal
from portal_models.services.announcements import announcement_dismiss as announcement_dismiss_service
from portal_models.services.preview import sample_portal

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
    return render_screen(page, request, TEMPLATE, _dashboard_context(page, request, portal))


@customer_screen(name="announcement_dismiss")
def announcement_dismiss(page, request, portal, pk: int):
    """The announcement's "Dismiss" button (a form: works without JavaScript); back to the dashboard."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        announcement_dismiss_service(portal=portal, announcement_id=pk)
    except Announcement.DoesNotExist:
        raise Http404("No such announcement.") from None
    messages.success(request, _("The announcement is dismissed."))
    return redirect(page.route_url("dashboard", request=request))


def preview(page, request):
    """The page editor's preview of a portal home (the edited, unsaved page): the signed-in dashboard with its
    widgets, navigation and modules as edited, for the tenant's first customer when the staff member may see
    accounts, else for a fictional customer that is never committed (marketing sees no customer's data)."""
    if not page.tenant_id:
        context = base_context(page, request)
        context.update(content_page=getattr(request, "portal_content_page", None) or page, preview=True)
        return TemplateResponse(request, TEMPLATE, context)
    portal = preview_portal(user=request.user, tenant=page.tenant)
    if portal is not None:
        return _preview_render(page, request, portal, sample=False)
    with sample_portal(tenant=page.tenant) as portal:
        return _preview_render(page, request, portal, sample=True).render()  # rendered before the rollback


def _preview_render(page, request, portal, *, sample: bool):
    request.portal = portal
    return render_screen(
        page,
        request,
        TEMPLATE,
        {**_dashboard_context(page, request, portal), "preview_account": portal.account, "preview_sample": sample},
    )


def _dashboard_context(page, request, portal) -> dict:
    """The dashboard's widgets as the portal home places them, for the customer and for the editor's preview."""
    return {
        "widgets": dashboard_widgets(home=page, request=request, portal=portal),
        "tickets_on": is_on(page, "tickets"),
    }
