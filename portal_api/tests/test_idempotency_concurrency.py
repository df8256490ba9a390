"""Two copies of one POST at the same time (an ERP that retries before the first answer arrived): the second
waits for the first on the key's unique index and answers the same record; one invoice is made. On PostgreSQL,
each request in its own thread and connection. Old answers are pruned after a week."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from portal_models.models import ApiScope, IdempotentRequest, Invoice
from portal_models.services.api_keys import api_key_create
from portal_models.services.idempotency import idempotent_requests_prune
from portal_models.tests.factories import AccountFactory, StaffUserFactory, TenantFactory

from .conftest import ApiClient


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_make_one_invoice():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent connections need PostgreSQL")
    account = AccountFactory(tenant=TenantFactory(slug="initech"))
    _key, token = api_key_create(
        tenant=account.tenant, name="ERP", scopes=[ApiScope.READ, ApiScope.WRITE_BILLING], by=StaffUserFactory()
    )
    body = {
        "account": account.pk,
        "number": "INV-1",
        "due_date": "2030-01-31",
        "lines": [{"description": "Support", "unit_price": "100.00"}],
    }
    start = threading.Barrier(4)
    answers = []

    def send():
        try:
            start.wait()
            response = ApiClient(token).post("/api/v1/invoices/", body, key="invoice:INV-1")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [code for code, _data in answers] == [201] * 4, answers
    assert len({data["id"] for _code, data in answers}) == 1
    assert Invoice.objects.filter(number="INV-1").count() == 1
    assert IdempotentRequest.objects.count() == 1

    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(days=8))
    assert idempotent_requests_prune() == 1
