"""Writes of records sent by an outside system (the integration API): accounts, contacts, draft invoices, credit
memos, manual payments, deliveries and documents, each with the outside system's ``external_id``.

Every write goes through the service that owns the record (billing, team, orders, documents); this module adds
the ``external_id`` (unique per tenant where set) and the account fields no other service writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import (
    Account,
    Contact,
    CreditMemo,
    CustomerUpload,
    Delivery,
    Invoice,
    InvoiceStatus,
    Order,
    Payment,
    Service,
    Tenant,
    Ticket,
    TicketComment,
    User,
)
from .billing import contact_save, credit_memo_apply, invoice_create, payment_record
from .documents import customer_upload_create
from .invitations import contact_rights
from .orders import delivery_record
from .team import contact_set_right
from .tickets import ticket_reply_staff

ACCOUNT_FIELDS = (
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
)
# Account-level records: the database keeps their external_id unique per account, this check per tenant.
ACCOUNT_LEVEL_MODELS = (Contact, Service, CustomerUpload)


def external_id_check(*, model, tenant_id: int, external_id: str, instance=None) -> str:
    """``external_id`` stripped; refused when another record of the same kind in the tenant already has it."""
    external_id = (external_id or "").strip()
    if len(external_id) > 100:
        raise ValidationError({"external_id": _("An external ID has at most 100 characters.")})
    if not external_id:
        return ""
    rows = model._default_manager.filter(external_id=external_id)
    if model in ACCOUNT_LEVEL_MODELS:
        rows = rows.filter(account__tenant_id=tenant_id)
    else:
        rows = rows.filter(tenant_id=tenant_id)
    if instance is not None and instance.pk:
        rows = rows.exclude(pk=instance.pk)
    if rows.exists():
        raise ValidationError({"external_id": _("Another record of this tenant already has this external ID.")})
    return external_id


def _set_external_id(record, external_id: str, *, tenant_id: int) -> None:
    external_id = external_id_check(model=type(record), tenant_id=tenant_id, external_id=external_id, instance=record)
    if external_id != record.external_id:
        record.external_id = external_id
        try:
            with transaction.atomic():
                record.save(update_fields=["external_id", "updated_at"])
        except IntegrityError:  # saved meanwhile by someone else
            raise ValidationError({"external_id": _("This external ID is already used.")}) from None


# --- accounts and contacts --------------------------------------------------------------------------------------


@transaction.atomic
def _account_save(account: Account, data: Mapping) -> Account:
    for field in ACCOUNT_FIELDS:
        if field in data:
            setattr(account, field, data[field])
    if "external_id" in data:
        account.external_id = external_id_check(
            model=Account, tenant_id=account.tenant_id, external_id=data["external_id"], instance=account
        )
    account.full_clean(exclude=["tenant", "data_version"], validate_unique=False, validate_constraints=False)
    if Account.objects.filter(tenant_id=account.tenant_id, number=account.number).exclude(pk=account.pk).exists():
        raise ValidationError({"number": _("This tenant already has an account with this number.")})
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:  # the same number or external id, saved meanwhile by someone else
        raise ValidationError({"number": _("This account number or external ID is already used.")}) from None
    return account


def account_create(*, tenant: Tenant, data: Mapping) -> Account:
    """A new account of ``tenant`` from ``data`` (:data:`ACCOUNT_FIELDS` and ``external_id``)."""
    return _account_save(Account(tenant=tenant), data)


def account_update(*, account: Account, data: Mapping) -> Account:
    """Change the fields in ``data`` (:data:`ACCOUNT_FIELDS` and ``external_id``) of ``account``."""
    return _account_save(account, data)


@transaction.atomic
def contact_write(*, account: Account, data: Mapping, contact: Contact | None = None) -> Contact:
    """Create or update a contact of ``account``: its fields and roles (``contact_save``), its portal rights (one
    by one through ``contact_set_right``: audited and emailed, granting login sends the invitation) and its
    ``external_id``."""
    external_id = data.get("external_id", contact.external_id if contact else "")
    external_id = external_id_check(
        model=Contact, tenant_id=account.tenant_id, external_id=external_id, instance=contact
    )
    if contact is None:
        contact = Contact(account=account, external_id=external_id)
    contact = contact_save(account=account, data=data, contact=contact)
    _set_external_id(contact, external_id, tenant_id=account.tenant_id)
    for right, _label in contact_rights():
        if right in data and bool(data[right]) != getattr(contact, right):
            contact = contact_set_right(contact=contact, right=right, value=bool(data[right]), by=None)
    return contact


# --- billing ------------------------------------------------------------------------------------------------------


@transaction.atomic
def invoice_draft_create(
    *,
    account: Account,
    number: str,
    lines: Iterable[Mapping],
    due_date: date,
    invoice_date: date | None = None,
    terms: str = "Net 30",
    notes: str = "",
    currency: str | None = None,
    external_id: str = "",
) -> Invoice:
    """A draft invoice with its lines (issued later by ``invoice_issue``); the number is unique in the tenant."""
    external_id = external_id_check(model=Invoice, tenant_id=account.tenant_id, external_id=external_id)
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("Enter the invoice number.")})
    if Invoice.objects.filter(tenant_id=account.tenant_id, number=number).exists():
        raise ValidationError({"number": _("This tenant already has an invoice with this number.")})
    lines = list(lines)
    if not lines:
        raise ValidationError({"lines": _("Add at least one line.")})
    try:
        with transaction.atomic():
            invoice = invoice_create(
                account=account,
                number=number,
                lines=lines,
                due_date=due_date,
                invoice_date=invoice_date,
                terms=terms,
                status=InvoiceStatus.DRAFT,
                notes=notes,
                currency=currency,
            )
    except IntegrityError:  # the same number, saved meanwhile
        raise ValidationError({"number": _("This tenant already has an invoice with this number.")}) from None
    _set_external_id(invoice, external_id, tenant_id=account.tenant_id)
    return invoice


@transaction.atomic
def credit_memo_create(
    *, invoice: Invoice, number: str, amount: Decimal, reason: str, date: date | None = None, external_id: str = ""
) -> CreditMemo:
    """A credit memo on an issued, open invoice (``credit_memo_apply``) with the outside system's id."""
    external_id = external_id_check(model=CreditMemo, tenant_id=invoice.tenant_id, external_id=external_id)
    memo = credit_memo_apply(invoice=invoice, number=number, amount=amount, reason=reason, date=date)
    _set_external_id(memo, external_id, tenant_id=invoice.tenant_id)
    return memo


def payment_record_manual(
    *,
    account: Account,
    amount: Decimal,
    method: str,
    invoices: Iterable[Invoice] | None = None,
    received_at: datetime | None = None,
    reference: str = "",
    payer_name: str = "",
    notes: str = "",
    external_id: str = "",
) -> Payment:
    """A check, bank transfer or cash payment received outside the portal, allocated to the given open invoices
    (oldest due first) or to all the open invoices of the account (``payment_record``: the payments' lock order)."""
    if method not in Payment.MANUAL_METHODS:
        raise ValidationError({"method": _("Record a check, bank transfer or cash payment.")})
    external_id = external_id_check(model=Payment, tenant_id=account.tenant_id, external_id=external_id)
    try:
        return payment_record(
            account=account,
            amount=amount,
            invoices=invoices,
            method=method,
            received_at=received_at,
            reference=reference,
            payer_name=payer_name,
            notes=notes,
            external_id=external_id,
        )
    except IntegrityError:
        raise ValidationError({"external_id": _("This external ID is already used.")}) from None


# --- support, orders, documents -----------------------------------------------------------------------------------


def ticket_reply_from_integration(*, ticket: Ticket, author: User | None, body: str, public: bool) -> TicketComment:
    """A reply on ``ticket`` written in an outside system (a help desk), in the name of ``author`` (the staff member
    accountable for the API key)."""
    if author is None or not author.is_active or not author.is_staff:
        raise ValidationError(
            _("This API key has no active staff member to answer in the name of. Make a new key in the admin.")
        )
    return ticket_reply_staff(ticket=ticket, author=author, body=body, is_public=public)


@transaction.atomic
def delivery_create(
    *,
    order: Order,
    quantities: Mapping[int, object],
    carrier: str = "",
    tracking_number: str = "",
    shipped_on: date | None = None,
    delivered_on: date | None = None,
    external_id: str = "",
) -> Delivery:
    """A shipment of a confirmed order (``delivery_record``) with the outside system's id."""
    external_id = external_id_check(model=Delivery, tenant_id=order.tenant_id, external_id=external_id)
    delivery = delivery_record(
        order=order,
        quantities=quantities,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_on=shipped_on,
        delivered_on=delivered_on,
    )
    _set_external_id(delivery, external_id, tenant_id=order.tenant_id)
    return delivery


@transaction.atomic
def document_upload(*, account: Account, title: str, category: str, file, external_id: str = "") -> CustomerUpload:
    """A file on the account's documents, checked by the one upload rule (``check_upload``)."""
    external_id = external_id_check(model=CustomerUpload, tenant_id=account.tenant_id, external_id=external_id)
    try:
        upload = customer_upload_create(account=account, user=None, title=title, category=category, file=file)
    except ValidationError as exc:  # the upload rule's messages are about the file
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"file": exc.messages}) from None
    _set_external_id(upload, external_id, tenant_id=account.tenant_id)
    return upload


__all__ = [
    "ACCOUNT_FIELDS",
    "account_create",
    "account_update",
    "contact_write",
    "credit_memo_create",
    "delivery_create",
    "document_upload",
    "external_id_check",
    "invoice_draft_create",
    "payment_record_manual",
    "ticket_reply_from_integration",
]
