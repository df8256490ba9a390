"""Imports of accounts, contacts and invoices from CSV and XLSX: the dry run row by row, all or nothing, keyed on
external_id, into the staff member's own tenant only, invoices through the billing services."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal_models.models import Account, Contact, ImportKind, ImportRun, Invoice, InvoiceStatus, StaffRole
from portal_models.services import imports
from portal_models.services.tenants import tenant_staff_groups_ensure

from .factories import AccountFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    return TenantFactory(name="Ledgerly Tenant", slug="ledgerly", currency="USD")


def csv_bytes(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def run_of(tenant, kind, content, file_format="csv", name=None) -> ImportRun:
    upload = SimpleUploadedFile(name or f"{kind}.{file_format}", content)
    return imports.import_upload(tenant=tenant, kind=kind, file=upload, by=None)


def invoice_row(i, account="ERP-A-1", **changes):
    row = {
        "external_id": f"ERP-I-{i}",
        "account_external_id": account,
        "number": f"INV-{i}",
        "status": "issued" if i % 10 == 0 else "draft",
        "invoice_date": "2026-11-01",
        "due_date": "2026-12-01",
        "currency": "USD",
        "terms": "Net 30",
        "notes": "",
        "line_description": f"Service {i}",
        "quantity": "2",
        "unit_price": "10.50",
    }
    row.update(changes)
    return [row[c] for c in imports.INVOICE_COLUMNS]


def test_a_thousand_invoices_with_three_bad_rows_import_nothing_until_fixed(tenant):
    AccountFactory(tenant=tenant, external_id="ERP-A-1")
    AccountFactory(tenant=TenantFactory(), external_id="ERP-A-OTHER")  # another tenant's account
    bad = {
        17: {"account_external_id": "ERP-A-OTHER"},  # exists, but not in this tenant
        500: {"due_date": "31/12/2026"},
        873: {"unit_price": "ten"},
    }
    rows = [invoice_row(i, **bad.get(i, {})) for i in range(1, 1001)]
    run = run_of(tenant, ImportKind.INVOICES, csv_bytes(imports.INVOICE_COLUMNS, rows))

    assert run.status == ImportRun.Status.REFUSED
    assert run.report["totals"] == {"create": 997, "update": 0, "skip": 0, "refuse": 3}
    refused = [row for row in run.report["rows"] if row["action"] == "refuse"]
    assert [(row["rows"], row["key"]) for row in refused] == [
        ([18], "ERP-I-17"),
        ([501], "ERP-I-500"),
        ([874], "ERP-I-873"),
    ]  # file rows: the header is row 1
    assert refused[0]["reasons"][0].startswith("account_external_id: ") and "ERP-A-OTHER" in refused[0]["reasons"][0]
    assert refused[1]["reasons"][0].startswith("due_date")
    assert "unit price" in refused[2]["reasons"][0]
    assert not Invoice.objects.filter(tenant=tenant).exists()  # the dry run kept nothing

    with pytest.raises(imports.ValidationError):  # applying anyway: nothing while rows are refused
        imports.import_apply(run=run)
    assert not Invoice.objects.filter(tenant=tenant).exists()

    # the corrected file (its dry run is the same code path as above, tested on small files elsewhere)
    fixed = [invoice_row(i) for i in range(1, 1001)]
    run = ImportRun.objects.create(
        tenant=tenant,
        kind=ImportKind.INVOICES,
        file_name="fixed.csv",
        file_format="csv",
        content=csv_bytes(imports.INVOICE_COLUMNS, fixed),
        status=ImportRun.Status.CHECKED,
    )
    run = imports.import_apply(run=run)
    assert run.status == ImportRun.Status.APPLIED and run.report["totals"]["create"] == 1000
    invoices = Invoice.objects.filter(tenant=tenant)
    assert invoices.count() == 1000
    assert invoices.filter(status=InvoiceStatus.OPEN).count() == 100  # issued through invoice_issue
    assert invoices.filter(status=InvoiceStatus.DRAFT).count() == 900
    issued = invoices.get(external_id="ERP-I-10")
    assert issued.total == Decimal("21.00") and issued.issued_at is not None and issued.bill_to_name
    # the same file again: every invoice is known, none changes
    again = run_of(tenant, ImportKind.INVOICES, csv_bytes(imports.INVOICE_COLUMNS, fixed[:3]))
    assert again.report["totals"]["refuse"] == 3 and "already" in again.report["rows"][0]["reasons"][0]


def test_invoice_lines_are_grouped_by_external_id_from_xlsx(tenant):
    AccountFactory(tenant=tenant, external_id="ERP-A-1")
    rows = [
        invoice_row(1, line_description="Plan", quantity="1", unit_price="100"),
        invoice_row(1, line_description="Seats", quantity="3", unit_price="7.25"),
        invoice_row(2, status="issued"),
    ]
    content = tablib.Dataset(*rows, headers=list(imports.INVOICE_COLUMNS)).export("xlsx")
    run = run_of(tenant, ImportKind.INVOICES, content, file_format="xlsx")
    assert [row["rows"] for row in run.report["rows"]] == [[2, 3], [4]]
    imports.import_apply(run=run)
    invoice = Invoice.objects.get(external_id="ERP-I-1")
    assert [(line.description, line.line_total) for line in invoice.lines.all()] == [
        ("Plan", Decimal("100.00")),
        ("Seats", Decimal("21.75")),
    ]
    assert invoice.status == InvoiceStatus.DRAFT and invoice.total == Decimal("121.75")


def test_accounts_are_created_then_updated_on_their_external_id(tenant):
    header = imports.COLUMNS[ImportKind.ACCOUNTS]
    first = [["ERP-1", "1001", "Acme", "1 Main St", "", "", "Springfield", "IL", "62701", "USA", "yes"]]
    run = imports.import_apply(run=run_of(tenant, ImportKind.ACCOUNTS, csv_bytes(header, first)))
    assert run.status == ImportRun.Status.APPLIED
    acme = Account.objects.get(tenant=tenant, external_id="ERP-1")
    assert (acme.number, acme.name, acme.city) == ("1001", "Acme", "Springfield")

    second = [
        ["ERP-1", "1001", "Acme Corp", "1 Main St", "", "", "Chicago", "IL", "60601", "USA", "no"],
        ["ERP-2", "1002", "Globex", "", "", "", "", "", "", "", ""],
        ["ERP-3", "1001", "Duplicate number", "", "", "", "", "", "", "", ""],
        ["ERP-4", "1004", "Bad flag", "", "", "", "", "", "", "", "maybe"],
        ["", "1005", "No key", "", "", "", "", "", "", "", ""],
    ]
    run = run_of(tenant, ImportKind.ACCOUNTS, csv_bytes(header, second))
    actions = [(row["key"], row["action"]) for row in run.report["rows"]]
    assert actions == [
        ("ERP-1", "update"),
        ("ERP-2", "create"),
        ("ERP-3", "refuse"),
        ("ERP-4", "refuse"),
        ("", "refuse"),
    ]
    reasons = [row["reasons"] for row in run.report["rows"]]
    assert "number" in reasons[2][0] and "is_active" in reasons[3][0] and "external_id" in reasons[4][0]
    acme.refresh_from_db()
    assert acme.name == "Acme" and Account.objects.filter(tenant=tenant).count() == 1

    run = imports.import_apply(run=run_of(tenant, ImportKind.ACCOUNTS, csv_bytes(header, second[:2])))
    acme.refresh_from_db()
    assert run.status == ImportRun.Status.APPLIED and (acme.name, acme.city, acme.is_active) == (
        "Acme Corp",
        "Chicago",
        False,
    )
    assert Account.objects.get(tenant=tenant, external_id="ERP-2").is_active  # blank: the default


def test_contacts_import_with_roles_and_never_portal_rights(tenant):
    AccountFactory(tenant=tenant, external_id="ERP-1")
    header = ["account_external_id", "external_id", "first_name", "last_name", "email", "is_billing", "can_login"]
    rows = [
        ["ERP-1", "P-1", "Ada", "Lovelace", "ada@example.com", "yes", "yes"],
        ["ERP-9", "P-2", "Nobody", "Known", "", "", ""],
        ["ERP-1", "P-3", "Bad", "Email", "not-an-email", "", ""],
    ]
    run = run_of(tenant, ImportKind.CONTACTS, csv_bytes(header, rows))
    assert [row["action"] for row in run.report["rows"]] == ["create", "refuse", "refuse"]
    assert "ERP-9" in run.report["rows"][1]["reasons"][0] and "email" in run.report["rows"][2]["reasons"][0]
    run = imports.import_apply(run=run_of(tenant, ImportKind.CONTACTS, csv_bytes(header, rows[:1])))
    ada = Contact.objects.get(external_id="P-1")
    assert ada.is_billing and not ada.can_login and ada.account.tenant == tenant


@pytest.mark.parametrize("kind", ImportKind.values)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_sample_file_reads_back_with_its_columns(kind, file_format):
    content = imports.import_sample(kind=kind, file_format=file_format)
    dataset = imports.dataset_read(content=content, file_format=file_format)
    assert tuple(dataset.headers) == tuple(imports.COLUMNS[kind]) and len(dataset) >= 2


def test_the_sample_files_import_as_they_are(tenant):
    for kind in (ImportKind.ACCOUNTS, ImportKind.CONTACTS, ImportKind.INVOICES):
        run = run_of(tenant, kind, imports.import_sample(kind=kind, file_format="csv"))
        assert run.report["totals"]["refuse"] == 0, run.report
        assert imports.import_apply(run=run).status == ImportRun.Status.APPLIED
    assert Invoice.objects.get(external_id="ERP-I-5001").total == Decimal("1336.50")


def test_files_that_cannot_be_read_are_refused_and_not_kept(tenant):
    for name, content in [("a.txt", b"x"), ("a.xlsx", b"not a workbook"), ("a.csv", b"\xff\xfe\x00bad")]:
        with pytest.raises(imports.ValidationError):
            run_of(tenant, ImportKind.ACCOUNTS, content, name=name, file_format=name.rsplit(".", 1)[1])
    with pytest.raises(imports.ValidationError, match="Missing columns"):
        imports.import_check(
            run=ImportRun.objects.create(
                tenant=tenant, kind=ImportKind.ACCOUNTS, file_name="a.csv", file_format="csv", content=b"name\nAcme\n"
            )
        )


# --- the admin screens -------------------------------------------------------------------------------------------


def billing_staff(tenant, email):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.BILLING])
    return user


def test_billing_staff_check_then_import_a_file_in_the_admin(client, tenant):
    client.force_login(billing_staff(tenant, "billing@ledgerly.example.com"))
    page = client.get(reverse("portal_imports"))
    assert page.status_code == 200 and "Ledgerly Tenant" in page.content.decode()
    sample = client.get(reverse("portal_imports"), {"sample": "invoices", "format": "csv"})
    assert sample["Content-Disposition"].endswith('portal-invoices-sample.csv"')
    bad = client.post(
        reverse("portal_imports"),
        {"tenant": tenant.pk, "kind": "accounts", "file": SimpleUploadedFile("a.pdf", b"%PDF")},
    )
    assert 'data-testid="error-file"' in bad.content.decode() and not ImportRun.objects.exists()

    content = imports.import_sample(kind="accounts", file_format="xlsx")
    response = client.post(
        reverse("portal_imports"),
        {"tenant": tenant.pk, "kind": "accounts", "file": SimpleUploadedFile("erp.xlsx", content)},
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal_import", args=[run.pk])
    report = client.get(reverse("portal_import", args=[run.pk])).content.decode()
    assert report.count('data-action="create"') == 2 and 'data-testid="apply-import"' in report
    assert not Account.objects.filter(tenant=tenant).exists()
    client.post(reverse("portal_import", args=[run.pk]), {"action": "apply"})
    assert Account.objects.filter(tenant=tenant).count() == 2
    run.refresh_from_db()
    assert run.status == ImportRun.Status.APPLIED


def test_staff_import_into_their_own_tenant_only(client, tenant):
    other = TenantFactory(name="Otherwise Tenant", slug="otherwise")
    theirs = ImportRun.objects.create(
        tenant=other, kind="accounts", file_name="otherwise-secret.csv", file_format="csv", content=b"x"
    )
    client.force_login(billing_staff(tenant, "billing@ledgerly.example.com"))
    listing = client.get(reverse("portal_imports")).content.decode()
    assert "otherwise-secret" not in listing and "Otherwise Tenant" not in listing
    assert client.get(reverse("portal_import", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("portal_import", args=[theirs.pk]), {"action": "apply"}).status_code == 404
    forged = client.post(
        reverse("portal_imports"),
        {
            "tenant": other.pk,
            "kind": "accounts",
            "file": SimpleUploadedFile("a.csv", imports.import_sample(kind="accounts", file_format="csv")),
        },
    )
    assert 'data-testid="error-tenant"' in forged.content.decode()
    assert ImportRun.objects.count() == 1 and not Account.objects.filter(tenant=other).exists()


def test_support_staff_may_not_import(client, tenant):
    user = UserFactory(email="support@ledgerly.example.com", is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.SUPPORT])
    client.force_login(user)
    assert client.get(reverse("portal_imports")).status_code in {302, 403}  # Wagtail: back to the dashboard
