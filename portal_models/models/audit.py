"""The customer security audit trail: sign-ins, failed sign-ins, second factors, passwords, login rights,
payments and refunds. Staff changes are in Wagtail's own log. Written only by ``services.audit``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SecurityEventType(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
    SIGN_OUT = "sign_out", _("Signed out")
    TWO_FACTOR_ADDED = "two_factor_added", _("Two-factor device added")
    TWO_FACTOR_REMOVED = "two_factor_removed", _("Two-factor device removed")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    PASSWORD_RESET = "password_reset", _("Password set from a one-time link")
    LOGIN_GRANTED = "login_granted", _("Login rights granted (invitation sent)")
    LOGIN_REVOKED = "login_revoked", _("Login rights revoked")
    RIGHT_CHANGED = "right_changed", _("Portal right changed")
    INVITATION_SENT = "invitation_sent", _("Invitation to join a company sent")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation to join a company accepted")
    INVITATION_DECLINED = "invitation_declined", _("Invitation to join a company declined")
    PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
    REFUND_RECORDED = "refund_recorded", _("Refund recorded")
    PAYMENT_MISMATCH = "payment_mismatch", _("Payment event refused (does not match what was asked)")
    API_WRITE = "api_write", _("Change made through the integration API")
    API_KEY_CREATED = "api_key_created", _("API key created")
    API_KEY_REVOKED = "api_key_revoked", _("API key revoked")


class SecurityEvent(models.Model):
    wagtail_reference_index_ignore = True  # an audit trail: nothing to find usages of

    tenant = models.ForeignKey(
        "portal_models.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="security_events"
    )
    account = models.ForeignKey(
        "portal_models.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="security_events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
        help_text=_("Whom the event is about."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who did it, when not the user themselves (staff, an account owner)."),
    )
    email = models.CharField(_("email"), max_length=254, blank=True, db_index=True)
    event = models.CharField(_("event"), max_length=40, choices=SecurityEventType.choices, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [models.Index(fields=["tenant", "-created_at"]), models.Index(fields=["event", "-created_at"])]

    def __str__(self):
        return f"{self.get_event_display()} · {self.email or '-'}"
