"""Ordering (seed 002's Order Pad): branches of an account, per-account prices, orders and their lines, quotes and
deliveries. Writes go through portal_models.services.orders; amounts are Decimal in the order's currency."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model_string

from .billing import MONEY, Invoice
from .services import Product
from .tenants import Account, SyncStamped, Tenant, external_id_field, external_id_unique

QUANTITY = {"max_digits": 12, "decimal_places": 2}


class Branch(models.Model):
    """A branch (location) of a customer company: orders ship to it and its transactions can be shown apart."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="branches")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    address_1 = models.CharField(_("address 1"), max_length=200, blank=True)
    address_2 = models.CharField(_("address 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["account__name", "name"]
        verbose_name_plural = _("branches")
        constraints = [models.UniqueConstraint(fields=["account", "code"], name="branch_code_unique_per_account")]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def address(self) -> str:
        city = " ".join(part for part in (self.state, self.postal_code) if part)
        city = ", ".join(part for part in (self.city, city) if part)
        return "\n".join(part for part in (self.address_1, self.address_2, city, self.country) if part)


class AccountPrice(models.Model):
    """A price of one product for one account (instead of the catalogue price)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="account_prices")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="product_prices")
    price = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "account"], name="one_price_per_product_account")]

    def __str__(self):
        return f"{self.product} for {self.account}: {self.price}"


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")
    PARTLY_DELIVERED = "partly_delivered", _("Partly delivered")
    DELIVERED = "delivered", _("Delivered")
    INVOICED = "invoiced", _("Invoiced")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ORDER_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.CONFIRMED, OrderStatus.PARTLY_DELIVERED)


class Order(SyncStamped):
    """A customer's order. Totals are computed by services.orders (order_recalculate); tax is left to staff."""

    wagtail_reference_index_ignore = True

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="orders", editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="orders")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="orders")
    number = models.CharField(_("order number"), max_length=40, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.SUBMITTED, editable=False
    )
    po_number = models.CharField(_("PO number"), max_length=60, blank=True)
    requested_date = models.DateField(_("requested date"), null=True, blank=True)
    ship_to_name = models.CharField(_("ship to"), max_length=200, blank=True)
    ship_to_address = models.TextField(_("ship-to address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    currency = models.CharField(max_length=3, default="USD", editable=False)
    subtotal = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    quote = models.OneToOneField(
        "Quote", on_delete=models.SET_NULL, null=True, blank=True, related_name="order", editable=False
    )
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="orders", editable=False)
    submitted_at = models.DateTimeField(default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancel_reason = models.CharField(max_length=255, blank=True, editable=False)
    external_id = external_id_field()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="order_number_unique_per_tenant"),
            external_id_unique("tenant", "order"),
        ]
        indexes = [
            # one per sortable column of the customer's list (selectors.orders.ORDER_SORTS), the id the same way
            # (the default, newest first, reads the first backwards)
            models.Index(fields=["account", "submitted_at", "id"], name="order_account_submitted_id"),
            models.Index(fields=["account", "number", "id"], name="order_account_number_id"),
            models.Index(fields=["account", "status", "id"], name="order_account_status_id"),
            models.Index(fields=["account", "po_number", "id"], name="order_account_po_id"),
            models.Index(fields=["account", "subtotal", "id"], name="order_account_subtotal_id"),
            models.Index(fields=["tenant", "updated_at", "id"], name="order_sync"),
        ]

    def __str__(self):
        return _("Order %(number)s") % {"number": self.number}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ORDER_STATUSES


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sku = models.CharField(_("SKU"), max_length=60, blank=True)
    description = models.CharField(_("product or description"), max_length=255)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("ordered"), **QUANTITY, validators=[MinValueValidator(Decimal("0"))])
    delivered_quantity = models.DecimalField(_("delivered"), **QUANTITY, default=Decimal("0"))
    invoiced_quantity = models.DecimalField(_("invoiced"), **QUANTITY, default=Decimal("0"))
    unit_price = models.DecimalField(**MONEY)
    line_total = models.DecimalField(**MONEY, default=Decimal("0.00"))

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.description

    @property
    def outstanding_quantity(self) -> Decimal:
        return max(self.quantity - self.delivered_quantity, Decimal("0"))


class OrderEvent(models.Model):
    """The order's history as the customer and staff see it (submitted, confirmed, line adjusted, shipped...)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.kind} {self.message}"


class QuoteStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Quote(models.Model):
    """A request for quote, priced by staff and sent to the customer, who accepts it (an order) or declines it."""

    wagtail_reference_index_ignore = True

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="quotes", editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="quotes")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="quotes")
    number = models.CharField(_("quote number"), max_length=40, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=QuoteStatus.choices, default=QuoteStatus.REQUESTED, editable=False
    )
    notes = models.TextField(_("customer notes"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    currency = models.CharField(max_length=3, default="USD", editable=False)
    total = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    declined_at = models.DateTimeField(null=True, blank=True, editable=False)
    decline_reason = models.CharField(_("decline reason"), max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="quote_number_unique_per_tenant")]
        indexes = [models.Index(fields=["account", "-requested_at"], name="quote_account_requested")]

    def __str__(self):
        return _("Quote %(number)s") % {"number": self.number}

    def is_expired(self, today=None) -> bool:
        return self.valid_until is not None and self.valid_until < (today or timezone.localdate())

    @property
    def display_status(self) -> str:
        if self.status == QuoteStatus.SENT and self.is_expired():
            return _("Expired")
        return self.get_status_display()

    @property
    def can_be_answered(self) -> bool:
        return self.status == QuoteStatus.SENT and not self.is_expired()


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(_("product or description"), max_length=255)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=[MinValueValidator(Decimal("0.01"))])
    unit_price = models.DecimalField(_("unit price"), **MONEY, null=True, blank=True)
    line_total = models.DecimalField(**MONEY, default=Decimal("0.00"))

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.description


class Delivery(SyncStamped):
    """A shipment of (part of) an order, with its carrier, tracking number and proof of delivery."""

    wagtail_reference_index_ignore = True

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="deliveries", editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deliveries", editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="deliveries")
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries", editable=False
    )
    number = models.CharField(_("delivery number"), max_length=40, editable=False)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    shipped_on = models.DateField(_("shipped"), default=timezone.localdate)
    delivered_on = models.DateField(_("delivered"), null=True, blank=True)
    proof_of_delivery = models.ForeignKey(
        get_document_model_string(),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proof of delivery"),
    )
    external_id = external_id_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-shipped_on", "-id"]
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="delivery_number_unique_per_tenant"),
            external_id_unique("tenant", "delivery"),
        ]
        indexes = [
            models.Index(fields=["account", "-shipped_on"], name="delivery_account_shipped"),
            models.Index(fields=["tenant", "updated_at", "id"], name="delivery_sync"),
        ]

    def __str__(self):
        return _("Delivery %(number)s") % {"number": self.number}


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="delivery_lines")
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        ordering = ["order_line__position", "id"]

    def __str__(self):
        return f"{self.quantity} × {self.order_line}"


__all__ = [
    "AccountPrice",
    "Branch",
    "Delivery",
    "DeliveryLine",
    "OPEN_ORDER_STATUSES",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
]
