"""A company's team, run by its owners (and by staff in the admin, through the same functions): the portal rights
of each contact, invitations an existing user accepts before being linked to a company, and the company a user
last chose to work for."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal_models import caching
from portal_models.models import (
    Account,
    Branch,
    Contact,
    SecurityEventType,
    User,
)
from portal_models.services import identity
from portal_models.services.audit import security_event_record
from portal_models.services.invitations import contact_rights, email_right_change

# --- rights --------------------------------------------------------------------------------------


def _owners_left(account: Account, *, without: Contact) -> bool:
    return (
        Contact.objects.with_login().filter(account=account, can_manage_contacts=True).exclude(pk=without.pk).exists()
    )


@transaction.atomic
def contact_set_right(*, contact: Contact, right: str, value: bool, by: User | None = None) -> Contact:
    """Give or take one portal right of ``contact`` (``right``: a field of :func:`contact_rights`).

    The one writer of contact rights, for owners in the portal and staff in the admin: each change is in the audit
    trail and emailed to the contact. Granting "can log in" sends the invitation at once (identity's grant); the
    last owner who can sign in cannot take away their own owner right (or their own login).
    """

    if right not in dict(contact_rights()):
        raise ValidationError({"right": _("Unknown right.")})
    contact = (
        Contact.objects.select_for_update(of=("self",)).select_related("account__tenant", "user").get(pk=contact.pk)
    )
    value = bool(value)
    if getattr(contact, right) == value:
        return contact
    if right == "can_login":
        if value:
            return identity.contact_grant_login(contact=contact, invited_by=by)
        _refuse_last_owner(contact, by=by, losing=right)
        return identity.contact_revoke_login(contact=contact, revoked_by=by)
    if right == "can_manage_contacts" and not value:
        _refuse_last_owner(contact, by=by, losing=right)
    setattr(contact, right, value)
    contact.save(update_fields=[right, "updated_at"])
    security_event_record(
        event=SecurityEventType.RIGHT_CHANGED,
        account=contact.account,
        user=contact.user,
        email=contact.email,
        actor=by,
        details={"contact_id": contact.pk, "right": right, "value": value},
    )
    email_right_change(contact, right=right, value=value, by=by)
    return contact


def _refuse_last_owner(contact: Contact, *, by: User | None, losing: str) -> None:
    if by is None or contact.user_id != by.pk or not contact.can_manage_contacts:
        return
    if not _owners_left(contact.account, without=contact):
        raise ValidationError(
            {
                "right": _("You are the last owner of %(account)s: make another contact an owner first.")
                % {"account": contact.account.name}
            }
        )


def account_owners(*, account: Account) -> list[Contact]:
    """The contacts who may grant rights at ``account`` (owners who can sign in), for "ask them" messages."""
    return list(
        Contact.objects.with_login().filter(account=account, can_manage_contacts=True).order_by("last_name", "pk")
    )


@transaction.atomic
def contact_set_branches(*, contact: Contact, branches, by: User | None = None) -> Contact:
    """Limit ``contact`` to some of their company's branches (``branches`` empty: all branches), for owners in the
    portal and staff in the admin. Another company's branch is refused; the change is in the audit trail."""

    contact = Contact.objects.select_for_update(of=("self",)).select_related("account").get(pk=contact.pk)
    ids = {int(getattr(b, "pk", b)) for b in branches}
    chosen = list(Branch.objects.filter(account_id=contact.account_id, pk__in=ids))
    if len(chosen) != len(ids):
        raise ValidationError({"branches": _("Choose branches of %(account)s.") % {"account": contact.account.name}})
    before = set(contact.branches.values_list("pk", flat=True))
    if before == ids:
        return contact
    contact.branches.set(chosen)
    caching.bump_accounts(contact.account_id)
    security_event_record(
        event=SecurityEventType.RIGHT_CHANGED,
        account=contact.account,
        user=contact.user,
        email=contact.email,
        actor=by,
        details={"contact_id": contact.pk, "right": "branches", "value": sorted(ids)},
    )
    return contact
