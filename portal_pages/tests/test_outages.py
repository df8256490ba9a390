"""Outside services going away while customers use the portal: a real localstripe and a real S3 server
(moto) are started, then stopped, and the customer screens say so clearly and record nothing."""

from datetime import date
from decimal import Decimal

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal_models.models import CustomerUpload, Invoice, Payment
from portal_models.services import billing
from portal_models.tests.factories import PDF_BYTES
from portal_models.tests.localstripe import LocalStripe, free_port, start_localstripe

from .test_payments_views import BILLING, SEED_LINES

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_localstripe(settings, tmp_path):
    """A localstripe of this test only, so that it can be stopped halfway."""
    proc, url = start_localstripe(tmp_path / "localstripe.log")
    settings.STRIPE_API_BASE = url
    settings.STRIPE_JS_URL = f"{url}/js.stripe.com/v3/"
    yield LocalStripe(url, settings.STRIPE_WEBHOOK_SECRET), proc
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)


def stop(proc):
    proc.terminate()
    proc.wait(timeout=10)


def test_payment_service_stopped_mid_wizard_says_so_and_records_nothing(signed_in_client, customer_a, own_localstripe):
    stripe, proc = own_localstripe
    invoice = billing.invoice_create(
        account=customer_a.account, number="10020", lines=SEED_LINES, due_date=date(2022, 9, 26)
    )
    client = signed_in_client
    client.get(f"/acme/invoices/{invoice.pk}/pay/")
    client.post("/acme/pay/billing/", BILLING)
    page = client.get("/acme/pay/payment/")
    assert page.status_code == 200
    pm = stripe.confirm_setup(page.context["client_secret"], "4242424242424242")
    client.post("/acme/pay/payment/", {"payment_method": pm})
    nonce = client.get("/acme/pay/confirm/").context["form"].initial["nonce"]

    stop(proc)  # the payment service goes away before the customer confirms
    response = client.post("/acme/pay/confirm/", {"authorize": "on", "nonce": nonce})
    assert response.status_code == 400
    assert "The payment service is unavailable right now. Nothing was charged" in response.content.decode()
    # and the card step, visited again, says the same instead of failing
    again = client.get("/acme/pay/payment/")
    assert again.status_code == 400 and "payment service is unavailable" in again.content.decode()
    assert not Payment.objects.exists()
    assert Invoice.objects.get().amount_due == Decimal("6100.00")


BUCKET = "portal-outage"


@pytest.fixture
def s3_that_stops(settings, monkeypatch):
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")  # keep the test short; production keeps boto's retries
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    stopped = {"done": False}

    def stop_server():
        server.stop()
        stopped["done"] = True

    yield endpoint, stop_server
    if not stopped["done"]:
        server.stop()


def upload(client, title):
    return client.post(
        "/acme/documents/mine/",
        {"title": title, "category": "other", "file": SimpleUploadedFile("contract.pdf", PDF_BYTES)},
    )


def test_storage_stopped_upload_says_so_and_stores_nothing(signed_in_client, customer_a, s3_that_stops):
    endpoint, stop_server = s3_that_stops
    assert upload(signed_in_client, "Before").status_code == 302  # works while S3 answers
    stored = CustomerUpload.objects.get()
    assert stored.file.storage.exists(stored.file.name)

    stop_server()
    response = upload(signed_in_client, "During the outage")
    assert response.status_code == 400
    assert "We could not store your file right now. Nothing was saved" in response.content.decode()
    assert list(CustomerUpload.objects.values_list("title", flat=True)) == ["Before"]  # no row without a file


def test_healthz_reports_storage_down(client, s3_that_stops):
    endpoint, stop_server = s3_that_stops
    assert client.get("/healthz").json()["storage"] == "ok"
    stop_server()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "storage": "error", "cache": "ok"}
