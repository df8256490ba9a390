from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RegistrationRequest(models.Model):
    """One self-registration on a tenant's portal (seed 000): what was entered, and the emailed code."""

    class Status(models.TextChoices):
        CODE_SENT = "code_sent", _("Code sent")
        VERIFIED = "verified", _("Verified")
        NOT_FOUND = "not_found", _("Account not found")
        LOCKED = "locked", _("Too many attempts")

    tenant = models.ForeignKey("portal_models.Tenant", on_delete=models.CASCADE, related_name="registrations")
    contact = models.ForeignKey(
        "portal_models.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="registrations"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    company = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    code_hash = models.CharField(max_length=128, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "email"])]

    def __str__(self):
        return f"{self.email} ({self.get_status_display()})"

    @property
    def code_expired(self) -> bool:
        return self.code_expires_at is None or self.code_expires_at <= timezone.now()
