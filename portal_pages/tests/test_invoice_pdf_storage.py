"""Invoice PDFs are rendered by the task worker at each change and served from the file storage."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from portal_models.services import billing
from portal_models.tests.factories import seed_invoice
from portal_pages.billing import documents

pytestmark = pytest.mark.django_db

TASK = "portal_pages.billing.documents.invoice_pdf_render_task"


def _delete_tree(folder: str) -> None:
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    for name in dirs:
        _delete_tree(f"{folder}/{name}")


@pytest.fixture(autouse=True)
def no_stored_pdfs():
    """The storage outlives a test's database rows, and a later test's invoice may get the same id."""
    _delete_tree(documents.FOLDER)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def pdf_text(content: bytes) -> str:
    import io

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def body(response) -> bytes:
    return response.getvalue()


def stored(invoice) -> list[str]:
    folder = f"{documents.FOLDER}/{invoice.tenant_id}/{invoice.pk}"
    try:
        return default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


def run_queued(django_capture_on_commit_callbacks) -> int:
    """What the worker does: run every queued PDF task once."""
    ran = 0
    for result in DBTaskResult.objects.filter(task_path=TASK).order_by("enqueued_at"):
        ran += documents.invoice_pdf_render_task.call(*result.args_kwargs["args"])
        result.delete()
    return ran


def test_the_worker_renders_at_issue_and_at_each_payment_and_the_customer_gets_the_stored_file(
    signed_in_client, customer_a, database_queue, django_capture_on_commit_callbacks
):
    invoice = seed_invoice(customer_a.account)
    assert DBTaskResult.objects.filter(task_path=TASK, args_kwargs__args=[invoice.pk]).exists()  # at issue
    assert run_queued(django_capture_on_commit_callbacks) == 1
    assert len(stored(invoice)) == 1
    with CaptureQueriesContext(connection) as queries:
        response = signed_in_client.get(f"/acme/invoices/{invoice.pk}/pdf/")
    # served from the storage (a streamed file), not rendered in the request: nothing of what it shows is read
    assert response.status_code == 200 and response.streaming
    shown = ("portal_models_invoiceline", "portal_models_creditmemo", "portal_models_paymentallocation")
    assert not [q["sql"] for q in queries if any(f'FROM "{table}"' in q["sql"] for table in shown)]
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="invoice-10020.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(body(response))
    assert "10020" in text and "$6,100.00" in text

    billing.payment_record(
        account=customer_a.account, method="check", amount=Decimal("1000"), invoices=[invoice], reference="#4411"
    )
    assert run_queued(django_capture_on_commit_callbacks) == 1  # the payment changed what it shows
    assert len(stored(invoice)) == 1  # the older rendering was deleted
    cache.clear()
    response = signed_in_client.get(f"/acme/invoices/{invoice.pk}/pdf/")
    assert response.streaming and "$5,100.00" in pdf_text(body(response))  # what is due after the payment
    assert documents.invoice_pdf_render_task.call(invoice.pk) == 0  # run again: stored already, nothing done


def test_a_request_before_the_worker_renders_once_and_stores_it(signed_in_client, customer_a):
    invoice = seed_invoice(customer_a.account)  # the immediate backend of the tests renders nothing ahead
    assert stored(invoice) == []
    first = signed_in_client.get(f"/acme/invoices/{invoice.pk}/pdf/")
    assert first.status_code == 200 and not first.streaming  # rendered in this request
    assert len(stored(invoice)) == 1
    second = signed_in_client.get(f"/acme/invoices/{invoice.pk}/pdf/")
    assert second.streaming and body(second) == first.content  # the stored file


def test_a_void_and_a_credit_render_it_again(customer_a, database_queue, django_capture_on_commit_callbacks):
    invoice = seed_invoice(customer_a.account)
    run_queued(django_capture_on_commit_callbacks)
    first = stored(invoice)
    billing.credit_memo_apply(invoice=invoice, number="CM-7", amount=Decimal("100"), reason="Goodwill")
    assert run_queued(django_capture_on_commit_callbacks) == 1
    after_credit = stored(invoice)
    assert len(after_credit) == 1 and after_credit != first
    invoice.refresh_from_db()
    billing.invoice_void(invoice=invoice, reason="Wrong account")
    assert run_queued(django_capture_on_commit_callbacks) == 1
    assert stored(invoice) != after_credit


def test_another_accounts_invoice_pdf_is_not_found(signed_in_client, customer_a, portal_a):
    from portal_models.tests.factories import AccountFactory

    other = seed_invoice(AccountFactory(tenant=portal_a.tenant), number="20020")
    assert signed_in_client.get(f"/acme/invoices/{other.pk}/pdf/").status_code == 404
    assert stored(other) == []
