"""A company's team: invitations an existing user must accept before they are linked to a company, and the
company each user last chose to work for on each portal."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ContactInvitation(models.Model):
    """An existing user asked to sign in as one of a company's contacts.

    Nothing is linked until the user accepts (through the signed link emailed to them, signed in as that user or
    proving their password): until then the company is invisible to them and nothing of theirs goes to it.
    """

    contact = models.ForeignKey("portal_models.Contact", on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "user"],
                condition=Q(accepted_at__isnull=True, declined_at__isnull=True),
                name="one_open_invitation_per_contact_and_user",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.contact.account}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.declined_at is None


class AccountChoice(models.Model):
    """The company a user last chose to work for on a tenant's portal (they land there after signing in)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_choices")
    tenant = models.ForeignKey("portal_models.Tenant", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("portal_models.Account", on_delete=models.CASCADE, related_name="+")
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="one_account_choice_per_user_tenant")]

    def __str__(self):
        return f"{self.user} @ {self.tenant}: {self.account}"
