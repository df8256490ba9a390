"""Every endpoint through the whole HTTP stack (test client → middleware → DRF → services → PostgreSQL): reads,
writes through the owning services, bad input as 400 with field errors (nothing written), idempotency keys, the
per-key rate limit and the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from portal_models.models import (
    ApiKey,
    CreditMemo,
    CustomerUpload,
    Invoice,
    InvoiceStatus,
    Payment,
    SecurityEvent,
    SecurityEventType,
    TicketComment,
)
from portal_models.services import orders as order_services
from portal_models.tests.factories import PDF_BYTES

API = "/api/v1/"


def _invoice_body(account, number="API-1", **extra):
    return {
        "account": account.pk,
        "number": number,
        "due_date": "2030-01-31",
        "lines": [
            {"description": "Support plan", "quantity": "2", "unit_price": "150.00"},
            {"description": "Setup", "unit_price": "99.99"},
        ],
        **extra,
    }


@pytest.mark.django_db
def test_reads_show_the_tenants_records_with_their_details(world_a, api_a):
    invoice = world_a.objects["portal_models.invoice"]
    body = api_a.get(f"{API}invoices/{invoice.pk}/").json()
    assert body["number"] == invoice.number and body["currency"] == "USD"
    assert (
        body["subtotal"] == "6100.00"
        and body["credit_total"] == "1.00"
        and [line["unit_price"] for line in body["lines"]]
        == [
            "1600.00",
            "3000.00",
            "1500.00",
        ]
    )
    payment = api_a.get(f"{API}payments/").json()["results"][0]
    assert payment["method"] == "check" and payment["allocations"][0]["invoice_number"] == invoice.number
    service = api_a.get(f"{API}services/").json()["results"][0]
    assert service["product"].endswith("Product") and service["requirements"][0]["kind"]
    ticket = api_a.get(f"{API}tickets/").json()["results"][0]
    assert ticket["reference"].startswith("T-") and ticket["comments"][0]["body"].endswith("comment")
    contact = api_a.get(f"{API}contacts/").json()["results"][0]
    assert contact["can_login"] is True and contact["has_login"] is True and "user" not in contact
    order = api_a.get(f"{API}orders/").json()["results"][0]
    assert order["status"] and order["lines"][0]["quantity"] == "2.00"
    delivery = api_a.get(f"{API}deliveries/").json()["results"][0]
    assert delivery["tracking_number"].endswith("-TRK")
    assert api_a.get(f"{API}documents/").json()["results"][0]["content_type"] == "application/pdf"
    assert api_a.get(f"{API}credit-memos/").json()["results"][0]["amount"] == "1.00"
    account = api_a.get(f"{API}accounts/?number={world_a.objects['portal_models.account'].number}").json()
    assert len(account["results"]) == 1 and "stripe_customer_id" not in account["results"][0]
    assert api_a.get(f"{API}invoices/?updated_since=yesterday").json() == {
        "updated_since": ["Enter a valid date/time."]
    }
    assert ApiKey.objects.get(pk=api_a.key.pk).last_used_at is not None


@pytest.mark.django_db
def test_invoice_draft_issue_void_and_the_ledger_rules(world_a, api_a):
    account = world_a.objects["portal_models.account"]
    created = api_a.post(f"{API}invoices/", _invoice_body(account, external_id="ERP-9"), key="inv-1")
    assert created.status_code == 201, created.content
    draft = created.json()
    assert draft["status"] == InvoiceStatus.DRAFT and draft["total"] == "399.99" and draft["external_id"] == "ERP-9"
    # an invoice is never edited through the API (drafts are made whole; issued ones are records)
    assert api_a.patch(f"{API}invoices/{draft['id']}/", {"notes": "changed"}).status_code == 405
    issued = api_a.post(f"{API}invoices/{draft['id']}/issue/", key="inv-1-issue")
    assert issued.status_code == 200 and issued.json()["status"] == InvoiceStatus.OPEN
    assert issued.json()["bill_to_name"] == account.name
    refused = api_a.post(f"{API}invoices/{draft['id']}/void/", {"reason": " "}, key="inv-1-void")
    assert refused.status_code == 400 and "reason" in refused.json()
    voided = api_a.post(f"{API}invoices/{draft['id']}/void/", {"reason": "Billed twice"}, key="inv-1-void")
    assert voided.status_code == 200 and voided.json()["status"] == InvoiceStatus.VOID
    again = api_a.post(f"{API}invoices/{draft['id']}/issue/", key="inv-1-issue-again")
    assert again.status_code == 400 and again.json()["non_field_errors"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field",
    [
        ({"lines": []}, "lines"),
        ({"due_date": "31/01/2030"}, "due_date"),
        ({"currency": "ZZZ"}, "currency"),
        ({"number": "Qxalpha-INV"}, "number"),  # the tenant's existing invoice
        ({"lines": [{"description": "x", "unit_price": "abc"}]}, "lines"),
        ({"account": 999999}, "account"),
        ({"external_id": "x" * 101}, "external_id"),
    ],
)
def test_bad_invoice_input_is_a_400_next_to_the_field_and_writes_nothing(world_a, api_a, change, field):
    account = world_a.objects["portal_models.account"]
    before = Invoice.objects.count()
    response = api_a.post(f"{API}invoices/", _invoice_body(account) | change, key=f"bad-{field}")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Invoice.objects.count() == before
    # the refused key is not kept: the corrected request may use it
    assert api_a.post(f"{API}invoices/", _invoice_body(account), key=f"bad-{field}").status_code == 201


@pytest.mark.django_db
def test_credit_memos_and_manual_payments_go_through_billing(world_a, api_a):
    invoice = world_a.objects["portal_models.invoice"]
    account = world_a.objects["portal_models.account"]
    too_much = api_a.post(
        f"{API}credit-memos/", {"invoice": invoice.pk, "number": "CM-9", "amount": "99999", "reason": "x"}, key="cm0"
    )
    assert too_much.status_code == 400 and "amount" in too_much.json()
    memo = api_a.post(
        f"{API}credit-memos/",
        {"invoice": invoice.pk, "number": "CM-9", "amount": "100.00", "reason": "Goodwill", "external_id": "C9"},
        key="cm1",
    )
    assert memo.status_code == 201 and CreditMemo.objects.get(pk=memo.json()["id"]).external_id == "C9"
    card = api_a.post(f"{API}payments/", {"account": account.pk, "amount": "10", "method": "card"}, key="p0")
    assert card.status_code == 400 and "method" in card.json()
    zero = api_a.post(f"{API}payments/", {"account": account.pk, "amount": "0", "method": "check"}, key="p1")
    assert zero.status_code == 400 and "amount" in zero.json()
    paid = api_a.post(
        f"{API}payments/",
        {
            "account": account.pk,
            "amount": "500.00",
            "method": "bank_transfer",
            "invoices": [invoice.pk],
            "reference": "WIRE-77",
            "external_id": "ERP-PAY-1",
        },
        key="p2",
    )
    assert paid.status_code == 201, paid.content
    assert paid.json()["allocations"] == [{"invoice": invoice.pk, "invoice_number": invoice.number, "amount": "500.00"}]
    invoice.refresh_from_db()
    assert invoice.amount_due == Decimal("6100.00") - Decimal("1.00") - Decimal("10.00") - Decimal("100.00") - 500
    assert Payment.objects.get(pk=paid.json()["id"]).recorded_by is None


@pytest.mark.django_db
def test_accounts_and_contacts_with_roles_rights_and_external_ids(world_a, api_a, mailoutbox):
    created = api_a.post(
        f"{API}accounts/",
        {"number": "A-77", "name": "Globex", "city": "Springfield", "external_id": "CUST-77"},
        key="a1",
    )
    assert created.status_code == 201, created.content
    account_id = created.json()["id"]
    duplicate = api_a.post(f"{API}accounts/", {"number": "A-77", "name": "Globex 2"}, key="a2")
    assert duplicate.status_code == 400 and "number" in duplicate.json()
    same_erp_key = api_a.post(f"{API}accounts/", {"number": "A-78", "name": "G", "external_id": "CUST-77"}, key="a3")
    assert same_erp_key.status_code == 400 and "external_id" in same_erp_key.json()
    renamed = api_a.patch(f"{API}accounts/{account_id}/", {"name": "Globex Corp"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Globex Corp"
    assert api_a.get(f"{API}accounts/?external_id=CUST-77").json()["results"][0]["id"] == account_id

    bad = api_a.post(f"{API}contacts/", {"account": account_id, "first_name": "H", "email": "nope"}, key="c0")
    assert bad.status_code == 400 and {"email", "last_name"} <= set(bad.json())
    contact = api_a.post(
        f"{API}contacts/",
        {
            "account": account_id,
            "first_name": "Homer",
            "last_name": "Simpson",
            "email": "homer@example.com",
            "is_billing": True,
            "can_pay": True,
            "external_id": "P-1",
        },
        key="c1",
    )
    assert contact.status_code == 201, contact.content
    data = contact.json()
    assert data["is_billing"] and data["can_pay"] and data["external_id"] == "P-1"
    moved = api_a.patch(f"{API}contacts/{data['id']}/", {"account": world_a.objects["portal_models.account"].pk})
    assert moved.status_code == 200 and moved.json()["account"] == account_id  # a contact stays at its account
    revoked = api_a.patch(f"{API}contacts/{data['id']}/", {"can_pay": False, "is_technical": True})
    assert revoked.json()["can_pay"] is False and revoked.json()["is_technical"] is True
    assert SecurityEvent.objects.filter(event=SecurityEventType.RIGHT_CHANGED).count() >= 2


@pytest.mark.django_db
def test_ticket_replies_documents_orders_and_deliveries(world_a, api_a, key_owner):
    ticket = world_a.objects["portal_models.ticket"]
    empty = api_a.post(f"{API}tickets/{ticket.pk}/reply/", {"body": " "}, key="t0")
    assert empty.status_code == 400 and "body" in empty.json()
    reply = api_a.post(f"{API}tickets/{ticket.pk}/reply/", {"body": "Fixed in 2.1", "public": True}, key="t1")
    assert reply.status_code == 201 and reply.json()["from_staff"] is True
    assert TicketComment.objects.get(pk=reply.json()["id"]).author == key_owner

    account = world_a.objects["portal_models.account"]
    fake = SimpleUploadedFile("contract.pdf", b"not a pdf at all", content_type="application/pdf")
    refused = api_a.post(f"{API}documents/", {"account": account.pk, "file": fake}, key="d0", multipart=True)
    assert refused.status_code == 400 and "file" in refused.json()
    pdf = SimpleUploadedFile("contract.pdf", PDF_BYTES, content_type="application/pdf")
    uploaded = api_a.post(
        f"{API}documents/",
        {"account": account.pk, "file": pdf, "title": "Signed contract", "category": "contract", "external_id": "D1"},
        key="d1",
        multipart=True,
    )
    assert uploaded.status_code == 201, uploaded.content
    assert CustomerUpload.objects.get(pk=uploaded.json()["id"]).uploaded_by is None

    confirmed = world_a.objects["portal_models.order"]
    not_again = api_a.post(f"{API}orders/{confirmed.pk}/confirm/", key="o0")
    assert not_again.status_code == 400
    product = world_a.objects["portal_models.product"]
    submitted = order_services.order_submit(
        account=account, user=None, lines=[{"product": product, "quantity": 3}], send_email=False
    )
    ok = api_a.post(f"{API}orders/{submitted.pk}/confirm/", key="o1")
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"
    line = submitted.lines.get()
    too_many = api_a.post(
        f"{API}deliveries/", {"order": submitted.pk, "lines": [{"order_line": line.pk, "quantity": "4"}]}, key="s0"
    )
    assert too_many.status_code == 400
    shipped = api_a.post(
        f"{API}deliveries/",
        {
            "order": submitted.pk,
            "lines": [{"order_line": line.pk, "quantity": "3"}],
            "carrier": "UPS",
            "tracking_number": "1Z999",
            "external_id": "SHIP-1",
        },
        key="s1",
    )
    assert shipped.status_code == 201, shipped.content
    assert shipped.json()["lines"] == [{"order_line": line.pk, "quantity": "3.00"}]
    assert api_a.get(f"{API}orders/{submitted.pk}/").json()["status"] == "delivered"


@pytest.mark.django_db
def test_idempotency_keys_on_every_post(world_a, api_a):
    account = world_a.objects["portal_models.account"]
    missing = api_a.post(f"{API}invoices/", _invoice_body(account))
    assert missing.status_code == 400 and "Idempotency-Key" in missing.json()
    first = api_a.post(f"{API}invoices/", _invoice_body(account), key="same")
    retry = api_a.post(f"{API}invoices/", _invoice_body(account), key="same")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert Invoice.objects.filter(number="API-1").count() == 1
    other = api_a.post(f"{API}invoices/", _invoice_body(account, number="API-2"), key="same")
    assert other.status_code == 400 and "Idempotency-Key" in other.json()
    # keys are per API key: another key of the tenant may use the same string for its own request
    events = SecurityEvent.objects.filter(event=SecurityEventType.API_WRITE)
    assert events.count() == 1
    event = events.get()
    assert event.tenant == world_a.tenant and event.details["api_key"] == "ERP sync"
    assert event.details["path"] == f"{API}invoices/" and event.details["id"] == first.json()["id"]


@pytest.mark.django_db
def test_rate_limit_per_key(world_a, api_a, api_read_only, settings):
    cache.clear()
    settings.PORTAL_API_RATE_LIMIT = (3, 60)
    for _ in range(3):
        assert api_a.get(f"{API}accounts/").status_code == 200
    limited = api_a.get(f"{API}accounts/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) == 60
    assert api_read_only.get(f"{API}accounts/").status_code == 200  # another key has its own count
    cache.clear()


@pytest.mark.django_db
def test_schema_and_docs_page(api_anonymous):
    schema = api_anonymous.get(f"{API}schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert f"{API}invoices/{{id}}/issue/" in paths and not any(p.startswith("/admin") for p in paths)
    post = paths[f"{API}invoices/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in post["parameters"])
    docs = api_anonymous.get(f"{API}docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


@pytest.mark.django_db
def test_a_page_of_invoices_costs_the_same_queries_at_any_size(world_a, api_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal_models.tests.factories import bulk_invoices

    account = world_a.objects["portal_models.account"]

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api_a.get(f"{API}invoices/", {"page_size": 100}).status_code == 200
        return len(queries)

    bulk_invoices(account, 10)
    page_queries()  # the key's first use of the minute also notes its last use
    small = page_queries()
    bulk_invoices(account, 300, start=70000)
    assert page_queries() == small
    assert small <= 8
