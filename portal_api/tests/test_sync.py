"""An ERP keeps the portal in sync: it sends accounts and invoices with its own keys, re-sends the same batch
after a timeout (same idempotency keys: nothing is made twice), then fetches what changed since its last sync,
page by page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from portal_models.models import Account, ApiScope, Invoice
from portal_models.services.api_keys import api_key_create
from portal_models.tests.factories import StaffUserFactory, TenantFactory

from .conftest import ApiClient

API = "/api/v1/"
BATCH = [(f"CUST-{n}", f"INV-{n}") for n in range(1, 6)]


@pytest.fixture
def erp(db):
    tenant = TenantFactory(name="Initech", slug="initech")
    _key, token = api_key_create(
        tenant=tenant, name="ERP", scopes=[ApiScope.READ, ApiScope.WRITE_BILLING], by=StaffUserFactory()
    )
    api = ApiClient(token)
    api.tenant = tenant
    return api


def _send_batch(api: ApiClient) -> list[tuple[dict, dict]]:
    sent = []
    for customer, invoice in BATCH:
        account = api.post(
            f"{API}accounts/",
            {"number": customer, "name": f"Customer {customer}", "external_id": customer},
            key=f"account:{customer}:v1",
        )
        assert account.status_code == 201, account.content
        created = api.post(
            f"{API}invoices/",
            {
                "account": account.json()["id"],
                "number": invoice,
                "due_date": "2030-06-30",
                "external_id": invoice,
                "lines": [{"description": "Maintenance", "quantity": "1", "unit_price": "250.00"}],
            },
            key=f"invoice:{invoice}:v1",
        )
        assert created.status_code == 201, created.content
        sent.append((account, created))
    return sent


def _all_pages(api: ApiClient, path: str, **params) -> list[dict]:
    rows, response = [], api.get(path, params)
    while True:
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        if not response.json()["next"]:
            return rows
        response = api.client.get(response.json()["next"], headers=api.headers)


def test_a_resent_batch_makes_nothing_twice_and_updated_since_returns_the_changes(erp):
    start = timezone.now()
    first = _send_batch(erp)
    again = _send_batch(erp)  # the ERP's retry after a timeout: the same requests and keys
    assert [(a.json(), i.json()) for a, i in again] == [(a.json(), i.json()) for a, i in first]
    assert all(a["Idempotent-Replayed"] == "true" and i["Idempotent-Replayed"] == "true" for a, i in again)
    assert Account.objects.filter(tenant=erp.tenant).count() == len(BATCH)
    assert Invoice.objects.filter(tenant=erp.tenant).count() == len(BATCH)

    # everything since the start, two per page, in the order of change
    invoices = _all_pages(erp, f"{API}invoices/", updated_since=start.isoformat(), page_size=2)
    assert [row["external_id"] for row in invoices] == [invoice for _c, invoice in BATCH]
    assert all(row["status"] == "draft" and row["total"] == "250.00" for row in invoices)

    # the ERP issues one invoice; the next sync sees only that change
    checkpoint = timezone.now()
    [one] = erp.get(f"{API}invoices/", {"external_id": "INV-3"}).json()["results"]
    assert erp.post(f"{API}invoices/{one['id']}/issue/", key="issue:INV-3").status_code == 200
    changed = _all_pages(erp, f"{API}invoices/", updated_since=checkpoint.isoformat())
    assert [(row["external_id"], row["status"]) for row in changed] == [("INV-3", "open")]
    assert _all_pages(erp, f"{API}accounts/", updated_since=checkpoint.isoformat()) == []
    assert len(_all_pages(erp, f"{API}accounts/", updated_since=start.isoformat())) == len(BATCH)


def test_a_changed_record_under_a_used_key_is_refused_not_applied(erp):
    _send_batch(erp)
    changed = erp.post(
        f"{API}accounts/", {"number": "CUST-1", "name": "Renamed", "external_id": "CUST-1"}, key="account:CUST-1:v1"
    )
    assert changed.status_code == 400 and "Idempotency-Key" in changed.json()
    assert Account.objects.get(tenant=erp.tenant, external_id="CUST-1").name == "Customer CUST-1"


def test_a_change_of_some_fields_only_is_seen_by_the_next_sync(erp):
    """Services save a status or a flag alone (``update_fields``); the sync stamp moves with it all the same."""
    account = Account.objects.create(tenant=erp.tenant, number="C-9", name="Umbrella")
    checkpoint = timezone.now()
    assert _all_pages(erp, f"{API}accounts/", updated_since=checkpoint.isoformat()) == []
    account.autopay = True
    account.save(update_fields=["autopay"])
    [row] = _all_pages(erp, f"{API}accounts/", updated_since=checkpoint.isoformat())
    assert row["id"] == account.pk and row["autopay"] is True
