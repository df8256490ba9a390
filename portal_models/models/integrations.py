"""Integrations kept in the portal: outgoing webhook endpoints, their deliveries and each attempt, and the
imports billing staff run from CSV or XLSX files."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tenants import Tenant


class WebhookEvent(models.TextChoices):
    """The events a tenant's endpoints may subscribe to (the ``type`` of a delivery's body)."""

    PAYMENT_RECORDED = "payment.recorded", _("Payment recorded")
    PAYMENT_FAILED = "payment.failed", _("Payment failed")
    PAYMENT_REFUNDED = "payment.refunded", _("Refund")
    INVOICE_VIEWED = "invoice.viewed", _("Invoice viewed")
    TICKET_OPENED = "ticket.opened", _("Ticket opened")
    ORDER_PLACED = "order.placed", _("Order placed")


class WebhookEndpoint(models.Model):
    """A URL of the tenant's own system that receives the events it subscribed to, signed with its secret."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    # The HMAC key deliveries are signed with: the portal needs it in clear to sign; staff see it once.
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["tenant", "url", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        labels = dict(WebhookEvent.choices)
        return [str(labels.get(event, event)) for event in self.events]


class WebhookDelivery(models.Model):
    """One event for one endpoint: its body, fixed when the event happened, and where its delivery stands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)  # the same for every endpoint of one event
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    body = models.TextField()  # the exact JSON that is signed and sent, every attempt the same bytes
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # when a worker took it (status sending)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["endpoint", "status", "-created_at"], name="webhook_delivery_status")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint.url}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the receiver answered (or why there was no answer) and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique")]

    def __str__(self) -> str:
        return f"#{self.number}: {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    INVOICES = "invoices", _("Invoices with lines")


class ImportRun(models.Model):
    """A file billing staff uploaded to import into one tenant: checked (the dry run's report, row by row) and,
    once every row passes, applied all at once."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked")
        REFUSED = "refused", _("Has refused rows")
        APPLIED = "applied", _("Imported")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="import_runs")
    kind = models.CharField(_("what"), max_length=12, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8)  # csv or xlsx
    content = models.BinaryField()  # the uploaded file, so that the import applies exactly what was checked
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CHECKED)
    report = models.JSONField(default=dict)  # totals and rows of the last check or import
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name
