"""The sample account the page editor's preview shows a portal with (issue #26)."""

from __future__ import annotations

from portal_models.access import PortalContext
from portal_models.models import Contact, Tenant, User
from portal_models.staff_access import staff_tenant_ids


def staff_may_see_accounts(*, user: User, tenant: Tenant) -> bool:
    """Whether staff ``user`` may see ``tenant``'s customer accounts in the admin (marketing may not)."""
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    tenant_ids = staff_tenant_ids(user)
    return (tenant_ids is None or tenant.pk in tenant_ids) and user.has_perm("portal_models.view_account")


def preview_portal(*, user: User, tenant: Tenant) -> PortalContext | None:
    """The portal of ``tenant`` as one of its own customers sees it, for a staff member who may see that
    customer's account: the first contact with login rights at the first of the tenant's accounts (by number).
    None for staff who may not see accounts (the preview then shows a fictional customer: services.preview); never an
    account of another tenant."""
    if not staff_may_see_accounts(user=user, tenant=tenant):
        return None
    contact = (
        Contact.objects.login_rights()
        .filter(account__tenant_id=tenant.pk)
        .select_related("account", "user")
        .order_by("account__number", "pk")
        .first()
    )
    if contact is None:
        return None
    contact.account.tenant = tenant
    return PortalContext(user=contact.user, tenant=tenant, contact=contact, contacts=(contact,))
