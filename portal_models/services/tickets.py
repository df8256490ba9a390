"""Writes on tickets, and the emails they send.

Customers: :func:`ticket_open`, :func:`ticket_comment_add`, :func:`ticket_reopen`.
Staff: :func:`ticket_reply_staff`, :func:`ticket_set_status`, :func:`ticket_assign`, and
:func:`ticket_update_staff` (one admin save: fields, status, assignment, reply).

Emails go out after the transaction commits: to the customer on a public reply or a
status change; to the tenant's support address on a new ticket, a customer note or a
reopen. Internal notes are never emailed to customers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal_models.models import Account, Tenant, Ticket, TicketComment, TicketStatus, User
from portal_models.models.tickets import TicketCategory, TicketSeverity, validate_ticket_attachment
from portal_models.services import outgoing_webhooks as webhooks
from portal_models.services.emails import account_portal_url, admin_url, send_branded_email, tenant_language
from portal_models.staff_access import tenant_desk_staff
from portal_models.storage import storage_guard
from portal_models.text import single_line

SUBJECT_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 10_000  # a description, a note or a reply

# --- emails -------------------------------------------------------------------------------------


def _staff_ticket_url(ticket: Ticket) -> str:
    return admin_url(tenant=ticket.tenant, name="portal_models_ticket_modeladmin_edit", instance_pk=ticket.pk)


def _send(
    *, template: str, subject, to: list[str], ticket: Ticket, reply_to: list[str] | None = None, staff=False, **ctx
):
    """``subject`` is a callable, so that it is worded in each recipient's language."""
    to = [address for address in to if address]
    if not to:
        return
    context = {
        "ticket": ticket,
        "customer_url": account_portal_url(ticket.account, "ticket_detail", pk=ticket.pk),
        "staff_url": _staff_ticket_url(ticket),
        **ctx,
    }
    send_branded_email(
        tenant=ticket.tenant,
        to=to,
        template=f"tickets/{template}",
        context=context,
        language=tenant_language(ticket.tenant) if staff else None,
        subject=lambda: f"[{ticket.reference}] {subject()}",
        reply_to=reply_to or [],
    )


def _customer_recipients(ticket: Ticket) -> list[str]:
    return [ticket.created_by.email] if ticket.created_by and ticket.created_by.is_active else []


def _email_support_new_ticket(ticket: Ticket) -> None:
    _send(
        template="support_new_ticket",
        subject=lambda: (
            _("New ticket from %(account)s: %(subject)s") % {"account": ticket.account.name, "subject": ticket.subject}
        ),
        to=[ticket.tenant.support_email],
        ticket=ticket,
        staff=True,
    )


def _email_support_customer_note(ticket: Ticket, comment: TicketComment, *, reopened: bool = False) -> None:
    _send(
        template="support_customer_note",
        subject=lambda: (
            (_("Ticket reopened: %(subject)s") if reopened else _("New customer note: %(subject)s"))
            % {"subject": ticket.subject}
        ),
        to=[ticket.tenant.support_email],
        ticket=ticket,
        staff=True,
        comment=comment,
        reopened=reopened,
    )


def _email_customer_reply(ticket: Ticket, comment: TicketComment, old_status: str | None = None) -> None:
    """A public reply; with ``old_status``, the status change of the same save is in the same message."""
    assert comment.is_public, "internal notes are never emailed to customers"

    def subject():
        if old_status is None:
            return _("New reply: %(subject)s") % {"subject": ticket.subject}
        return _("New reply, status changed to %(status)s: %(subject)s") % {
            "status": TicketStatus(ticket.status).label,
            "subject": ticket.subject,
        }

    _send(
        template="customer_reply",
        subject=subject,
        to=_customer_recipients(ticket),
        reply_to=[ticket.tenant.support_email],
        ticket=ticket,
        comment=comment,
        old_status=TicketStatus(old_status).label if old_status else "",
    )


def _email_customer_update(ticket: Ticket, comment: TicketComment | None, old_status: str | None) -> None:
    """One message for one staff save: the public reply and/or the status change (nothing when neither)."""
    if comment is not None and comment.is_public:
        _email_customer_reply(ticket, comment, old_status=old_status)
    elif old_status is not None:
        _email_customer_status(ticket, old_status)


def _email_customer_status(ticket: Ticket, old_status: str) -> None:
    _send(
        template="customer_status",
        subject=lambda: (
            _("Status changed to %(status)s: %(subject)s")
            % {"status": TicketStatus(ticket.status).label, "subject": ticket.subject}
        ),
        to=_customer_recipients(ticket),
        reply_to=[ticket.tenant.support_email],
        ticket=ticket,
        old_status=TicketStatus(old_status).label,
    )


def _after_commit(func, *args, **kwargs) -> None:
    transaction.on_commit(lambda: func(*args, **kwargs))


# --- helpers ------------------------------------------------------------------------------------


def _require(value: str, field: str, message: str, *, max_length: int = TEXT_MAX_LENGTH) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("Keep this under %(limit)s characters (it has %(count)s).")
                % {"limit": f"{max_length:,}", "count": f"{len(value):,}"}
            }
        )
    return value


def ticket_subject_clean(subject: str) -> str:
    """A subject is one line (line breaks and control characters become spaces) of at most 200 characters."""
    return _require(single_line(subject), "subject", _("Please enter a subject."), max_length=SUBJECT_MAX_LENGTH)


def _check_attachment(attachment) -> None:
    if attachment:
        try:
            validate_ticket_attachment(attachment)
        except ValidationError as error:
            raise ValidationError({"attachment": error.messages}) from None


def _touch(ticket: Ticket, **fields) -> None:
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*fields, "updated_at"])


# --- customers ----------------------------------------------------------------------------------


@transaction.atomic
def ticket_open(
    *,
    account: Account,
    user: User,
    subject: str,
    description: str,
    category: str = TicketCategory.QUESTION,
    severity: int = TicketSeverity.NORMAL,
) -> Ticket:
    """Open a ticket for ``account``; numbers are sequential per tenant. Emails the tenant's support address."""
    subject = ticket_subject_clean(subject)
    description = _require(description, "description", _("Please describe the request."))
    if category not in TicketCategory.values:
        raise ValidationError({"category": _("Choose a category.")})
    if int(severity) not in TicketSeverity.values:
        raise ValidationError({"severity": _("Choose a severity.")})
    tenant = Tenant.objects.select_for_update().get(pk=account.tenant_id)  # serialises numbering per tenant
    number = (Ticket.objects.filter(tenant=tenant).aggregate(m=Max("number"))["m"] or 1000) + 1
    ticket = Ticket.objects.create(
        tenant=tenant,
        account=account,
        number=number,
        subject=subject,
        description=description,
        category=category,
        severity=int(severity),
        created_by=user,
    )
    _after_commit(_email_support_new_ticket, ticket)
    webhooks.ticket_opened_emit(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_comment_add(*, ticket: Ticket, user: User, body: str, attachment=None) -> TicketComment:
    """A customer's note on their ticket (always public). Emails the tenant's support address."""
    body = _require(body, "body", _("Please write a note."))
    _check_attachment(attachment)
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("tenant", "account").get(pk=ticket.pk)
    if not ticket.accepts_notes:
        raise ValidationError({"body": _("This ticket is closed. Please open a new ticket.")})
    comment = TicketComment(ticket=ticket, author=user, body=body, is_public=True)
    if attachment:
        comment.attachment = attachment
    with storage_guard("attachment"):
        comment.save()
    if ticket.status == TicketStatus.WAITING_ON_CUSTOMER:
        _touch(ticket, status=TicketStatus.OPEN)
    else:
        _touch(ticket)
    _after_commit(_email_support_customer_note, ticket, comment)
    return comment


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, user: User, reason: str = "") -> Ticket:
    """The customer reopens a resolved ticket (with an optional public note)."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("tenant", "account").get(pk=ticket.pk)
    if not ticket.can_reopen:
        raise ValidationError(_("Only a resolved ticket can be reopened."))
    body = (reason or "").strip() or _("The customer reopened this ticket.")
    body = _require(body, "reason", _("Please write a note."))
    comment = TicketComment.objects.create(ticket=ticket, author=user, body=body, is_public=True)
    _touch(ticket, status=TicketStatus.OPEN)
    _after_commit(_email_support_customer_note, ticket, comment, reopened=True)
    return ticket


# --- staff --------------------------------------------------------------------------------------


@transaction.atomic
def ticket_reply_staff(
    *, ticket: Ticket, author: User, body: str, is_public: bool, attachment=None, notify: bool = True
) -> TicketComment:
    """A staff reply (public: emailed to the customer) or an internal note (never shown or sent to customers).
    ``notify=False``: the caller sends one message for the whole save (:func:`ticket_update_staff`)."""
    body = _require(body, "reply", _("Please write the reply."))
    _check_attachment(attachment)
    comment = TicketComment(ticket=ticket, author=author, body=body, is_public=bool(is_public))
    if attachment:
        comment.attachment = attachment
    with storage_guard("reply_attachment"):
        comment.save()
    _touch(ticket)
    if comment.is_public and notify:
        _after_commit(_email_customer_reply, ticket, comment)
    return comment


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, by: User | None = None, notify: bool = True) -> Ticket:
    """Change the status; the customer is emailed when it actually changes (unless ``notify`` is False)."""
    if status not in TicketStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    old = ticket.status
    if old == status:
        return ticket
    _touch(ticket, status=status)
    if notify:
        _after_commit(_email_customer_status, ticket, old)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, by: User | None = None) -> Ticket:
    """Assign the ticket to a support or billing staff member of its tenant (or a superuser), or nobody."""
    if assignee is not None and not tenant_desk_staff(tenant_id=ticket.tenant_id).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {"assigned_to": _("Tickets can only be assigned to support or billing staff of the ticket's tenant.")}
        )
    if ticket.assigned_to_id != (assignee.pk if assignee else None):
        _touch(ticket, assigned_to=assignee)
    return ticket


@transaction.atomic
def ticket_update_staff(
    *,
    ticket: Ticket,
    by: User,
    category: str,
    severity: int,
    status: str,
    assigned_to: User | None,
    reply: str = "",
    reply_is_public: bool = True,
    attachment=None,
) -> Ticket:
    """One save of the staff edit screen: fields, assignment, optional reply or note, then the status; the
    customer gets at most one email for it (the public reply, with the status change when there is one)."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("tenant", "account", "created_by")
        .get(pk=ticket.pk)
    )
    if category not in TicketCategory.values:
        raise ValidationError({"category": _("Choose a category.")})
    if int(severity) not in TicketSeverity.values:
        raise ValidationError({"severity": _("Choose a severity.")})
    if (ticket.category, ticket.severity) != (category, int(severity)):
        _touch(ticket, category=category, severity=int(severity))
    ticket_assign(ticket=ticket, assignee=assigned_to, by=by)
    comment = None
    if (reply or "").strip() or attachment:
        comment = ticket_reply_staff(
            ticket=ticket, author=by, body=reply, is_public=reply_is_public, attachment=attachment, notify=False
        )
    old_status = ticket.status
    ticket_set_status(ticket=ticket, status=status, by=by, notify=False)
    _after_commit(_email_customer_update, ticket, comment, old_status if ticket.status != old_status else None)
    return ticket
