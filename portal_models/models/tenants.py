from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Use lower-case letters, digits and hyphens."))


class Tenant(models.Model):
    """A brand that runs its own portal: the 'client ID' in the portal URL."""

    class TwoFactorPolicy(models.TextChoices):
        OPTIONAL = "optional", _("Optional")
        REQUIRED = "required", _("Required for every user")

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True, validators=[slug_validator])
    support_email = models.EmailField()
    sender_name = models.CharField(
        max_length=200, blank=True, help_text=_("Name shown on emails; defaults to the tenant name.")
    )
    currency = models.CharField(max_length=3, default="USD")
    card_fee_percent = models.DecimalField(
        _("card convenience fee (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
    )
    card_fee_threshold = models.DecimalField(
        _("fee applies to card payments over"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("5000.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    card_only = models.BooleanField(_("accept cards only"), default=True)
    two_factor_policy = models.CharField(
        max_length=20, choices=TwoFactorPolicy.choices, default=TwoFactorPolicy.OPTIONAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def from_email(self) -> str:
        return f"{self.sender_name or self.name} <{settings.DEFAULT_FROM_EMAIL}>"


class Account(models.Model):
    """A customer company under a tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    address_1 = models.CharField(max_length=200, blank=True)
    address_2 = models.CharField(max_length=200, blank=True)
    address_3 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True, default="United States of America")
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    autopay = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="account_number_unique_per_tenant")]

    def __str__(self):
        return f"{self.name} ({self.number})"


class ContactQuerySet(models.QuerySet):
    def with_login(self):
        return self.filter(can_login=True, user__isnull=False, user__is_active=True, account__is_active=True)


class Contact(models.Model):
    """A person at an account, with roles and portal rights. May have a User to sign in with."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    title = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    business_phone = models.CharField(max_length=40, blank=True)
    cell_phone = models.CharField(max_length=40, blank=True)
    address_1 = models.CharField(max_length=200, blank=True)
    address_2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    is_main = models.BooleanField(_("main contact"), default=False)
    is_billing = models.BooleanField(_("billing (AP) contact"), default=False)
    is_technical = models.BooleanField(_("technical contact"), default=False)
    can_login = models.BooleanField(_("can log in"), default=False)
    can_pay = models.BooleanField(_("can pay"), default=False)
    can_manage_contacts = models.BooleanField(_("can manage contacts (owner)"), default=False)
    can_see_documents = models.BooleanField(_("can see documents"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user"], condition=Q(user__isnull=False), name="one_contact_per_user_and_account"
            )
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
