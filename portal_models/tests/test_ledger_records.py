"""Issued invoices are records: editing attacks through the admin refused (billing staff and superuser), the
model's own last line, bill-to snapshot, void owes nothing, currencies, credit memo and manual payment rules,
manual payment reversal, per-tenant receipt numbers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from wagtail.models import ModelLogEntry

from portal_models.models import CreditMemo, Invoice, InvoiceLine, InvoiceStatus, Payment, StaffRole
from portal_models.models.billing import IssuedInvoiceLocked
from portal_models.money import quantize
from portal_models.services import billing
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import AccountFactory, TenantFactory, UserFactory, seed_invoice

pytestmark = pytest.mark.django_db

BASE = "/admin/portal_models/invoice/"


@pytest.fixture
def invoice():
    return seed_invoice(AccountFactory(name="Test Inc.", address_1="1 Old Road", city="Aurora"))


@pytest.fixture
def paid_part(invoice):
    return billing.payment_record(
        account=invoice.account, method="check", amount=Decimal("800.00"), invoices=[invoice], reference="1001"
    )


def billing_staff(tenant):
    user = UserFactory(is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.BILLING])
    return user


@pytest.fixture(params=["billing", "superuser"])
def staff(request, client, invoice):
    user = (
        billing_staff(invoice.tenant) if request.param == "billing" else UserFactory(is_staff=True, is_superuser=True)
    )
    client.force_login(user)
    return user


def snapshot(invoice):
    invoice = Invoice.objects.get(pk=invoice.pk)
    lines = list(invoice.lines.values_list("description", "quantity", "unit_price", "line_total"))
    return (
        invoice.account_id,
        invoice.tenant_id,
        invoice.currency,
        invoice.invoice_date,
        invoice.due_date,
        invoice.total,
        invoice.amount_paid,
        invoice.amount_due,
        invoice.status,
        lines,
    )


def edit_data(invoice, **changes):
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
            f"lines-{i}-quantity": str(line.quantity),
            f"lines-{i}-unit_price": "-3000.00" if i == 0 else str(line.unit_price),
            f"lines-{i}-kind": line.kind,
            f"lines-{i}-position": line.position,
            f"lines-{i}-ORDER": i + 1,
        }
    return data | changes


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the editing attacks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "attack",
    ["line_price", "other_account", "other_tenant_account", "currency", "dates"],
)
def test_editing_an_issued_partly_paid_invoice_is_refused_with_a_message(client, staff, invoice, paid_part, attack):
    other_tenant_account = AccountFactory(tenant=TenantFactory(name="QT9"))
    changes = {
        "line_price": {},
        "other_account": {"account": AccountFactory(tenant=invoice.tenant).pk},
        "other_tenant_account": {"account": other_tenant_account.pk},
        "currency": {"currency": "EUR"},
        "dates": {"invoice_date": "2026-01-01", "due_date": "2026-02-01"},
    }[attack]
    before = snapshot(invoice)
    page = client.get(f"{BASE}edit/{invoice.pk}/")
    assert page.status_code == 302 and page["Location"] == f"{BASE}inspect/{invoice.pk}/"
    assert any("cannot be changed" in m for m in messages_of(page))
    response = client.post(f"{BASE}edit/{invoice.pk}/", edit_data(invoice, **changes))
    assert response.status_code == 302 and any("cannot be changed" in m for m in messages_of(response))
    assert snapshot(invoice) == before
    assert not Invoice.objects.filter(account=other_tenant_account).exists()
    assert paid_part.allocations.get().invoice.account_id == invoice.account_id


def test_issued_invoice_listing_offers_no_edit_and_inspect_shows_it(client, staff, invoice):
    actions = client.get(BASE).content.decode().split('<ul class="actions">')[1].split("</ul>")[0]
    assert f"{BASE}edit/{invoice.pk}/" not in actions and f"{BASE}inspect/{invoice.pk}/" in actions
    inspect = client.get(f"{BASE}inspect/{invoice.pk}/")
    assert inspect.status_code == 200 and "Test Inc." in inspect.content.decode()


def test_a_superuser_cannot_move_a_draft_to_another_tenants_account(client, invoice):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    draft = billing.invoice_create(
        account=invoice.account,
        number="D-1",
        lines=[{"description": "x", "unit_price": "5"}],
        due_date=date(2099, 1, 1),
        status=InvoiceStatus.DRAFT,
    )
    other = AccountFactory(tenant=TenantFactory(name="QT9"))
    data = edit_data(draft, account=other.pk, number="D-1", due_date="2099-01-01", invoice_date="2026-01-01")
    data["lines-0-unit_price"] = "5"
    response = client.post(f"{BASE}edit/{draft.pk}/", data)
    assert response.status_code == 200
    assert "another tenant" in response.content.decode()
    draft.refresh_from_db()
    assert draft.account_id == invoice.account_id


def test_the_model_refuses_changes_to_an_issued_invoice_and_its_lines(invoice):
    other = AccountFactory(tenant=invoice.tenant)
    invoice.account = other
    with pytest.raises(IssuedInvoiceLocked):
        invoice.save()
    with pytest.raises(ValidationError):
        invoice.full_clean()
    fresh = Invoice.objects.get(pk=invoice.pk)
    fresh.due_date += timedelta(days=5)
    with pytest.raises(IssuedInvoiceLocked):
        fresh.save()
    fresh = Invoice.objects.get(pk=invoice.pk)
    fresh.status = InvoiceStatus.DRAFT
    with pytest.raises(IssuedInvoiceLocked):
        fresh.save()
    line = invoice.lines.first()
    line.unit_price = Decimal("-3000")
    with pytest.raises(IssuedInvoiceLocked):
        line.save()
    with pytest.raises(IssuedInvoiceLocked):
        line.delete()
    with pytest.raises(IssuedInvoiceLocked):
        InvoiceLine.objects.create(invoice=invoice, description="extra", unit_price=Decimal("1"))
    with pytest.raises(IssuedInvoiceLocked):
        Invoice.objects.get(pk=invoice.pk).delete()
    assert Invoice.objects.get(pk=invoice.pk).total == Decimal("6100.00")


def test_a_draft_stays_editable(invoice):
    draft = billing.invoice_create(
        account=invoice.account,
        number="D-2",
        lines=[{"description": "x", "unit_price": "5"}],
        due_date=date(2099, 1, 1),
        status=InvoiceStatus.DRAFT,
    )
    line = draft.lines.get()
    line.unit_price = Decimal("7")
    line.save()
    draft.due_date = date(2099, 2, 1)
    draft.save()
    assert billing.invoice_recalculate(invoice=draft).total == Decimal("7.00")


# --- bill-to snapshot ------------------------------------------------------------------------------------------
def test_an_issued_invoice_prints_the_address_and_seller_of_its_issue(invoice):
    account, tenant = invoice.account, invoice.tenant
    account.address_1, account.name = "99 New Avenue", "Renamed Ltd"
    account.save()
    tenant.name, tenant.support_email = "New Brand", "new@brand.example"
    tenant.save()
    invoice = Invoice.objects.select_related("account", "tenant").get(pk=invoice.pk)
    html = render_to_string("theme/portal/billing/pdf/invoice.html", {"invoice": invoice, "tenant": tenant})
    assert "1 Old Road" in html and "Test Inc." in html and "99 New Avenue" not in html
    assert "Renamed Ltd" not in html and "New Brand" not in html and "new@brand.example" not in html


def test_issuing_a_draft_snapshots_its_bill_to(invoice):
    draft = billing.invoice_create(
        account=invoice.account,
        number="D-3",
        lines=[{"description": "x", "unit_price": "5"}],
        due_date=date(2099, 1, 1),
        status=InvoiceStatus.DRAFT,
    )
    assert draft.bill_to_name == ""
    issued, _to = billing.invoice_issue(invoice=draft)
    issued.refresh_from_db()
    assert issued.bill_to_name == "Test Inc." and "1 Old Road" in issued.bill_to_address
    assert issued.seller_name == invoice.tenant.name and issued.issued_at is not None


# --- void ------------------------------------------------------------------------------------------------------
def test_a_void_invoice_owes_nothing_and_takes_no_payment_or_credit(invoice):
    other = billing.invoice_create(
        account=invoice.account,
        number="10021",
        lines=[{"description": "y", "unit_price": "10"}],
        due_date=date(2099, 1, 1),
    )
    void = billing.invoice_void(invoice=invoice, reason="Billed twice")
    assert (void.status, void.amount_due, void.void_reason) == (InvoiceStatus.VOID, Decimal("0.00"), "Billed twice")
    from portal_models.selectors.billing import account_balance

    assert account_balance(account=invoice.account) == Decimal("10.00")
    with pytest.raises(ValidationError):
        billing.payment_record(account=invoice.account, method="check", amount=Decimal("5"), invoices=[void])
    with pytest.raises(ValidationError) as exc:
        billing.credit_memo_apply(invoice=void, number="CM-V", amount=Decimal("5"), reason="x")
    assert "invoice" in exc.value.message_dict
    with pytest.raises(ValidationError):
        billing.invoice_void(invoice=void, reason="again")
    with pytest.raises(ValidationError) as exc:
        billing.invoice_void(invoice=other, reason="  ")
    assert "reason" in exc.value.message_dict


def test_void_and_reissue_makes_a_draft_copy(invoice):
    copy = billing.invoice_reissue(invoice=invoice, number="10020-R", reason="Wrong price")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID and invoice.void_reason == "Wrong price"
    assert copy.status == InvoiceStatus.DRAFT and copy.total == Decimal("6100.00") and copy.lines.count() == 3


def test_staff_void_and_reissue_from_the_admin_and_a_taken_number_changes_nothing(client, invoice):
    client.force_login(billing_staff(invoice.tenant))
    url = f"/admin/portal_models/invoice/void/{invoice.pk}/"
    taken = seed_invoice(AccountFactory(tenant=invoice.tenant), number="20001")
    response = client.post(url, {"reason": "Wrong price", "reissue_number": taken.number})
    assert response.status_code == 200
    assert "This tenant already has an invoice with this number." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN and not invoice.void_reason  # nothing changed
    response = client.post(url, {"reason": "Wrong price", "reissue_number": "10020-R"})
    copy = Invoice.objects.get(tenant=invoice.tenant, number="10020-R")
    assert response.status_code == 302 and response["Location"] == f"/admin/portal_models/invoice/edit/{copy.pk}/"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due, copy.status) == (InvoiceStatus.VOID, Decimal("0"), InvoiceStatus.DRAFT)
    entry = ModelLogEntry.objects.get(action="portal.invoice.void", object_id=str(invoice.pk))
    assert entry.data == {"reason": "Wrong price", "reissued_as": "10020-R"}
    assert client.get(response["Location"]).status_code == 200  # the draft copy is editable


# --- currency --------------------------------------------------------------------------------------------------
def test_currency_is_an_iso_4217_choice_and_a_balance_has_one_currency(invoice):
    with pytest.raises(ValidationError) as exc:
        billing.invoice_create(account=invoice.account, number="Z", lines=[], due_date=date(2099, 1, 1), currency="ZZZ")
    assert "currency" in exc.value.message_dict
    eur = Invoice(account=invoice.account, number="E-1", currency="EUR", due_date=date(2099, 1, 1))
    with pytest.raises(ValidationError) as exc:
        eur.full_clean()
    assert "USD" in str(exc.value.message_dict["currency"])
    assert not Invoice.objects.filter(number__in=["Z", "E-1"]).exists()


def test_services_add_no_other_currency_to_a_balance(invoice):
    """A USD balance takes no EUR invoice: neither created issued nor a EUR draft issued later."""
    with pytest.raises(ValidationError) as exc:
        billing.invoice_create(
            account=invoice.account,
            number="E-3",
            lines=[{"description": "x", "unit_price": "10"}],
            due_date=date(2099, 1, 1),
            currency="EUR",
        )
    assert "USD" in str(exc.value.message_dict["currency"])
    draft = billing.invoice_create(
        account=invoice.account,
        number="E-4",
        lines=[{"description": "x", "unit_price": "10"}],
        due_date=date(2099, 1, 1),
        currency="EUR",
        status=InvoiceStatus.DRAFT,
    )
    with pytest.raises(ValidationError):
        billing.invoice_issue(invoice=draft)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT and not draft.issued_at
    assert not Invoice.objects.filter(number="E-3").exists()


def test_amounts_are_quantized_in_their_own_currency():
    assert quantize(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert quantize(Decimal("10.005"), "EUR") == Decimal("10.01")
    account = AccountFactory(tenant=TenantFactory(currency="JPY"))
    invoice = billing.invoice_create(
        account=account, number="J-1", lines=[{"description": "x", "unit_price": "1000.4"}], due_date=date(2099, 1, 1)
    )
    assert (invoice.currency, invoice.total) == ("JPY", Decimal("1000"))
    payment = billing.payment_record(
        account=account, method="check", amount=Decimal("400.4"), allocations={invoice: Decimal("400.4")}
    )
    assert (payment.amount, payment.currency, payment.allocations.get().amount) == (
        Decimal("400"),
        "JPY",
        Decimal("400"),
    )


def test_one_payment_never_mixes_currencies(invoice):
    eur_tenant_account = AccountFactory(tenant=invoice.tenant)
    eur = billing.invoice_create(
        account=eur_tenant_account,
        number="E-2",
        lines=[{"description": "x", "unit_price": "10"}],
        due_date=date(2099, 1, 1),
        currency="EUR",
    )
    usd = billing.invoice_create(
        account=eur_tenant_account, number="U-2", lines=[], due_date=date(2099, 1, 1), status=InvoiceStatus.DRAFT
    )
    assert usd.currency == "USD"
    payment = billing.payment_record(account=eur_tenant_account, method="check", amount=Decimal("10"), invoices=[eur])
    assert payment.currency == "EUR"


# --- credit memos ----------------------------------------------------------------------------------------------
def test_credit_memo_rules(invoice):
    billing.credit_memo_apply(invoice=invoice, number="CM-1", amount=Decimal("100"), reason="Goodwill")
    cases = {
        "number": dict(number="CM-1", amount=Decimal("1"), reason="again"),
        "amount": dict(number="CM-2", amount=Decimal("6000.01"), reason="too much"),
        "date": dict(number="CM-3", amount=Decimal("1"), reason="later", date=timezone.localdate() + timedelta(days=1)),
        "reason": dict(number="CM-4", amount=Decimal("1"), reason=""),
    }
    for field, kwargs in cases.items():
        with pytest.raises(ValidationError) as exc:
            billing.credit_memo_apply(invoice=invoice, **kwargs)
        assert field in exc.value.message_dict, field
    draft = billing.invoice_create(
        account=invoice.account,
        number="D-4",
        lines=[{"description": "x", "unit_price": "5"}],
        due_date=date(2099, 1, 1),
        status=InvoiceStatus.DRAFT,
    )
    with pytest.raises(ValidationError) as exc:
        billing.credit_memo_apply(invoice=draft, number="CM-5", amount=Decimal("1"), reason="draft")
    assert "invoice" in exc.value.message_dict
    assert list(CreditMemo.objects.values_list("number", flat=True)) == ["CM-1"]


def test_a_duplicate_credit_memo_number_is_a_form_error_not_a_500(client, invoice):
    client.force_login(billing_staff(invoice.tenant))
    billing.credit_memo_apply(invoice=invoice, number="CM-1", amount=Decimal("100"), reason="Goodwill")
    data = {
        "invoice": invoice.pk,
        "number": "CM-1",
        "date": timezone.localdate().isoformat(),
        "amount": "5",
        "reason": "x",
    }
    response = client.post("/admin/portal_models/creditmemo/create/", data)
    assert response.status_code == 200 and "already has a credit memo with this number" in response.content.decode()
    future = data | {"number": "CM-9", "date": (timezone.localdate() + timedelta(days=3)).isoformat()}
    response = client.post("/admin/portal_models/creditmemo/create/", future)
    assert response.status_code == 200 and "cannot be dated in the future" in response.content.decode()
    assert CreditMemo.objects.count() == 1
    ok = client.post("/admin/portal_models/creditmemo/create/", data | {"number": "CM-2"})
    assert ok.status_code == 302
    assert ModelLogEntry.objects.filter(action="portal.credit_memo.apply").count() == 1


# --- manual payments -------------------------------------------------------------------------------------------
def test_a_manual_payment_dated_in_the_future_is_refused_next_to_the_field(client, invoice):
    client.force_login(billing_staff(invoice.tenant))
    response = client.post(
        f"{BASE}record_payment/{invoice.pk}/",
        {
            "method": "check",
            "amount": "10",
            "received_on": "2030-01-01",
            "reference": "",
            "payer_name": "",
            "notes": "",
        },
    )
    assert response.status_code == 200 and "cannot be received in the future" in response.content.decode()
    assert not Payment.objects.exists()
    with pytest.raises(ValidationError):
        billing.payment_record(
            account=invoice.account,
            method="check",
            amount=Decimal("10"),
            invoices=[invoice],
            received_at=timezone.now() + timedelta(days=2),
        )


def test_billing_staff_reverse_a_bounced_check_which_reopens_its_invoice(client, invoice, paid_part):
    staff = billing_staff(invoice.tenant)
    client.force_login(staff)
    listing = client.get("/admin/portal_models/payment/").content.decode()
    assert f"/admin/portal_models/payment/reverse/{paid_part.pk}/" in listing and paid_part.display_number in listing
    url = f"/admin/portal_models/payment/reverse/{paid_part.pk}/"
    inspect = f"/admin/portal_models/payment/inspect/{paid_part.pk}/"
    page = client.get(inspect).content.decode()
    assert paid_part.display_number.removeprefix("R-") in page and url in page
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 200  # a reason is required
    assert Payment.objects.get(pk=paid_part.pk).status == Payment.Status.SUCCEEDED
    response = client.post(url, {"reason": "Check bounced"})
    assert response.status_code == 302
    paid_part.refresh_from_db()
    invoice.refresh_from_db()
    assert (paid_part.status, paid_part.reversal_reason, paid_part.reversed_by) == ("reversed", "Check bounced", staff)
    assert (invoice.status, invoice.amount_due) == (InvoiceStatus.OPEN, Decimal("6100.00"))
    assert ModelLogEntry.objects.get(action="portal.payment.reverse").data["reason"] == "Check bounced"
    page = client.get(inspect).content.decode()
    assert "Check bounced" in page and url not in page  # the reason is on the record, reversed once only
    with pytest.raises(ValidationError):
        billing.payment_reverse(payment=paid_part, reason="twice")


def test_a_card_payment_is_not_reversed_and_other_tenants_staff_get_404(client, invoice):
    card = billing.payment_record(account=invoice.account, method="card", amount=Decimal("5"), invoices=[invoice])
    with pytest.raises(ValidationError):
        billing.payment_reverse(payment=card, reason="no")
    client.force_login(billing_staff(TenantFactory()))
    assert client.get(f"/admin/portal_models/payment/reverse/{card.pk}/").status_code == 404


# --- receipt numbers -------------------------------------------------------------------------------------------
def test_payments_are_numbered_per_tenant(invoice):
    other = seed_invoice(AccountFactory(), number="20000")
    first = billing.payment_record(account=invoice.account, method="check", amount=Decimal("1"), invoices=[invoice])
    second = billing.payment_record(account=invoice.account, method="cash", amount=Decimal("1"), invoices=[invoice])
    elsewhere = billing.payment_record(account=other.account, method="check", amount=Decimal("1"), invoices=[other])
    assert (first.number, second.number, elsewhere.number) == (1001, 1002, 1001)
    assert first.display_number == "R-1001" and str(first).startswith("Payment R-1001")
    html = render_to_string(
        "theme/emails/payment_receipt.txt",
        {"payment": first, "tenant": invoice.tenant, "account": invoice.account},
    )
    assert "Receipt R-1001" in html


def test_an_invoice_read_with_only_some_fields_is_still_guarded(invoice):
    """A list reads invoices with ``only()``: nothing is snapshotted then (no field is loaded one query at a
    time), and a change to an issued invoice read that way is still refused from what the database holds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        (listed,) = Invoice.objects.filter(pk=invoice.pk).only("pk", "number", "status", "amount_due")
    assert len(queries) == 1
    listed.due_date = invoice.due_date + timedelta(days=30)
    assert listed.frozen_changes() == ["due_date"]
    with pytest.raises(IssuedInvoiceLocked):
        listed.save()
