"""Imports of accounts, contacts and invoices (with lines) from CSV or XLSX into one tenant, with
django-import-export's resources: the file is read by tablib, each column by an import-export widget, and every
row is written through the service that owns the record (``services/sync.py``: the same writes as the integration
API), keyed on the outside system's ``external_id``.

:func:`import_check` is the dry run: every row is written and all of it rolled back, and the report says row by row
what would be created, updated or refused (with the reason). :func:`import_apply` writes the same file in one
transaction, all or nothing: one refused row and nothing is kept.

Invoices: one row per line; the rows with the same ``external_id`` are one invoice (its header columns are read
from its first row). ``status`` ``draft`` (the default) keeps it a draft, ``issued`` issues it through
``billing.invoice_issue`` (numbered as given, its bill-to kept; its billing contacts get it by email once the
import commits). An invoice already imported (its ``external_id`` exists) is refused: an issued invoice is a
record, corrected with a credit memo, and a draft is edited in the admin.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import RowResult

from ..models import Account, Contact, ImportKind, ImportRun, Invoice, Tenant, User
from . import sync
from .billing import invoice_issue

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
FORMATS = ("csv", "xlsx")


class ImportFileError(ValidationError):
    """The file cannot be read as a table of the expected columns."""


# --- resources ------------------------------------------------------------------------------------------------


class YesNoWidget(widgets.Widget):
    """yes / no (also true / false, 1 / 0, in any case); blank is ``default``; anything else is refused."""

    TRUE, FALSE = {"yes", "y", "true", "1"}, {"no", "n", "false", "0"}

    def __init__(self, default: bool):
        super().__init__()
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip().lower()
        if not text:
            return self.default
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("Enter yes or no."))


def _yes_no(resource, columns: dict[str, bool]) -> None:
    for column, default in columns.items():
        resource.fields[column] = fields.Field(attribute=column, column_name=column, widget=YesNoWidget(default))


class TenantResource(resources.ModelResource):
    """Rows of one tenant, keyed on ``external_id``; saved through the owning service, never by ``instance.save``."""

    REQUIRED: tuple[str, ...] = ("external_id",)

    def __init__(self, *, tenant: Tenant):
        super().__init__()
        self.tenant = tenant

    def before_import_row(self, row, **kwargs):
        missing = [column for column in self.REQUIRED if not str(row.get(column) or "").strip()]
        if missing:
            raise ValidationError({column: _("This column is required.") for column in missing})

    def data_of(self, instance) -> dict:
        return {name: getattr(instance, name) for name in self.fields if name != "id"}


class AccountResource(TenantResource):
    REQUIRED = ("external_id", "number", "name")

    class Meta:
        model = Account
        import_id_fields = ("external_id",)
        fields = (
            "external_id",
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
        skip_diff = True
        use_transactions = True

    def __init__(self, *, tenant: Tenant):
        super().__init__(tenant=tenant)
        _yes_no(self, {"is_active": True})

    def get_queryset(self):
        return Account.objects.filter(tenant=self.tenant)

    def save_instance(self, instance, is_create, row, **kwargs):
        with transaction.atomic():
            if is_create:
                saved = sync.account_create(tenant=self.tenant, data=self.data_of(instance))
            else:
                saved = sync.account_update(account=instance, data=self.data_of(instance))
        instance.pk = saved.pk


class TenantAccountWidget(widgets.ForeignKeyWidget):
    """An account of the importing tenant by its external id (another tenant's is "not found")."""

    def __init__(self, tenant: Tenant):
        super().__init__(Account, field="external_id")
        self.tenant = tenant

    def get_queryset(self, value, row, *args, **kwargs):
        return Account.objects.filter(tenant=self.tenant)

    def clean(self, value, row=None, **kwargs):
        if not str(value or "").strip():
            raise ValueError(_("This column is required."))
        try:
            return super().clean(str(value).strip(), row, **kwargs)
        except Account.DoesNotExist:
            raise ValueError(_("No account of this portal has the external ID %(id)s.") % {"id": value}) from None


CONTACT_FIELDS = (
    "external_id",
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
    "is_main",
    "is_billing",
    "is_technical",
)


class ContactResource(TenantResource):
    """Contacts and their roles. Portal rights (log in, pay, ...) are not imported: granting a login sends an
    invitation, which staff or the company's owner do on purpose."""

    REQUIRED = ("external_id", "account_external_id", "first_name", "last_name")

    class Meta:
        model = Contact
        import_id_fields = ("external_id",)
        fields = ("account", *CONTACT_FIELDS)
        skip_diff = True
        use_transactions = True

    def __init__(self, *, tenant: Tenant):
        super().__init__(tenant=tenant)
        self.fields["account"] = fields.Field(
            attribute="account", column_name="account_external_id", widget=TenantAccountWidget(tenant)
        )
        _yes_no(self, {"is_main": False, "is_billing": False, "is_technical": False})

    def get_queryset(self):
        return Contact.objects.filter(account__tenant=self.tenant).select_related("account")

    def save_instance(self, instance, is_create, row, **kwargs):
        data = {name: getattr(instance, name) for name in CONTACT_FIELDS}
        with transaction.atomic():
            if is_create:
                saved = sync.contact_write(account=instance.account, data=data)
            else:
                current = Contact.objects.get(pk=instance.pk)
                if current.account_id != instance.account_id:
                    raise ValidationError(
                        {"account_external_id": _("A contact stays with its account: import it under a new ID.")}
                    )
                saved = sync.contact_write(account=current.account, data=data, contact=current)
        instance.pk = saved.pk


class InvoiceLinesWidget(widgets.Widget):
    """The lines gathered from an invoice's rows (see :func:`invoice_rows_grouped`)."""

    def clean(self, value, row=None, **kwargs):
        lines = []
        decimal = widgets.DecimalWidget()
        for number, line in value or []:
            description = str(line.get("line_description") or "").strip()
            if not description:
                raise ValueError(_("Row %(row)s: the line has no description.") % {"row": number})
            try:
                quantity = decimal.clean(line.get("quantity") or "1")
                unit_price = decimal.clean(line.get("unit_price"))
            except (ValueError, ArithmeticError):
                raise ValueError(_("Row %(row)s: quantity and unit price must be numbers.") % {"row": number}) from None
            if unit_price is None:
                raise ValueError(_("Row %(row)s: enter the unit price.") % {"row": number})
            if quantity <= 0:
                raise ValueError(_("Row %(row)s: the quantity must be more than zero.") % {"row": number})
            lines.append({"description": description[:255], "quantity": quantity, "unit_price": unit_price})
        if not lines:
            raise ValueError(_("Add at least one line."))
        return lines


INVOICE_HEADER = ("external_id", "account_external_id", "number", "status", "invoice_date", "due_date", "currency")
INVOICE_COLUMNS = (*INVOICE_HEADER, "terms", "notes", "line_description", "quantity", "unit_price")


class InvoiceResource(TenantResource):
    REQUIRED = ("external_id", "account_external_id", "number", "due_date")

    invoice_date = fields.Field(
        attribute="invoice_date", column_name="invoice_date", widget=widgets.DateWidget("%Y-%m-%d")
    )
    due_date = fields.Field(attribute="due_date", column_name="due_date", widget=widgets.DateWidget("%Y-%m-%d"))

    class Meta:
        model = Invoice
        import_id_fields = ("external_id",)
        fields = ("external_id", "account", "number", "invoice_date", "due_date", "terms", "currency", "notes")
        skip_diff = True
        use_transactions = True

    def __init__(self, *, tenant: Tenant, by: User | None = None):
        super().__init__(tenant=tenant)
        self.by = by
        self.fields["account"] = fields.Field(
            attribute="account", column_name="account_external_id", widget=TenantAccountWidget(tenant)
        )
        self.fields["lines"] = fields.Field(attribute="import_lines", column_name="lines", widget=InvoiceLinesWidget())
        self.fields["status"] = fields.Field(
            attribute="import_status", column_name="status", widget=widgets.CharWidget()
        )

    def get_queryset(self):
        return Invoice.objects.filter(tenant=self.tenant)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        status = str(row.get("status") or "draft").strip().lower()
        if status not in {"draft", "issued"}:
            raise ValidationError({"status": _("The status is draft or issued.")})
        row["status"] = status

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            raise ValidationError(
                {
                    "external_id": _(
                        "Invoice %(number)s already has this external ID: an imported invoice is not changed by "
                        "a later import (correct an issued one with a credit memo, edit a draft in the admin)."
                    )
                    % {"number": instance.number}
                }
            )

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name == "invoice_date" and not str(row.get("invoice_date") or "").strip():
            instance.invoice_date = timezone.localdate()
            return
        if field.column_name == "currency" and not str(row.get("currency") or "").strip():
            instance.currency = ""
            return
        if field.column_name == "terms" and not str(row.get("terms") or "").strip():
            instance.terms = "Net 30"
            return
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def save_instance(self, instance, is_create, row, **kwargs):
        issue = instance.import_status == "issued"
        with transaction.atomic() if issue else nullcontext():  # a draft: invoice_draft_create is atomic itself
            invoice = sync.invoice_draft_create(
                account=instance.account,
                number=instance.number,
                lines=instance.import_lines,
                due_date=instance.due_date,
                invoice_date=instance.invoice_date,
                terms=instance.terms,
                notes=instance.notes,
                currency=instance.currency or None,
                external_id=instance.external_id,
            )
            if issue:
                invoice_issue(invoice=invoice, by=self.by)
        instance.pk = invoice.pk


RESOURCES = {
    ImportKind.ACCOUNTS: AccountResource,
    ImportKind.CONTACTS: ContactResource,
    ImportKind.INVOICES: InvoiceResource,
}
COLUMNS = {
    ImportKind.ACCOUNTS: AccountResource.Meta.fields,
    ImportKind.CONTACTS: ("account_external_id", *CONTACT_FIELDS),
    ImportKind.INVOICES: INVOICE_COLUMNS,
}


# --- files ----------------------------------------------------------------------------------------------------


def dataset_read(*, content: bytes, file_format: str) -> tablib.Dataset:
    """The file as a table with a header row (columns in lower case), or an ImportFileError saying why not."""
    if file_format not in FORMATS:
        raise ImportFileError({"file": _("Upload a .csv or .xlsx file.")})
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError({"file": _("The file is larger than 10 MB.")})
    try:
        if file_format == "csv":
            text = content.decode("utf-8-sig")
            dataset = tablib.Dataset().load(text, format="csv")
        else:
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
    except UnicodeDecodeError:
        raise ImportFileError({"file": _("The CSV file is not UTF-8 text.")}) from None
    except Exception:  # tablib and openpyxl raise many kinds for a file that is not what it says
        raise ImportFileError({"file": _("The file cannot be read as %(format)s.") % {"format": file_format}}) from None
    if not dataset.headers:
        raise ImportFileError({"file": _("The file has no header row.")})
    headers = [str(h or "").strip().lower() for h in dataset.headers]
    # an empty spreadsheet cell is None: the same as an empty CSV field; rows left empty at the end are dropped
    rows = [["" if value is None else value for value in row] for row in dataset]
    while rows and not any(str(value).strip() for value in rows[-1]):
        rows.pop()
    dataset = tablib.Dataset(*rows, headers=headers)
    if len(dataset) > MAX_ROWS:
        raise ImportFileError({"file": _("The file has more than %(max)s rows.") % {"max": MAX_ROWS}})
    return dataset


def invoice_rows_grouped(dataset: tablib.Dataset) -> tuple[tablib.Dataset, list[list[int]]]:
    """One row per invoice from one row per line: the rows sharing an ``external_id`` (file row numbers kept, the
    header being row 1)."""
    groups: OrderedDict[str, list[tuple[int, dict]]] = OrderedDict()
    for index, row in enumerate(dataset.dict):
        key = str(row.get("external_id") or "").strip() or f"#row{index}"
        groups.setdefault(key, []).append((index + 2, row))
    grouped = tablib.Dataset(headers=[*INVOICE_HEADER, "terms", "notes", "lines"])
    numbers = []
    for rows in groups.values():
        first = rows[0][1]
        grouped.append(
            [
                *(first.get(c, "") for c in INVOICE_HEADER),
                first.get("terms", ""),
                first.get("notes", ""),
                [(number, row) for number, row in rows],
            ]
        )
        numbers.append([number for number, _row in rows])
    return grouped, numbers


def _missing_columns(kind: str, dataset: tablib.Dataset) -> list[str]:
    required = {
        ImportKind.ACCOUNTS: AccountResource.REQUIRED,
        ImportKind.CONTACTS: ContactResource.REQUIRED,
        ImportKind.INVOICES: (*InvoiceResource.REQUIRED, "line_description", "unit_price"),
    }[kind]
    return [column for column in required if column not in dataset.headers]


# --- check and apply ------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    totals: dict
    rows: list[dict]

    def as_json(self) -> dict:
        return {"totals": self.totals, "rows": self.rows}


ACTIONS = {
    RowResult.IMPORT_TYPE_NEW: "create",
    RowResult.IMPORT_TYPE_UPDATE: "update",
    RowResult.IMPORT_TYPE_SKIP: "skip",
    RowResult.IMPORT_TYPE_INVALID: "refuse",
    RowResult.IMPORT_TYPE_ERROR: "refuse",
}


def _reasons(row_result, columns: dict[str, str]) -> list[str]:
    """What is wrong with a refused row, each reason named by its file column."""
    reasons = []
    if row_result.validation_error is not None:
        error = row_result.validation_error
        if hasattr(error, "error_dict"):
            for column, errors in error.message_dict.items():
                label = "" if column in ("__all__", "import_lines") else f"{columns.get(column, column)}: "
                reasons.extend(f"{label}{message}" for message in errors)
        else:
            reasons.extend(error.messages)
    for error in row_result.errors:
        reasons.append(_("Could not be saved: %(error)s") % {"error": error.error})
    return reasons


def _run(*, tenant: Tenant, kind: str, content: bytes, file_format: str, dry_run: bool, by: User | None):
    dataset = dataset_read(content=content, file_format=file_format)
    missing = _missing_columns(kind, dataset)
    if missing:
        raise ImportFileError({"file": _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}})
    numbers = [[index + 2] for index in range(len(dataset))]
    if kind == ImportKind.INVOICES:
        dataset, numbers = invoice_rows_grouped(dataset)
        resource = InvoiceResource(tenant=tenant, by=by)
    else:
        resource = RESOURCES[kind](tenant=tenant)
    result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True)
    if result.base_errors:
        raise ImportFileError({"file": [str(error.error) for error in result.base_errors]})
    columns = {field.attribute: field.column_name for field in resource.fields.values() if field.attribute}
    rows, totals = [], {"create": 0, "update": 0, "skip": 0, "refuse": 0}
    for index, row_result in enumerate(result.rows):
        action = ACTIONS.get(row_result.import_type, "refuse")
        totals[action] += 1
        values = dataset.dict[index]
        rows.append(
            {
                "rows": numbers[index],
                "action": action,
                "key": str(values.get("external_id") or ""),
                "label": str(values.get("name") or values.get("number") or values.get("last_name") or ""),
                "reasons": _reasons(row_result, columns) if action == "refuse" else [],
            }
        )
    return ImportReport(totals=totals, rows=rows)


def import_check(*, run: ImportRun, by: User | None = None) -> ImportRun:
    """The dry run of ``run``'s file: the report row by row; nothing is kept."""
    report = _run(
        tenant=run.tenant, kind=run.kind, content=bytes(run.content), file_format=run.file_format, dry_run=True, by=by
    )
    run.report = report.as_json()
    run.status = ImportRun.Status.REFUSED if report.totals["refuse"] else ImportRun.Status.CHECKED
    run.save(update_fields=["report", "status"])
    return run


def import_upload(*, tenant: Tenant, kind: str, file, by: User | None) -> ImportRun:
    """Keep the uploaded ``file`` as an import of ``tenant`` and run its dry run (:func:`import_check`)."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    name = getattr(file, "name", "") or ""
    file_format = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if file.size > MAX_FILE_BYTES:
        raise ImportFileError({"file": _("The file is larger than 10 MB.")})
    content = file.read()
    dataset_read(content=content, file_format=file_format)  # a file that cannot be read is refused, not kept
    run = ImportRun.objects.create(
        tenant=tenant, kind=kind, file_name=name[:255], file_format=file_format, content=content, created_by=by
    )
    return import_check(run=run, by=by)


def import_apply(*, run: ImportRun, by: User | None = None) -> ImportRun:
    """Import ``run``'s file in one transaction, all or nothing. A row refused now (the data changed since the
    check) keeps everything out; the report says which."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status == ImportRun.Status.APPLIED:
            raise ValidationError(_("This file was imported already."))
        if run.status != ImportRun.Status.CHECKED:
            raise ValidationError(_("Nothing was imported: correct the refused rows and upload the file again."))
        report = _run(
            tenant=run.tenant,
            kind=run.kind,
            content=bytes(run.content),
            file_format=run.file_format,
            dry_run=False,
            by=by,
        )
        run.report = report.as_json()
        if report.totals["refuse"]:
            run.status = ImportRun.Status.REFUSED
        else:
            run.status, run.applied_at = ImportRun.Status.APPLIED, timezone.now()
        run.save(update_fields=["report", "status", "applied_at"])
    return run


# --- samples --------------------------------------------------------------------------------------------------

SAMPLE_ROWS = {
    ImportKind.ACCOUNTS: [
        [
            "ERP-C-1001",
            "1001",
            "Acme Manufacturing",
            "1 Main Street",
            "",
            "",
            "Springfield",
            "IL",
            "62701",
            "United States of America",
            "yes",
        ],
        [
            "ERP-C-1002",
            "1002",
            "Globex Ltd",
            "22 Market Road",
            "Suite 4",
            "",
            "Shelbyville",
            "IL",
            "62565",
            "United States of America",
            "yes",
        ],
    ],
    ImportKind.CONTACTS: [
        [
            "ERP-C-1001",
            "ERP-P-1",
            "Ada",
            "Lovelace",
            "Controller",
            "ada@acme.example.com",
            "+1 217 555 0100",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "yes",
            "yes",
            "no",
        ],
        [
            "ERP-C-1001",
            "ERP-P-2",
            "Charles",
            "Babbage",
            "IT",
            "charles@acme.example.com",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "no",
            "no",
            "yes",
        ],
    ],
    ImportKind.INVOICES: [
        [
            "ERP-I-5001",
            "ERP-C-1001",
            "INV-5001",
            "issued",
            "2026-11-01",
            "2026-12-01",
            "USD",
            "Net 30",
            "",
            "Support plan, November",
            "1",
            "1200.00",
        ],
        [
            "ERP-I-5001",
            "ERP-C-1001",
            "INV-5001",
            "issued",
            "2026-11-01",
            "2026-12-01",
            "USD",
            "Net 30",
            "",
            "Extra seats",
            "3",
            "45.50",
        ],
        [
            "ERP-I-5002",
            "ERP-C-1002",
            "INV-5002",
            "draft",
            "2026-11-15",
            "2026-12-15",
            "USD",
            "Net 30",
            "Draft from the ERP",
            "Installation",
            "8",
            "95.00",
        ],
    ],
}


def import_sample(*, kind: str, file_format: str) -> bytes:
    """A small file of ``kind`` in ``file_format`` with every column, to fill in."""
    dataset = tablib.Dataset(*SAMPLE_ROWS[kind], headers=list(COLUMNS[kind]))
    if file_format == "xlsx":
        return dataset.export("xlsx")
    return dataset.export("csv").encode("utf-8")
