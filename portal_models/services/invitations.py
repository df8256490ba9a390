"""The rights a contact can be given (their labels), the email that tells a contact a right changed, the
invitations an existing user accepts before being linked to a company, and the company a user last chose.
Below services.team (which sets the rights) and services.identity (which grants and revokes logins): both use it."""

from __future__ import annotations

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal_models.models import (
    Account,
    AccountChoice,
    Contact,
    ContactInvitation,
    SecurityEventType,
    Tenant,
    User,
)
from portal_models.services.audit import security_event_record
from portal_models.services.emails import send_branded_email

INVITATION_SALT = "portal_models.services.team.invitation"
INVITATION_MAX_AGE = 14 * 24 * 60 * 60  # seconds: a link to join a company works for two weeks

# The rights an owner (or staff) sets per contact, in the order the screens show them. "can_order" joins when the
# contact model has it (orders).
_RIGHTS = [
    ("can_login", gettext_lazy("Can log in")),
    ("can_pay", gettext_lazy("Can pay")),
    ("can_order", gettext_lazy("Can order")),
    ("can_see_documents", gettext_lazy("Can see documents")),
    ("can_manage_contacts", gettext_lazy("Owner (manages contacts and rights)")),
]


def contact_rights() -> list[tuple[str, str]]:
    """(field, label) of every right a contact can be given, as far as the contact model has them."""
    fields = {f.name for f in Contact._meta.get_fields()}
    return [(name, label) for name, label in _RIGHTS if name in fields]


def right_label(right: str) -> str:
    return str(dict(contact_rights()).get(right, right))


def email_right_change(contact: Contact, *, right: str, value: bool, by: User | None) -> None:
    address = contact.user.email if contact.user_id else contact.email
    if not address:
        return
    send_branded_email(
        tenant=contact.account.tenant,
        to=[address],
        template="right_changed",
        context={"contact": contact, "right": right_label(right), "value": value, "changed_by": by},
    )


def invitations_close(*, contact: Contact) -> int:
    """An invitation to sign in as ``contact`` stops working (its login was taken away)."""
    return ContactInvitation.objects.filter(contact=contact, accepted_at__isnull=True, declined_at__isnull=True).update(
        declined_at=timezone.now()
    )


# --- invitations of existing users ---------------------------------------------------------------


def invitation_token(invitation: ContactInvitation) -> str:
    """The signed part of the link (letters, digits, - and _ only: Wagtail's page URLs allow no more)."""
    signed = signing.dumps({"i": invitation.pk, "u": invitation.user_id}, salt=INVITATION_SALT)
    return urlsafe_base64_encode(signed.encode())


def invitation_from_token(*, tenant: Tenant, token: str) -> ContactInvitation | None:
    """The open invitation of a valid, unexpired link on ``tenant``'s portal; None otherwise."""
    try:
        signed = urlsafe_base64_decode(token).decode()
        data = signing.loads(signed, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except (ValueError, UnicodeDecodeError, signing.BadSignature):
        return None
    return (
        ContactInvitation.objects.filter(
            pk=data.get("i"),
            user_id=data.get("u"),
            accepted_at__isnull=True,
            declined_at__isnull=True,
            contact__account__tenant=tenant,
            contact__user__isnull=True,
        )
        .select_related("contact__account__tenant", "user", "invited_by")
        .first()
    )


def invitation_send(*, contact: Contact, user: User, invited_by: User | None = None) -> ContactInvitation:
    """Ask ``user`` (who already exists) to join ``contact``'s company; emails them a signed link to accept."""
    invitation = ContactInvitation.objects.filter(
        contact=contact, user=user, accepted_at__isnull=True, declined_at__isnull=True
    ).first() or ContactInvitation.objects.create(contact=contact, user=user, invited_by=invited_by)
    tenant = contact.account.tenant
    home = tenant.portal_home
    link = home.get_full_url() + home.reverse_subpage("invitation", kwargs={"token": invitation_token(invitation)})
    security_event_record(
        event=SecurityEventType.INVITATION_SENT,
        account=contact.account,
        user=user,
        actor=invited_by,
        details={"contact_id": contact.pk, "invitation_id": invitation.pk},
    )
    send_branded_email(
        tenant=tenant,
        to=[user.email],
        template="invitation_existing",
        context={
            "contact": contact,
            "user": user,
            "invited_by": invited_by,
            "link": link,
            "days": INVITATION_MAX_AGE // (24 * 60 * 60),
        },
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: ContactInvitation, user: User) -> Contact:
    """``user`` accepts: their user becomes the contact's, and the company becomes the one they work for."""
    invitation = ContactInvitation.objects.select_for_update().select_related("contact__account").get(pk=invitation.pk)
    if invitation.user_id != user.pk or not invitation.is_open:
        raise ValidationError(_("This invitation is not for you or is no longer open."))
    contact = Contact.objects.select_for_update().select_related("account__tenant").get(pk=invitation.contact_id)
    if contact.user_id is not None:
        raise ValidationError(_("This contact already signs in with another user."))
    if Contact.objects.filter(account=contact.account, user=user).exists():
        raise ValidationError(_("You already sign in for this company."))
    contact.user = user
    contact.save(update_fields=["user", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    security_event_record(
        event=SecurityEventType.INVITATION_ACCEPTED,
        account=contact.account,
        user=user,
        details={"contact_id": contact.pk, "invitation_id": invitation.pk},
    )
    account_choose(user=user, account=contact.account)
    return contact


@transaction.atomic
def invitation_decline(*, invitation: ContactInvitation, user: User) -> None:
    invitation = ContactInvitation.objects.select_for_update().select_related("contact__account").get(pk=invitation.pk)
    if invitation.user_id != user.pk or not invitation.is_open:
        raise ValidationError(_("This invitation is not for you or is no longer open."))
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])
    security_event_record(
        event=SecurityEventType.INVITATION_DECLINED,
        account=invitation.contact.account,
        user=user,
        details={"contact_id": invitation.contact_id, "invitation_id": invitation.pk},
    )


# --- the company a user works for --------------------------------------------------------------


def account_choose(*, user: User, account: Account) -> None:
    """Remember ``account`` as the company ``user`` works for on its tenant's portal (where they land next time)."""
    AccountChoice.objects.update_or_create(user=user, tenant_id=account.tenant_id, defaults={"account": account})


def account_chosen(*, user: User, tenant: Tenant) -> int | None:
    return AccountChoice.objects.filter(user=user, tenant=tenant).values_list("account_id", flat=True).first()
