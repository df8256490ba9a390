"""Products, the services an account subscribes to, the files they require, and customer uploads."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from .tenants import Account, SyncStamped, Tenant, external_id_field, external_id_unique


class Product(models.Model):
    """Something a tenant sells (a snippet); its documents live in its Wagtail collection."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # The catalogue of the Order Pad (issue 23): a product with a SKU and a price is orderable while active.
    sku = models.CharField(_("SKU"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="each")
    price = models.DecimalField(
        _("price"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    active = models.BooleanField(_("active (orderable)"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="product_name_unique_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant", "sku"], condition=~Q(sku=""), name="product_sku_unique_per_tenant"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "active", "category", "name"], name="product_catalogue")]

    def __str__(self):
        return self.name


class ServiceType(models.TextChoices):
    ANNUAL = "annual", _("Annual")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ONE_TIME = "one_time", _("One-time")


class Service(SyncStamped):
    """What an account subscribes to."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="services")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="services")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    service_type = models.CharField(max_length=20, choices=ServiceType.choices, default=ServiceType.ANNUAL)
    seats = models.PositiveIntegerField(_("users / seats"), default=1)
    total_cost = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="USD")
    external_id = external_id_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [external_id_unique("account", "service")]
        indexes = [
            models.Index(fields=["account", "-start_date"], name="service_account_start"),
            models.Index(fields=["updated_at", "id"], name="service_sync"),
        ]

    def __str__(self):
        return f"{self.product} ({self.account})"


class RequirementKind(models.TextChoices):
    EULA = "eula", _("EULA (signed contract)")
    PURCHASE_ORDER = "po", _("Purchase order")


class RequirementStatus(models.TextChoices):
    MISSING = "missing", _("Missing")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


OUTSTANDING_REQUIREMENT_STATUSES = (RequirementStatus.MISSING, RequirementStatus.REJECTED)
REQUIREMENT_BADGES = {  # CSS badge variant per status
    RequirementStatus.MISSING: "overdue",
    RequirementStatus.SUBMITTED: "open",
    RequirementStatus.ACCEPTED: "paid",
    RequirementStatus.REJECTED: "failed",
}


class ServiceRequirement(models.Model):
    """A file a service needs from the customer (EULA, purchase order) and where it stands."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(max_length=20, choices=RequirementKind.choices)
    status = models.CharField(max_length=20, choices=RequirementStatus.choices, default=RequirementStatus.MISSING)
    rejection_reason = models.TextField(blank=True)
    upload = models.ForeignKey(
        "CustomerUpload", null=True, blank=True, on_delete=models.SET_NULL, related_name="requirements"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service", "kind"]
        constraints = [models.UniqueConstraint(fields=["service", "kind"], name="one_requirement_per_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.service}"

    @property
    def badge(self) -> str:
        return REQUIREMENT_BADGES.get(self.status, "open")


class UploadCategory(models.TextChoices):
    CONTACTS = "contacts", _("Contacts")
    CONTRACT = "contract", _("Contract / EULA")
    PURCHASE_ORDER = "purchase_order", _("Purchase order")
    TAX = "tax", _("Tax exemption")
    OTHER = "other", _("Other")


def customer_upload_path(instance: "CustomerUpload", filename: str) -> str:
    """Uploads are private, one folder per account, an unguessable folder per file."""
    safe = get_valid_filename(filename.replace("\\", "/").rsplit("/", 1)[-1]) or "file"
    return f"customer-uploads/{instance.account.tenant_id}/{instance.account_id}/{uuid.uuid4().hex}/{safe}"


class CustomerUpload(SyncStamped):
    """A file a customer uploaded to their account ("My documents")."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=UploadCategory.choices, default=UploadCategory.OTHER)
    file = models.FileField(upload_to=customer_upload_path, max_length=400)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    external_id = external_id_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [external_id_unique("account", "customer_upload")]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="upload_account_created"),
            models.Index(fields=["updated_at", "id"], name="upload_sync"),
        ]

    def __str__(self):
        return self.title

    @property
    def extension(self) -> str:
        return self.original_name.rsplit(".", 1)[-1] if "." in self.original_name else ""


class PortalCollection(models.Model):
    """Who a Wagtail collection of documents is for: the whole tenant, one product, or one account."""

    collection = models.OneToOneField("wagtailcore.Collection", on_delete=models.CASCADE, related_name="portal_scope")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="document_collections")
    product = models.OneToOneField(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="document_collection"
    )
    account = models.OneToOneField(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="document_collection"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=True) | Q(account__isnull=True), name="collection_for_product_or_account"
            ),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(product__isnull=True, account__isnull=True),
                name="one_tenant_wide_collection",
            ),
        ]

    def __str__(self):
        return str(self.collection)

    @property
    def audience(self) -> str:
        if self.account_id:
            return _("Account: %(name)s") % {"name": self.account}
        if self.product_id:
            return _("Product: %(name)s") % {"name": self.product}
        return _("Everyone at %(name)s") % {"name": self.tenant}
