"""The S3 path against a real local S3 server (moto's server mode over HTTP, through boto3 / django-storages)."""

import socket
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from django.core.files.base import ContentFile

from portal_models.tests.factories import PDF_BYTES, make_document

BUCKET = "portal-private"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    yield endpoint
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=BUCKET)
    client.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    # the same options as config.settings.production when AWS_STORAGE_BUCKET_NAME is set
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
                "signature_version": "s3v4",
            },
        },
    }
    from django.core.files.storage import default_storage

    yield default_storage, client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_upload_private_object_signed_url_and_delete(s3_storage, s3_endpoint):
    from portal_models.downloads import signed_url

    storage, client = s3_storage
    name = storage.save("customer-uploads/1/1/abc/contract.pdf", ContentFile(PDF_BYTES))
    head = client.head_object(Bucket=BUCKET, Key=name)
    assert head["ContentLength"] == len(PDF_BYTES)
    grants = client.get_object_acl(Bucket=BUCKET, Key=name)["Grants"]
    assert all("AllUsers" not in str(g["Grantee"]) for g in grants)

    status, _ = http_get(f"{s3_endpoint}/{BUCKET}/{name}")
    assert status == 403  # anonymous: private object

    field_file = type("F", (), {"storage": storage, "name": name})()
    url = signed_url(field_file, filename="contract.pdf", content_type="application/pdf")
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Expires"] == ["60"]
    status, body = http_get(url)
    assert status == 200 and body == PDF_BYTES

    storage.delete(name)
    assert not storage.exists(name)
    assert http_get(url)[0] in {403, 404}  # gone (S3 answers 403 when the key is missing)
    assert client.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


@pytest.mark.django_db
def test_document_download_redirects_to_a_short_lived_signed_url(s3_storage, client, customer_a, portal_a):
    document = make_document(title="Portal guide", tenant=portal_a.tenant)
    assert document.file.storage.__class__.__name__ == "S3Storage"

    assert client.get(document.url)["Location"].startswith("/acme/login/")  # anonymous: sign in first

    client.force_login(customer_a.user)
    response = client.get(document.url)
    assert response.status_code == 302
    signed = response["Location"]
    assert parse_qs(urlparse(signed).query)["X-Amz-Expires"] == ["60"]
    status, body = http_get(signed)
    assert status == 200 and body == PDF_BYTES


@pytest.mark.django_db
def test_customer_upload_download_redirects_to_signed_url(s3_storage, signed_in_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    signed_in_client.post(
        "/acme/documents/mine/",
        {"title": "PO", "category": "purchase_order", "file": SimpleUploadedFile("po.pdf", PDF_BYTES)},
    )
    from portal_models.models import CustomerUpload

    upload = CustomerUpload.objects.get()
    response = signed_in_client.get(f"/acme/documents/mine/{upload.pk}/download/")
    assert response.status_code == 302
    status, body = http_get(response["Location"])
    assert status == 200 and body == PDF_BYTES
