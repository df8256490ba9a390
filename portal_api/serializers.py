"""What the API reads and writes. Read serializers are of the records; write serializers only parse input, which
the views hand to one service. Money is a decimal string with its currency; nothing is computed here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal_models.models import (
    Account,
    Contact,
    CreditMemo,
    CustomerUpload,
    Delivery,
    DeliveryLine,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    Payment,
    PaymentAllocation,
    Service,
    ServiceRequirement,
    Ticket,
    TicketComment,
    UploadCategory,
)
from portal_models.services.invitations import contact_rights
from portal_models.staff_access import staff_scope

SYNC_FIELDS = ("external_id", "created_at", "updated_at")


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related record by id, among the API key's tenant's records only (another tenant's id: "does not exist")."""

    def get_queryset(self):
        return staff_scope(user=self.context["request"].user, queryset=super().get_queryset())


# --- accounts and contacts ----------------------------------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = (
            "id",
            "number",
            "name",
            "address_1",
            "address_2",
            "address_3",
            "city",
            "state",
            "postal_code",
            "country",
            "is_active",
            "autopay",
            *SYNC_FIELDS,
        )
        read_only_fields = ("id", "autopay", "created_at", "updated_at")
        extra_kwargs = {"number": {"validators": []}}


RIGHTS = tuple(name for name, _label in contact_rights())
ROLES = ("is_main", "is_billing", "is_technical")


class ContactSerializer(serializers.ModelSerializer):
    account = ScopedPrimaryKeyField(queryset=Account.objects.all())
    has_login = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = (
            "id",
            "account",
            "first_name",
            "last_name",
            "title",
            "email",
            "business_phone",
            "cell_phone",
            "address_1",
            "address_2",
            "city",
            "state",
            "postal_code",
            "country",
            "notes",
            *ROLES,
            *RIGHTS,
            "has_login",
            *SYNC_FIELDS,
        )
        read_only_fields = ("id", "has_login", "created_at", "updated_at")

    def get_has_login(self, contact) -> bool:
        return contact.user_id is not None


# --- billing ------------------------------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ("id", "position", "kind", "description", "quantity", "unit_price", "line_total")
        read_only_fields = ("id", "position", "kind", "line_total")


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = (
            "id",
            "account",
            "number",
            "status",
            "invoice_date",
            "due_date",
            "terms",
            "currency",
            "notes",
            "subtotal",
            "credit_total",
            "total",
            "amount_paid",
            "amount_due",
            "issued_at",
            "bill_to_name",
            "bill_to_address",
            "voided_at",
            "void_reason",
            "lines",
            *SYNC_FIELDS,
        )
        read_only_fields = fields


class InvoiceLineInput(serializers.Serializer):
    description = serializers.CharField(max_length=255)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=1)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)


class InvoiceCreateInput(serializers.Serializer):
    account = ScopedPrimaryKeyField(queryset=Account.objects.all())
    number = serializers.CharField(max_length=40)
    invoice_date = serializers.DateField(required=False)
    due_date = serializers.DateField()
    terms = serializers.CharField(max_length=40, default="Net 30")
    currency = serializers.CharField(max_length=3, required=False)
    notes = serializers.CharField(allow_blank=True, default="")
    external_id = serializers.CharField(max_length=100, allow_blank=True, default="")
    lines = InvoiceLineInput(many=True, allow_empty=False)


class InvoiceVoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class CreditMemoSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditMemo
        fields = ("id", "account", "invoice", "number", "date", "amount", "reason", *SYNC_FIELDS)
        read_only_fields = fields


class CreditMemoCreateInput(serializers.Serializer):
    invoice = ScopedPrimaryKeyField(queryset=Invoice.objects.all())
    number = serializers.CharField(max_length=40)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.CharField(max_length=255)
    date = serializers.DateField(required=False)
    external_id = serializers.CharField(max_length=100, allow_blank=True, default="")


class AllocationSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number")

    class Meta:
        model = PaymentAllocation
        fields = ("invoice", "invoice_number", "amount")


class PaymentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="display_number")
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = (
            "id",
            "number",
            "account",
            "method",
            "status",
            "amount",
            "fee_amount",
            "refunded_amount",
            "currency",
            "received_at",
            "reference",
            "payer_name",
            "card_brand",
            "card_last4",
            "notes",
            "reversed_at",
            "reversal_reason",
            "allocations",
            *SYNC_FIELDS,
        )
        read_only_fields = fields


class PaymentCreateInput(serializers.Serializer):
    account = ScopedPrimaryKeyField(queryset=Account.objects.all())
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    method = serializers.ChoiceField(choices=[(m.value, m.label) for m in Payment.MANUAL_METHODS])
    invoices = ScopedPrimaryKeyField(
        queryset=Invoice.objects.all(),
        many=True,
        required=False,
        help_text=_("The invoices paid (oldest due first); all the account's open invoices when left out."),
    )
    received_at = serializers.DateTimeField(required=False)
    reference = serializers.CharField(max_length=100, allow_blank=True, default="")
    payer_name = serializers.CharField(max_length=200, allow_blank=True, default="")
    notes = serializers.CharField(allow_blank=True, default="")
    external_id = serializers.CharField(max_length=100, allow_blank=True, default="")


# --- services and documents ---------------------------------------------------------------------------------------


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceRequirement
        fields = ("id", "kind", "status", "rejection_reason", "upload", "updated_at")


class ServiceSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.name")
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = (
            "id",
            "account",
            "product",
            "start_date",
            "end_date",
            "service_type",
            "seats",
            "total_cost",
            "currency",
            "requirements",
            *SYNC_FIELDS,
        )
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerUpload
        fields = ("id", "account", "title", "category", "original_name", "content_type", "size", *SYNC_FIELDS)
        read_only_fields = fields


class DocumentCreateInput(serializers.Serializer):
    account = ScopedPrimaryKeyField(queryset=Account.objects.all())
    file = serializers.FileField(allow_empty_file=True)
    title = serializers.CharField(max_length=200, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=UploadCategory.choices, default=UploadCategory.OTHER)
    external_id = serializers.CharField(max_length=100, allow_blank=True, default="")


# --- tickets ------------------------------------------------------------------------------------------------------


class TicketCommentSerializer(serializers.ModelSerializer):
    from_staff = serializers.BooleanField(source="by_staff", read_only=True)

    class Meta:
        model = TicketComment
        fields = ("id", "body", "is_public", "from_staff", "created_at")


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    comments = TicketCommentSerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = (
            "id",
            "reference",
            "number",
            "account",
            "subject",
            "description",
            "category",
            "severity",
            "status",
            "comments",
            *SYNC_FIELDS,
        )
        read_only_fields = fields


class TicketReplyInput(serializers.Serializer):
    body = serializers.CharField()
    public = serializers.BooleanField(default=True, help_text=_("False: an internal note the customer never sees."))


# --- orders and deliveries ----------------------------------------------------------------------------------------


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = (
            "id",
            "sku",
            "description",
            "unit",
            "quantity",
            "delivered_quantity",
            "invoiced_quantity",
            "unit_price",
            "line_total",
        )


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = (
            "id",
            "number",
            "account",
            "branch",
            "status",
            "po_number",
            "requested_date",
            "ship_to_name",
            "ship_to_address",
            "notes",
            "currency",
            "subtotal",
            "submitted_at",
            "confirmed_at",
            "cancelled_at",
            "cancel_reason",
            "lines",
            "external_id",
            "updated_at",
        )
        read_only_fields = fields


class DeliveryLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryLine
        fields = ("order_line", "quantity")


class DeliverySerializer(serializers.ModelSerializer):
    lines = DeliveryLineSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = (
            "id",
            "number",
            "account",
            "order",
            "carrier",
            "tracking_number",
            "shipped_on",
            "delivered_on",
            "lines",
            *SYNC_FIELDS,
        )
        read_only_fields = fields


class DeliveryLineInput(serializers.Serializer):
    order_line = serializers.IntegerField(help_text=_("The id of a line of the order."))
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)


class DeliveryCreateInput(serializers.Serializer):
    order = ScopedPrimaryKeyField(queryset=Order.objects.all())
    lines = DeliveryLineInput(many=True, allow_empty=False)
    carrier = serializers.CharField(max_length=100, allow_blank=True, default="")
    tracking_number = serializers.CharField(max_length=100, allow_blank=True, default="")
    shipped_on = serializers.DateField(required=False)
    delivered_on = serializers.DateField(required=False)
    external_id = serializers.CharField(max_length=100, allow_blank=True, default="")
