"""Staff billing admin: listings, filters, export, actions through the services, audit log."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from portal_models.models import Invoice, InvoiceStatus, Payment
from portal_models.services import billing
from portal_models.tests.factories import AccountFactory, ContactFactory, UserFactory, seed_invoice

pytestmark = pytest.mark.django_db

BASE = "/admin/portal_models/invoice/"


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def invoice():
    account = AccountFactory(name="Test Inc.")
    ContactFactory(account=account, email="ap@test.example", is_billing=True)
    ContactFactory(account=account, email="tech@test.example", is_billing=False)
    return seed_invoice(account)


@pytest.mark.parametrize("model", ["account", "contact", "invoice", "creditmemo", "payment"])
def test_listings_and_menu(client, staff, invoice, model):
    billing.payment_record(account=invoice.account, method="check", amount=Decimal("10"), invoices=[invoice])
    response = client.get(f"/admin/portal_models/{model}/")
    assert response.status_code == 200
    assert b"Billing" in client.get("/admin/").content


def test_invoice_list_filters_and_search(client, staff, invoice):
    other = billing.invoice_create(
        account=invoice.account, number="777", lines=[{"description": "x", "unit_price": "5"}], due_date="2099-01-01"
    )
    overdue = client.get(BASE + "?overdue=yes").content.decode()
    assert "10020" in overdue and ">777<" not in overdue
    assert "10020" not in client.get(BASE + "?q=777").content.decode().split("<tbody")[1]
    assert other.number in client.get(BASE + f"?tenant={invoice.tenant_id}").content.decode()


def test_export_csv_and_xlsx(client, staff, invoice):
    csv_response = client.get(BASE + "?export=csv&overdue=yes")
    assert csv_response.status_code == 200
    content = b"".join(csv_response.streaming_content).decode() if csv_response.streaming else csv_response.content
    assert "10020" in str(content) and "6100.00" in str(content)
    xlsx = client.get(BASE + "?export=xlsx")
    data = b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content
    sheet = load_workbook(io.BytesIO(data)).active
    assert "10020" in [str(c.value) for c in sheet["C"]]


def test_record_manual_payment(client, staff, invoice):
    url = f"{BASE}record_payment/{invoice.pk}/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"method": "check", "amount": "99999", "received_on": "2026-01-05"})
    assert bad.status_code == 200 and not Payment.objects.exists()
    response = client.post(
        url, {"method": "check", "amount": "1000.00", "received_on": "2026-01-05", "reference": "#5521"}
    )
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.reference, payment.recorded_by, payment.method) == ("#5521", staff, "check")
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("5100.00") and invoice.status == InvoiceStatus.PARTIALLY_PAID
    entry = ModelLogEntry.objects.get(action="portal.payment.record")
    assert entry.user == staff


def test_issue_emails_billing_contacts(client, staff, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.DRAFT)  # (a draft: editing it is refused)
    assert client.post(f"{BASE}issue/{invoice.pk}/").status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert [m.to for m in mail.outbox] == [["ap@test.example"]]
    assert "10020" in mail.outbox[0].subject and "$6,100.00" in mail.outbox[0].body
    assert ModelLogEntry.objects.filter(action="portal.invoice.issue", user=staff).exists()


def test_the_issued_invoice_email_links_to_the_invoice_in_the_portal(client, staff):
    from portal_pages.tests.factories import make_portal

    home = make_portal(name="Linked", slug="linked")
    account = AccountFactory(tenant=home.tenant, number="L-9")
    ContactFactory(account=account, email="ap@linked.example", is_billing=True)
    invoice = seed_invoice(account)
    billing.invoice_issue(invoice=invoice, by=staff)
    assert f"{home.get_full_url()}invoices/{invoice.pk}/?account=L-9" in mail.outbox[0].body


def test_void(client, staff, invoice):
    assert client.get(f"{BASE}void/{invoice.pk}/").status_code == 200
    no_reason = client.post(f"{BASE}void/{invoice.pk}/")
    assert no_reason.status_code == 200 and "This field is required" in no_reason.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert client.post(f"{BASE}void/{invoice.pk}/", {"reason": "Billed twice"}).status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason, invoice.amount_due) == (InvoiceStatus.VOID, "Billed twice", 0)
    entry = ModelLogEntry.objects.get(action="portal.invoice.void", user=staff)
    assert entry.data["reason"] == "Billed twice"


def test_void_refused_with_payments(client, staff, invoice):
    billing.payment_record(account=invoice.account, method="check", amount=Decimal("10"), invoices=[invoice])
    response = client.post(f"{BASE}void/{invoice.pk}/", {"reason": "Billed twice"}, follow=True)
    assert "cannot be voided" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status != InvoiceStatus.VOID


def test_create_invoice_with_inline_lines_recomputes_totals(client, staff, invoice):
    data = {
        "account": invoice.account_id,
        "number": "10099",
        "status": "open",
        "invoice_date": "2026-01-01",
        "due_date": "2026-01-31",
        "terms": "Net 30",
        "currency": "USD",
        "notes": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-description": "Widget",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "10.50",
        "lines-0-kind": "item",
        "lines-0-ORDER": "1",
        "lines-0-position": "0",
        "lines-1-description": "Gadget",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "100",
        "lines-1-kind": "item",
        "lines-1-ORDER": "2",
        "lines-1-position": "1",
    }
    response = client.post(BASE + "create/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Invoice.objects.get(number="10099")
    assert (created.tenant, created.total, created.amount_due) == (invoice.tenant, Decimal("121.00"), Decimal("121.00"))
    assert ModelLogEntry.objects.filter(action="wagtail.create", user=staff).exists()
    dup = client.post(BASE + "create/", data)
    assert dup.status_code == 200 and "already has an invoice with this number" in dup.content.decode()


def test_staff_of_another_tenant_see_nothing_of_this_one(client, invoice):
    """A real billing staff member of another tenant: listings are empty of this tenant, objects answer 404."""
    from portal_models.models import StaffRole
    from portal_models.services.tenants import tenant_staff_groups_ensure
    from portal_models.tests.factories import TenantFactory

    other_staff = UserFactory(is_staff=True)
    other_staff.groups.add(tenant_staff_groups_ensure(tenant=TenantFactory())[StaffRole.BILLING])
    client.force_login(other_staff)
    for model in ("account", "contact", "invoice", "creditmemo", "payment"):
        response = client.get(f"/admin/portal_models/{model}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Test Inc." not in html and "10020" not in html
    assert client.get(f"{BASE}void/{invoice.pk}/").status_code == 404
    for action in ("inspect", "edit", "delete", "history"):
        assert client.get(f"{BASE}{action}/{invoice.pk}/").status_code == 404
    contact = invoice.account.contacts.first()
    assert client.get(f"/admin/portal_models/contact/edit/{contact.pk}/").status_code == 404


def test_payments_are_inspect_only(client, staff, invoice):
    payment = billing.payment_record(account=invoice.account, method="check", amount=Decimal("10"), invoices=[invoice])
    assert client.get(f"/admin/portal_models/payment/inspect/{payment.pk}/").status_code == 200
    assert client.get(f"/admin/portal_models/payment/edit/{payment.pk}/").status_code in (302, 403)
    assert client.get("/admin/portal_models/payment/create/").status_code in (302, 403)


def test_only_drafts_can_be_deleted(client, staff, invoice):
    assert client.get(f"{BASE}delete/{invoice.pk}/").status_code in (302, 403)
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_edit_invoice_lines_inline_recomputes_totals(client, staff, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.DRAFT)  # only drafts are edited
    page = client.get(f"{BASE}edit/{invoice.pk}/")
    assert page.status_code == 200 and "QMS Web Subscription" in page.content.decode()
    lines = list(invoice.lines.all())
    data = {
        "account": invoice.account_id,
        "number": invoice.number,
        "invoice_date": "2022-08-26",
        "due_date": "2022-09-26",
        "terms": "Net 30",
        "currency": "USD",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(len(lines)),
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, line in enumerate(lines):
        data |= {
            f"lines-{i}-id": line.pk,
            f"lines-{i}-description": line.description,
            f"lines-{i}-quantity": "2" if i == 0 else str(line.quantity),
            f"lines-{i}-unit_price": str(line.unit_price),
            f"lines-{i}-kind": line.kind,
            f"lines-{i}-position": line.position,
            f"lines-{i}-ORDER": i + 1,
        }
    assert client.post(f"{BASE}edit/{invoice.pk}/", data).status_code == 302
    invoice.refresh_from_db()
    assert invoice.total == Decimal("7700.00") and invoice.amount_due == Decimal("7700.00")
    assert ModelLogEntry.objects.filter(action="wagtail.edit", user=staff).exists()


def test_create_invoice_defaults_to_the_staff_tenants_currency(client, db):
    """The create form starts in the currency of the staff member's tenant (EUR), not the model's USD."""
    from portal_models.models import StaffRole
    from portal_models.services.tenants import tenant_staff_groups_ensure
    from portal_models.tests.factories import StaffUserFactory, TenantFactory

    tenant = TenantFactory(slug="alpenwerk", currency="EUR")
    staff = StaffUserFactory(is_superuser=False, email="billing@alpenwerk.example.com")
    staff.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.BILLING])
    client.force_login(staff)
    page = client.get(BASE + "create/")
    assert page.status_code == 200
    assert page.context["form"]["currency"].value() == "EUR"


@pytest.mark.parametrize("model", ["account", "invoice", "payment"])
def test_listings_read_one_page_of_rows(client, staff, invoice, model):
    """The paginator counts with one COUNT and reads one page with LIMIT, never every row of the listing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    billing.payment_record(account=invoice.account, method="check", amount=Decimal("10"), invoices=[invoice])
    table = f"portal_models_{model}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/admin/portal_models/{model}/")
    assert response.status_code == 200 and response.context["paginator"].per_page == 25
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]]
    counts = [sql for sql in reads if sql.startswith('SELECT COUNT(*) AS "__count"')]
    rows = [sql for sql in reads if sql not in counts]
    assert rows and all(" LIMIT " in sql for sql in rows), rows
    assert len(counts) == 1, counts
