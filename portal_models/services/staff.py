"""Staff accounts are made by invitation: the admin never types a staff member's password. Creating a staff user,
or giving an existing user admin access, emails them a one-time signed link to choose their password (or, when
they already have one, the address of the admin's sign-in); two-factor enrolment follows at their first sign-in."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from portal_models.models import SecurityEventType, Tenant, User
from portal_models.services.audit import security_event_record
from portal_models.services.emails import send_branded_email
from portal_models.services.identity import HOUR, set_password_tokens
from portal_models.staff_access import staff_tenants


def user_has_admin_access(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("wagtailadmin.access_admin"))


def staff_set_password_link(*, user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("staff_set_password", kwargs={"uidb64": uidb64, "token": set_password_tokens.make_token(user)})
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _sender_tenant(user: User) -> Tenant:
    tenant = staff_tenants(user).order_by("pk").first() or Tenant.objects.order_by("pk").first()
    if tenant is None:
        raise ValidationError(_("Create a tenant first: staff invitations are sent in its name."))
    return tenant


def staff_invite(*, user: User, invited_by: User | None = None) -> None:
    """Email ``user`` their invitation to the admin: a set-password link when they have no password yet (a new
    staff member: their password is made unusable until then), else the admin's sign-in address."""
    for cached in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_portal_staff_tenant_ids"):
        user.__dict__.pop(cached, None)
    if not user_has_admin_access(user):
        return
    if not user.has_usable_password():
        link = staff_set_password_link(user=user)
    else:
        link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("two_factor:login")
    security_event_record(event=SecurityEventType.LOGIN_GRANTED, user=user, actor=invited_by, details={"staff": True})
    send_branded_email(
        tenant=_sender_tenant(user),
        to=[user.email],
        template="staff_invitation",
        context={
            "user": user,
            "invited_by": invited_by,
            "link": link,
            "set_password": not user.has_usable_password(),
            "days": settings.PASSWORD_RESET_TIMEOUT // (24 * HOUR),
        },
    )
