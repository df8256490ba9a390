"""Support tickets: customers open and follow service requests, staff answer them in the admin."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..uploads import content_matches
from .tenants import Account, SyncStamped, Tenant, external_id_field, external_id_unique

ATTACHMENT_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "gif", "txt", "log", "csv", "doc", "docx", "xls", "xlsx", "zip")
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def attachment_max_bytes() -> int:
    return int(getattr(settings, "PORTAL_TICKET_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def validate_ticket_attachment(file) -> None:
    """Allowed types and size of a file attached to a ticket comment (used by forms and services)."""
    extension = os.path.splitext(file.name or "")[1].lower().lstrip(".")
    if extension not in ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            _("Files of type “.%(extension)s” cannot be attached. Allowed: %(allowed)s."),
            code="attachment_type",
            params={"extension": extension or "?", "allowed": ", ".join(ATTACHMENT_EXTENSIONS)},
        )
    if file.size > attachment_max_bytes():
        raise ValidationError(
            _("The file is %(size)s; attachments may be at most %(limit)s."),
            code="attachment_size",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(attachment_max_bytes())},
        )
    if not getattr(file, "_committed", False) and not content_matches(extension, file):  # a new upload only
        raise ValidationError(
            _("The file's content is not a .%(ext)s file. Check that you chose the right file."),
            code="attachment_content",
            params={"ext": extension},
        )


def ticket_attachment_path(instance, filename: str) -> str:
    ticket = instance.ticket
    return f"tickets/{ticket.tenant_id}/{ticket.account_id}/{ticket.number}/{filename}"


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class TicketSeverity(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class TicketCategory(models.TextChoices):
    QUESTION = "question", _("Question")
    PROBLEM = "problem", _("Problem / bug")
    SERVICE_CALL = "service_call", _("Service call")
    BILLING = "billing", _("Billing")
    FEATURE = "feature", _("Feature request")
    OTHER = "other", _("Other")


class Ticket(SyncStamped):
    """A service request of an account. ``number`` is sequential per tenant (shown as T-<number>)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="tickets", editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="tickets", editable=False)
    number = models.PositiveIntegerField(editable=False)
    subject = models.CharField(max_length=200)
    description = models.TextField()
    category = models.CharField(max_length=20, choices=TicketCategory.choices, default=TicketCategory.QUESTION)
    severity = models.PositiveSmallIntegerField(choices=TicketSeverity.choices, default=TicketSeverity.NORMAL)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="tickets_opened", editable=False
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets_assigned",
        limit_choices_to={"is_staff": True},
        verbose_name=_("assigned staff member"),
    )
    external_id = external_id_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_number_unique_per_tenant"),
            external_id_unique("tenant", "ticket"),
        ]
        indexes = [
            models.Index(fields=["tenant", "updated_at", "id"], name="ticket_sync"),
            models.Index(fields=["account", "-updated_at"], name="ticket_account_updated"),
            models.Index(fields=["tenant", "status"], name="ticket_tenant_status"),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"T-{self.number}"

    @property
    def can_reopen(self) -> bool:
        return self.status == TicketStatus.RESOLVED

    @property
    def accepts_notes(self) -> bool:
        return self.status != TicketStatus.CLOSED


class TicketCommentQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)


class TicketComment(models.Model):
    """A message on a ticket: public (the customer sees it) or an internal staff note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField()
    is_public = models.BooleanField(_("visible to the customer"), default=True)
    attachment = models.FileField(
        upload_to=ticket_attachment_path, blank=True, max_length=300, validators=[validate_ticket_attachment]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TicketCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "is_public", "created_at"], name="ticket_comment_thread")]

    def __str__(self):
        return f"{'Reply' if self.is_public else 'Internal note'} on {self.ticket.reference}"

    @property
    def attachment_name(self) -> str:
        return os.path.basename(self.attachment.name) if self.attachment else ""

    @property
    def by_staff(self) -> bool:
        return bool(self.author and self.author.is_staff)
