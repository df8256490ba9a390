"""Business checks a customer says are in the mail (seed 000's "Business Check"): the invoices they pay are claimed
(``PaymentClaim``, "check on its way", not paid) until billing staff record the check received (a Payment with the
check number) or not received (the claim lapses). Written only by ``services.checks``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .billing import MONEY, Invoice, Payment
from .tenants import Account, Tenant


class PromisedCheck(models.Model):
    class Status(models.TextChoices):
        PROMISED = "promised", _("On its way")
        RECEIVED = "received", _("Received")
        NOT_RECEIVED = "not_received", _("Not received")

    wagtail_reference_index_ignore = True  # a ledger record, not content

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="promised_checks")
    invoices = models.ManyToManyField(Invoice, related_name="promised_checks")
    check_number = models.CharField(_("check number"), max_length=40)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    mailed_on = models.DateField(_("mailed on"))
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    payer_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROMISED)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()  # when its claim on the invoices lapses unless the check is recorded
    reminded_at = models.DateTimeField(null=True, blank=True)  # the overdue reminder's last email
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="promised_check"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("promised check")
        verbose_name_plural = _("promised checks")
        indexes = [models.Index(fields=["tenant", "status"], name="promised_check_tenant_status")]

    def __str__(self):
        return f"Check {self.check_number} {self.amount} {self.currency}"

    @property
    def claim_nonce(self) -> str:
        """The nonce of this check's claims on its invoices (``PaymentClaim.nonce``)."""
        return f"check-{self.pk}"
