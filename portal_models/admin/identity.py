"""Staff screens of identity in the Wagtail admin: grant or revoke portal logins (invitations)
and see / lift django-axes lockouts. Registered from portal_models/wagtail_hooks.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.menu import MenuItem

from portal_models.models import Contact
from portal_models.selectors.identity_admin import contacts_for_logins, lockouts
from portal_models.services import identity, team

from .scoping import admin_queryset

VIEW_PERMISSION = "portal_models.view_contact"
CHANGE_PERMISSION = "portal_models.change_contact"


@permission_required(VIEW_PERMISSION, raise_exception=True)
def portal_logins(request):
    search = request.GET.get("q", "").strip()
    contacts = admin_queryset(request, contacts_for_logins(search=search))
    page = Paginator(contacts, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request, "portal_models/admin/identity/portal_logins.html", {"page_obj": page, "search": search}
    )


@require_POST
@permission_required(CHANGE_PERMISSION, raise_exception=True)
def portal_login_change(request, contact_id: int):
    contact = get_object_or_404(
        admin_queryset(request, Contact.objects.select_related("account__tenant")), pk=contact_id
    )
    if request.POST.get("action") == "revoke":
        team.contact_set_right(contact=contact, right="can_login", value=False, by=request.user)
        messages.success(request, _("%(name)s can no longer sign in.") % {"name": contact.full_name})
    else:
        try:
            if contact.can_login:  # resend
                identity.contact_grant_login(contact=contact, invited_by=request.user)
            else:
                team.contact_set_right(contact=contact, right="can_login", value=True, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": contact.email})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("identity_portal_logins")  # never back to another site (open redirect)
    return redirect(target)


@permission_required(VIEW_PERMISSION, raise_exception=True)
def lockout_list(request):
    page = Paginator(lockouts(user=request.user), 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "portal_models/admin/identity/lockouts.html",
        {"page_obj": page, "limit": settings.AXES_FAILURE_LIMIT},
    )


@require_POST
@permission_required(VIEW_PERMISSION, raise_exception=True)
def lockout_clear(request, attempt_id: int):
    attempt = get_object_or_404(lockouts(user=request.user), pk=attempt_id)
    identity.lockout_clear(attempt_id=attempt.pk)
    messages.success(request, _("Lockout lifted."))
    return redirect("identity_lockouts")


urlpatterns = [
    path("identity/logins/", portal_logins, name="identity_portal_logins"),
    path("identity/logins/<int:contact_id>/", portal_login_change, name="identity_portal_login_change"),
    path("identity/lockouts/", lockout_list, name="identity_lockouts"),
    path("identity/lockouts/<int:attempt_id>/clear/", lockout_clear, name="identity_lockout_clear"),
]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


def menu_items():
    return [
        PermissionMenuItem(
            gettext_lazy("Portal logins"),
            reverse("identity_portal_logins"),
            icon_name="user",
            order=9100,
            permission=VIEW_PERMISSION,
        ),
        PermissionMenuItem(
            gettext_lazy("Sign-in lockouts"),
            reverse("identity_lockouts"),
            icon_name="lock",
            order=9101,
            permission=VIEW_PERMISSION,
        ),
    ]
