import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from ..phones import phone_parse, validate_phone_region


def default_languages() -> list[str]:
    return [settings.LANGUAGE_CODE]


def validate_languages(value) -> None:
    known = dict(settings.LANGUAGES)
    if not isinstance(value, list) or not value or any(code not in known for code in value):
        raise ValidationError(_("Choose one or more of: %(codes)s.") % {"codes": ", ".join(known)})


class LanguagesField(models.JSONField):
    """A list of language codes from settings.LANGUAGES, edited as checkboxes."""

    def formfield(self, **kwargs):
        from django import forms

        return forms.TypedMultipleChoiceField(
            choices=settings.LANGUAGES,
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
            initial=default_languages,
        )


slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Use lower-case letters, digits and hyphens."))


class DataVersioned(models.Model):
    """A counter that every change to the records below this row bumps (``portal_models.caching``).

    Saving the row never writes the counter back: an instance loaded before a bump must not undo it.
    """

    data_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "data_version"
            ]
        super().save(*args, **kwargs)


class SyncStamped(models.Model):
    """A record the integration API syncs by ``updated_at`` (``?updated_since=``): every save writes it, also a
    save of some fields only (``update_fields``), so a status change is never missed by a sync. The model
    declares ``updated_at = DateTimeField(auto_now=True)`` itself."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if fields is not None and "updated_at" not in fields:
            kwargs["update_fields"] = [*fields, "updated_at"]
        super().save(*args, **kwargs)


def external_id_field() -> models.CharField:
    """The record's key in the tenant's accounting or ERP system (blank when it was made here)."""
    return models.CharField(
        _("external ID"), max_length=100, blank=True, help_text=_("The record's key in your accounting or ERP system.")
    )


def external_id_unique(scope: str, model: str) -> models.UniqueConstraint:
    """``external_id`` (an accounting or ERP system's key) is unique within ``scope`` where it is set.

    Records with a ``tenant`` are unique per tenant in the database; account-level records (contacts, services,
    uploads) are unique per account here and per tenant by the API's writes (``services/api.py``)."""
    return models.UniqueConstraint(
        fields=[scope, "external_id"], condition=~Q(external_id=""), name=f"{model}_external_id_unique"
    )


def new_cache_version() -> str:
    return uuid.uuid4().hex


class CacheVersion(models.Model):
    """A named version of caches of shared configuration (``portal_pages.routing_cache``: sites, portal pages,
    tenants and their branding). Replaced in the same transaction as each change; read once per request.

    The value is random, not a counter: a rolled-back change or a restored database never brings back a version
    whose cache entries belong to other data.
    """

    name = models.CharField(max_length=40, unique=True)
    value = models.CharField(max_length=32, default=new_cache_version)

    def __str__(self):
        return f"{self.name} v{self.value}"


class Tenant(DataVersioned):
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
    bank_debit_enabled = models.BooleanField(
        _("accept bank debits"),
        default=False,
        help_text=_(
            "Customers may pay from a bank account by SEPA Direct Debit (tenants in EUR), and save it for autopay. "
            "No card convenience fee applies."
        ),
    )
    check_wait_days = models.PositiveSmallIntegerField(
        _("a promised check holds its invoices for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "After the mailing date a customer gave, a business check on its way holds its invoices this many days; "
            "then the claim lapses and they can be paid again. Empty: the portal's default (21)."
        ),
    )
    two_factor_policy = models.CharField(
        max_length=20, choices=TwoFactorPolicy.choices, default=TwoFactorPolicy.OPTIONAL
    )
    languages = LanguagesField(
        _("portal languages"),
        default=default_languages,
        validators=[validate_languages],
        help_text=_("Languages the portal offers; the first is the default. With one, no language selector shows."),
    )
    reminder_every_days = models.PositiveSmallIntegerField(
        _("remind overdue accounts every (days)"),
        default=0,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "Accounts with overdue invoices get a payment reminder by email this many days after the last one "
            "(sent by the daily reminders task). 0: only when staff send one."
        ),
    )
    phone_region = models.CharField(
        _("phone numbers' country"),
        max_length=2,
        default="US",
        validators=[validate_phone_region],
        help_text=_("Phone numbers typed without a country code are read as numbers of this country (e.g. US, GB)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def from_email(self) -> str:
        return f"{self.sender_name or self.name} <{settings.DEFAULT_FROM_EMAIL}>"


class Account(SyncStamped, DataVersioned):
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
    external_id = external_id_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="account_number_unique_per_tenant"),
            external_id_unique("tenant", "account"),
        ]
        indexes = [models.Index(fields=["tenant", "updated_at", "id"], name="account_sync")]

    def __str__(self):
        return f"{self.name} ({self.number})"


class ContactQuerySet(models.QuerySet):
    def login_rights(self):
        """Contacts allowed to sign in, as far as the contact and its account decide (not their user)."""
        return self.filter(can_login=True, account__is_active=True)

    def with_login(self):
        return self.login_rights().filter(user__isnull=False, user__is_active=True)


class Contact(SyncStamped):
    """A person at an account, with roles and portal rights. May have a User to sign in with."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    title = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    business_phone = PhoneNumberField(_("business phone"), blank=True)  # E.164; read in the tenant's region
    cell_phone = PhoneNumberField(_("cell phone"), blank=True)
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
    can_order = models.BooleanField(
        _("can order"), default=False, help_text=_("May place orders (Order Pad) and request quotes.")
    )
    branches = models.ManyToManyField(
        "portal_models.Branch",
        blank=True,
        related_name="limited_contacts",
        verbose_name=_("branches"),
        help_text=_(
            "Limit this contact to these branches of the company (their orders, deliveries, invoices and payments). "
            "None chosen: all branches."
        ),
    )
    external_id = external_id_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user"], condition=Q(user__isnull=False), name="one_contact_per_user_and_account"
            ),
            external_id_unique("account", "contact"),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="contact_sync")]

    def __str__(self):
        return self.full_name

    PHONE_FIELDS = ("business_phone", "cell_phone")

    def clean_fields(self, exclude=None):
        """Phone numbers without a country code are read in the tenant's region, then stored in E.164."""
        errors = {}
        region = self.account.tenant.phone_region if self.account_id else None
        for name in self.PHONE_FIELDS:
            if exclude and name in exclude:
                continue
            try:
                setattr(self, name, phone_parse(getattr(self, name), region=region) or "")
            except ValidationError as error:
                errors[name] = error.error_list
        exclude = {*(exclude or ()), *errors}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors.update(error.error_dict)
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class StaffRole(models.TextChoices):
    """What a tenant's staff group may do in the admin; each role has a template group of the same name."""

    MARKETING = "marketing", _("Marketing")
    BILLING = "billing", _("Billing staff")
    SUPPORT = "support", _("Support staff")


class TenantStaffGroup(models.Model):
    """A Wagtail/Django group whose members are staff of one tenant in one role.

    Membership of such a group is what ties a staff user to a tenant: the admin shows them that tenant's
    records only (superusers see every tenant). The group's permissions are copied from the role's
    template group ("Marketing", "Billing staff", "Support staff", shipped by a data migration).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="staff_groups")
    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="tenant_role")
    role = models.CharField(max_length=20, choices=StaffRole.choices)

    class Meta:
        ordering = ["tenant__name", "role"]
        constraints = [models.UniqueConstraint(fields=["tenant", "role"], name="one_staff_group_per_tenant_role")]

    def __str__(self):
        return f"{self.tenant} · {self.get_role_display()}"
