"""One payment in flight per invoice: a payment being started claims the invoices it covers until its
PaymentIntent succeeds, fails, is canceled or the claim expires (30 minutes for a card, 14 days for a bank debit
that settles later: ``gateways.stripe.METHOD_TYPES``), or until billing staff record a promised business check
(``services.checks``; its claims' nonce is ``check-<pk>``). Written only by ``services.payments`` and
``services.checks``.

Lock order of every payment write (one transaction each): the invoices (``invoices_lock``, pk order), then their
claims, then a promised check's row, then the account's row (its cache version), then the tenant's receipt
sequence."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .billing import MONEY, Invoice
from .tenants import Account, Tenant


class PaymentClaim(models.Model):
    """An invoice that a payment under way covers (one row per invoice, unique: a second payment is refused).
    Released (deleted) when the intent succeeds, fails or is canceled; an expired claim counts for nothing and
    is deleted by the next payment that needs the invoice."""

    wagtail_reference_index_ignore = True  # a lock, not content

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="payment_claims")
    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="payment_claim")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    payer_name = models.CharField(max_length=200, blank=True)
    nonce = models.CharField(max_length=100)
    payment_intent_id = models.CharField(max_length=100, blank=True, db_index=True)
    amount = models.DecimalField(**MONEY)  # what this payment asks for the invoice (its amount due then)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("payment in progress")
        verbose_name_plural = _("payments in progress")

    def __str__(self):
        return f"Claim of {self.invoice_id} by {self.payment_intent_id or self.nonce}"

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()

    @property
    def is_check(self) -> bool:
        """A business check on its way (not a payment through Stripe)."""
        return self.nonce.startswith("check-")
