"""Keys of the integration API (``/api/v1/``) and the responses kept for its idempotency keys.

Staff make and revoke keys in the Wagtail admin; the secret is shown once and only its SHA-256 is stored (a key's
secret is 32 random bytes, so a fast hash is as safe as a slow one and lets every request find its key by an
index). Written only by ``services.api_keys`` and ``services.idempotency``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tenants import Tenant


class ApiScope(models.TextChoices):
    READ = "read", _("Read every record of the tenant")
    WRITE_BILLING = "write_billing", _("Write billing: accounts, contacts, invoices, credit memos, payments")
    WRITE_SUPPORT = "write_support", _("Write support: ticket replies, documents, orders and deliveries")


class ApiKey(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("tenant"))
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses the key, e.g. “ERP sync”."))
    # The public part of the key (``ptk_<prefix>_<secret>``), shown in the admin to tell keys apart.
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scope_read = models.BooleanField(_("read"), default=True, help_text=ApiScope.READ.label)
    scope_write_billing = models.BooleanField(_("write billing"), default=False, help_text=ApiScope.WRITE_BILLING.label)
    scope_write_support = models.BooleanField(_("write support"), default=False, help_text=ApiScope.WRITE_SUPPORT.label)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["tenant", "name", "pk"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} (ptk_{self.prefix}_…)"

    # What DRF and the staff scoping ask of ``request.user``: a key is "signed in" while it is not revoked.
    is_authenticated = True
    is_superuser = False
    is_staff = False

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scopes(self) -> frozenset[str]:
        flags = {
            ApiScope.READ: self.scope_read,
            ApiScope.WRITE_BILLING: self.scope_write_billing,
            ApiScope.WRITE_SUPPORT: self.scope_write_support,
        }
        return frozenset(str(scope) for scope, on in flags.items() if on)


class IdempotentRequest(models.Model):
    """A POST made with an ``Idempotency-Key``: a retry with the same key gets the same response, and makes
    nothing a second time. Only successful responses are kept (a refused request may be corrected and retried)."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="idempotent_requests")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text=_("SHA-256 of the method, path and body."))
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="one_response_per_idempotency_key")]

    def __str__(self):
        return f"{self.key} → {self.status_code}"
