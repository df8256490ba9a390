from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from portal_models.money import currency_choices as iso_currency_choices

from .tenants import Account, SyncStamped, Tenant, external_id_field, external_id_unique

MONEY = {"max_digits": 14, "decimal_places": 2}


def currency_choices() -> list[tuple[str, str]]:
    """ISO 4217 currencies (Babel / CLDR) whose amounts fit the money columns (at most 2 minor digits)."""
    return iso_currency_choices()


class IssuedInvoiceLocked(ValidationError):
    """A change to a part of an issued invoice that is a record (see Invoice.FROZEN_FIELDS)."""


ISSUED_IS_FINAL = _(
    "An issued invoice cannot be changed. Correct it with a credit memo, or void it and issue a new one."
)


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


PAYABLE_STATUSES = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


class InvoiceQuerySet(models.QuerySet):
    def visible_to_customers(self):
        return self.exclude(status=InvoiceStatus.DRAFT)

    def payable(self):
        return self.filter(status__in=PAYABLE_STATUSES, amount_due__gt=0)

    def overdue(self, today=None):
        return self.payable().filter(due_date__lt=today or timezone.localdate())


class Invoice(SyncStamped, ClusterableModel):
    """An invoice to an account. Totals are stored and recomputed by services.billing.invoice_recalculate."""

    # High-volume business records: they reference no page, image, document or snippet, so Wagtail's reference
    # index (an index task per save) would only cost time.
    wagtail_reference_index_ignore = True

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="invoices", editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    invoice_date = models.DateField(default=timezone.localdate)
    due_date = models.DateField()
    terms = models.CharField(max_length=40, default="Net 30")
    currency = models.CharField(max_length=3, default="USD", choices=currency_choices)
    notes = models.TextField(blank=True)
    case = models.ForeignKey("Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices")
    branch = models.ForeignKey(
        "Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="invoices", editable=False
    )
    subtotal = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    credit_total = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    total = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    amount_paid = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    amount_due = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept at issue and printed from here: a later edit of the account's address or the tenant's details does
    # not change what an issued invoice says.
    bill_to_name = models.CharField(max_length=200, blank=True, editable=False)
    bill_to_address = models.TextField(blank=True, editable=False)
    seller_name = models.CharField(max_length=200, blank=True, editable=False)
    seller_email = models.CharField(max_length=254, blank=True, editable=False)
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    void_reason = models.CharField(max_length=255, blank=True, editable=False)
    external_id = external_id_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvoiceQuerySet.as_manager()

    # What an issued invoice says for good (its lines too, see InvoiceLine.save).
    FROZEN_FIELDS = (
        "tenant_id",
        "account_id",
        "number",
        "currency",
        "invoice_date",
        "due_date",
        "terms",
        "issued_at",
        "bill_to_name",
        "bill_to_address",
        "seller_name",
        "seller_email",
    )

    class Meta:
        ordering = ["-invoice_date", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="invoice_number_unique_per_tenant"),
            external_id_unique("tenant", "invoice"),
        ]
        indexes = [
            models.Index(fields=["tenant", "updated_at", "id"], name="invoice_sync"),
            models.Index(fields=["account", "-invoice_date", "-number"], name="invoice_account_date"),
            models.Index(fields=["account", "status", "due_date"], name="invoice_account_status_due"),
            # One per sortable column of the customer's list (selectors.billing.INVOICE_SORTS), in the order it
            # emits (the column, then the id the same way; read backwards for the descending sort), so that a
            # page of a 100k-invoice account is read from the index in order, whatever the sort.
            models.Index(fields=["account", "number", "id"], name="invoice_account_number_id"),
            models.Index(fields=["account", "status", "id"], name="invoice_account_status_id"),
            models.Index(fields=["account", "invoice_date", "id"], name="invoice_account_date_id"),
            models.Index(fields=["account", "due_date", "id"], name="invoice_account_due_id"),
            models.Index(fields=["account", "total", "id"], name="invoice_account_total_id"),
            models.Index(fields=["account", "amount_due", "id"], name="invoice_account_owed_id"),
            # the admin's listing (newest first within the tenant)
            models.Index(fields=["tenant", "-invoice_date", "-number"], name="invoice_tenant_date"),
            # What is still owed (InvoiceQuerySet.payable: the dashboard's overdue and upcoming lists, balances,
            # the admin's account figures, reminders): a few rows of an account whose history is mostly paid, read
            # without walking the paid ones (a 100k-invoice account: 33 ms through the due-date index, 0.1 ms here).
            models.Index(
                fields=["account", "due_date", "id"],
                condition=models.Q(status__in=PAYABLE_STATUSES, amount_due__gt=0),
                name="invoice_payable_account_due",
            ),
        ]

    def __str__(self):
        return f"Invoice {self.number}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_stored()
        return instance

    def _remember_stored(self):
        """Keep the status and frozen fields as stored, when all of them are loaded (an invoice read with
        ``only()`` for a list has none to keep: :meth:`stored_values` reads them when a change is checked)."""
        loaded = self.__dict__
        names = ("status", *self.FROZEN_FIELDS)
        if all(name in loaded for name in names):
            self._stored = {name: loaded[name] for name in names}
        else:
            self.__dict__.pop("_stored", None)

    def stored_values(self) -> dict | None:
        """The stored status and frozen fields of this invoice (as loaded, else from the database)."""
        if self.pk is None:
            return None
        stored = getattr(self, "_stored", None)
        if stored is None:
            stored = Invoice.objects.filter(pk=self.pk).values("status", *self.FROZEN_FIELDS).first()
        return stored

    def frozen_changes(self) -> list[str]:
        """The fields of an issued invoice changed on this instance (empty for a draft or a new invoice)."""
        stored = self.stored_values()
        if not stored or stored["status"] == InvoiceStatus.DRAFT:
            return []
        changed = [name for name in self.FROZEN_FIELDS if getattr(self, name) != stored[name]]
        if self.status == InvoiceStatus.DRAFT or (
            stored["status"] == InvoiceStatus.VOID and self.status != InvoiceStatus.VOID
        ):
            changed.append("status")
        return changed

    def clean(self):
        super().clean()
        changed = self.frozen_changes()
        if changed:
            field = changed[0].removesuffix("_id")
            raise ValidationError({field if field != "tenant" else NON_FIELD_ERRORS: ISSUED_IS_FINAL})
        if self.account_id and self.tenant_id and self.account.tenant_id != self.tenant_id:
            raise ValidationError({"account": _("The account belongs to another tenant than the invoice.")})
        if self.account_id and self.number:
            clash = Invoice.objects.filter(tenant_id=self.account.tenant_id, number=self.number).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"number": _("This tenant already has an invoice with this number.")})
        if self.due_date and self.invoice_date and self.due_date < self.invoice_date:
            raise ValidationError({"due_date": _("The due date cannot be before the invoice date.")})
        self.currency_check_balance()

    def currency_check_balance(self) -> None:
        """Refuse a currency other than that of the account's balance (its issued, not void invoices): every
        amount added to a balance shares one currency."""
        if not (self.account_id and self.currency):
            return
        other = (
            Invoice.objects.filter(account_id=self.account_id)
            .exclude(pk=self.pk)
            .exclude(status__in=(InvoiceStatus.DRAFT, InvoiceStatus.VOID))
            .exclude(currency=self.currency)
            .values_list("currency", flat=True)
            .first()
        )
        if other:
            raise ValidationError(
                {
                    "currency": _("This account's balance is in %(currency)s: invoice it in %(currency)s.")
                    % {"currency": other}
                }
            )

    def save(self, *args, **kwargs):
        if self.tenant_id is None and self.account_id is not None:
            self.tenant_id = self.account.tenant_id
        if self.account_id is not None and self.account.tenant_id != self.tenant_id:
            raise ValidationError({"account": _("The account belongs to another tenant than the invoice.")})
        changed = self.frozen_changes()
        if changed:  # the last line: services and forms refuse this before it gets here
            raise IssuedInvoiceLocked({name.removesuffix("_id"): ISSUED_IS_FINAL for name in changed})
        super().save(*args, **kwargs)
        self._remember_stored()

    def delete(self, *args, **kwargs):
        stored = self.stored_values()
        if stored and stored["status"] != InvoiceStatus.DRAFT:
            raise IssuedInvoiceLocked(ISSUED_IS_FINAL)
        return super().delete(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.status != InvoiceStatus.DRAFT

    @property
    def is_overdue(self) -> bool:
        return self.is_payable and self.due_date < timezone.localdate()

    @property
    def is_payable(self) -> bool:
        return self.status in PAYABLE_STATUSES and self.amount_due > 0

    @property
    def display_status(self) -> str:
        return _("Overdue") if self.is_overdue else self.get_status_display()


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        ITEM = "item", _("Item")
        CARD_FEE = "card_fee", _("Credit card fee")

    invoice = ParentalKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ITEM)
    description = models.CharField(_("product or description"), max_length=255)
    quantity = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(**MONEY)
    line_total = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        # The lines of an issued invoice are the record: only the card fee, added when the customer pays by card
        # (services.billing.invoice_add_fee_line), is a new line on an issued invoice.
        new_fee = self._state.adding and self.kind == self.Kind.CARD_FEE
        if not new_fee and self._invoice_is_issued():
            raise IssuedInvoiceLocked(ISSUED_IS_FINAL)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._invoice_is_issued():
            raise IssuedInvoiceLocked(ISSUED_IS_FINAL)
        return super().delete(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.invoice_id and self._invoice_is_issued():
            raise ValidationError(ISSUED_IS_FINAL)

    def _invoice_is_issued(self) -> bool:
        status = Invoice.objects.filter(pk=self.invoice_id).values_list("status", flat=True).first()
        return status not in (None, InvoiceStatus.DRAFT)


class CreditMemo(SyncStamped):
    """A credit applied to one invoice (reduces what is due)."""

    wagtail_reference_index_ignore = True  # see Invoice

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="credit_memos", editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credit_memos")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_memos")
    number = models.CharField(max_length=40)
    date = models.DateField(default=timezone.localdate)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.CharField(max_length=255)
    external_id = external_id_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="credit_memo_number_unique_per_tenant"),
            external_id_unique("tenant", "credit_memo"),
        ]
        indexes = [models.Index(fields=["tenant", "updated_at", "id"], name="credit_memo_sync")]

    def __str__(self):
        return f"Credit memo {self.number}"


class Payment(SyncStamped):
    wagtail_reference_index_ignore = True  # see Invoice

    class Method(models.TextChoices):
        CARD = "card", _("Credit card")
        BANK_DEBIT = "bank_debit", _("Bank account (direct debit)")
        CHECK = "check", _("Check")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")

    class Status(models.TextChoices):
        PENDING = "pending", _("Processing")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REVERSED = "reversed", _("Reversed")

    MANUAL_METHODS = (Method.CHECK, Method.BANK_TRANSFER, Method.CASH)

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="payments", editable=False)
    # The receipt number people see (per tenant, 1001, 1002, ...; given on the first save: see save()).
    number = models.PositiveIntegerField(null=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUCCEEDED)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    fee_amount = models.DecimalField(**MONEY, default=Decimal("0.00"))
    refunded_amount = models.DecimalField(**MONEY, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, default="USD", choices=currency_choices)
    received_at = models.DateTimeField(default=timezone.now)
    reference = models.CharField(_("check or transfer reference"), max_length=100, blank=True)
    payer_name = models.CharField(max_length=200, blank=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    stripe_charge_id = models.CharField(max_length=100, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True)
    # When the receipt went out: a task that runs again (a worker killed mid-task) sends it once.
    receipt_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    reversed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    reversal_reason = models.CharField(max_length=255, blank=True, editable=False)
    external_id = external_id_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # the customer's list and the admin's: newest first, the id as the tie-breaker
            models.Index(fields=["account", "-received_at", "-id"], name="payment_account_received_id"),
            models.Index(fields=["tenant", "-received_at", "-id"], name="payment_tenant_received_id"),
            models.Index(fields=["tenant", "updated_at", "id"], name="payment_sync"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="payment_number_unique_per_tenant"),
            external_id_unique("tenant", "payment"),
        ]
        permissions = [("refund_payment", _("Can refund card payments"))]

    def __str__(self):
        return f"Payment {self.display_number} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        if self.tenant_id is None and self.account_id is not None:
            self.tenant_id = self.account.tenant_id
        if self.number is None:  # every way a payment is made (staff, webhook, autopay) passes here
            self.number = TenantSequence.next_value(tenant_id=self.tenant_id, name=TenantSequence.PAYMENT)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = [*kwargs["update_fields"], "number"]
        super().save(*args, **kwargs)

    @property
    def display_number(self) -> str:
        """The receipt number as every page, email and PDF shows it."""
        return f"R-{self.number}" if self.number is not None else ""

    @property
    def is_reversible(self) -> bool:
        return self.method in self.MANUAL_METHODS and self.status == self.Status.SUCCEEDED

    @property
    def stripe_events(self) -> models.QuerySet:
        """The webhook events of this payment's PaymentIntent (none for a payment staff recorded)."""
        if not self.stripe_payment_intent_id:
            return StripeEvent.objects.none()
        return StripeEvent.objects.filter(payment_intent_id=self.stripe_payment_intent_id)


class TenantSequence(models.Model):
    """A per-tenant counter (receipt numbers): its row lock orders concurrent payments of a tenant only."""

    PAYMENT = "payment"
    START = 1000  # the first number given is START + 1

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)
    last_value = models.PositiveIntegerField(default=START)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="one_sequence_per_tenant_and_name")]

    def __str__(self):
        return f"{self.name} {self.last_value}"

    @classmethod
    def next_value(cls, *, tenant_id: int, name: str) -> int:
        """The next number of the tenant's sequence ``name``, in one statement (an upsert: the first creates the
        row). Its row lock is held until the transaction ends, so numbers are given in commit order, none twice."""
        table = cls._meta.db_table
        sql = (
            f"INSERT INTO {table} (tenant_id, name, last_value) VALUES (%s, %s, %s)"
            f" ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = {table}.last_value + 1"
            " RETURNING last_value"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [tenant_id, name, cls.START + 1])
            return cursor.fetchone()[0]


class PaymentAllocation(models.Model):
    wagtail_reference_index_ignore = True  # see Invoice

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["payment", "invoice"], name="one_allocation_per_invoice")]

    def __str__(self):
        return f"{self.amount} of {self.payment} to {self.invoice}"


class PaymentMethod(models.Model):
    """A card or a bank account (SEPA Direct Debit, under the mandate the customer accepted) saved at Stripe for
    an account; its ``type`` is a row of ``gateways.stripe.METHOD_TYPES``."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="payment_methods")
    stripe_payment_method_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=30, default="card")
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)  # cards only
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)  # bank accounts only
    country = models.CharField(max_length=2, blank=True)
    holder_name = models.CharField(max_length=200, blank=True)
    mandate_reference = models.CharField(max_length=100, blank=True)
    mandate_accepted_at = models.DateTimeField(null=True, blank=True)
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_default=True), name="one_default_card_per_account"
            )
        ]

    def __str__(self):
        if self.is_bank_account:
            return f"{_('Bank account')} {self.country} •••• {self.last4}"
        return f"{self.brand.title()} •••• {self.last4}"

    @property
    def is_bank_account(self) -> bool:
        return self.type != "card"


class StripeEvent(models.Model):
    """Every webhook event we processed, once (idempotency)."""

    wagtail_reference_index_ignore = True  # see Invoice

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # The PaymentIntent the event is about (the intent itself, or a charge's intent): a payment's events are
    # those of its intent (Payment.stripe_events), so recording one needs no second write to link them.
    payment_intent_id = models.CharField(max_length=100, blank=True, db_index=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class PaymentReminder(models.Model):
    """A reminder of overdue invoices that staff emailed to an account's billing contacts: what it asked for,
    to whom, and who sent it (the account's collection history)."""

    wagtail_reference_index_ignore = True  # see Invoice

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="payment_reminders")
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    automatic = models.BooleanField(default=False)  # sent by the daily task (the tenant's reminder interval)
    recipients = models.JSONField(default=list)
    invoice_numbers = models.JSONField(default=list)
    amount_overdue = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["account", "-sent_at"], name="reminder_account_sent")]

    def __str__(self):
        return f"Reminder to {self.account} on {self.sent_at:%Y-%m-%d}"
