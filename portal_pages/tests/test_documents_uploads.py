"""My documents: upload validation (nothing stored on bad input), downloads scoped to the account."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from portal_models.models import CustomerUpload
from portal_models.services.documents import check_upload
from portal_models.tests.factories import PDF_BYTES, AccountFactory, LoginContactFactory

pytestmark = pytest.mark.django_db

URL = "/acme/documents/mine/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


def ooxml(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}[kind], "<x/>"
        )
    return buffer.getvalue()


def post(client, name: str, content: bytes, **data):
    return client.post(
        URL,
        {
            "title": data.get("title", "My file"),
            "category": data.get("category", "other"),
            "file": SimpleUploadedFile(name, content),
        },
    )


@pytest.mark.parametrize(
    "name,content",
    [
        ("contract.pdf", PDF_BYTES),
        ("logo.png", PNG),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ("anim.gif", b"GIF89a" + b"\x00" * 20),
        ("letter.docx", ooxml("docx")),
        ("sheet.xlsx", ooxml("xlsx")),
        ("deck.pptx", ooxml("pptx")),
        ("old.doc", OLE),
        ("old.xls", OLE),
        ("contacts.csv", "name,email\nJosé,jose@example.com\n".encode()),
        ("notes.txt", b"hello"),
    ],
)
def test_allowed_types_are_stored(signed_in_client, customer_a, name, content):
    response = post(signed_in_client, name, content, title="")
    assert response.status_code == 302
    upload = CustomerUpload.objects.get()
    assert upload.account == customer_a.account
    assert upload.uploaded_by == customer_a.user
    assert upload.title == name.rsplit(".", 1)[0] + "." + name.rsplit(".", 1)[1].lower()
    assert upload.size == len(content)
    assert upload.file.name.startswith(f"customer-uploads/{customer_a.account.tenant_id}/{customer_a.account_id}/")
    assert upload.file.read() == content


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("invoice.pdf", b"MZ\x90\x00 this is really an exe", "The file&#x27;s content is not a .pdf file"),
        ("report.pdf", b"", "file is empty."),
        ("tool.exe", b"MZ\x90\x00", "Files of type .exe are not accepted"),
        ("page.html", b"<script>alert(1)</script>", "Files of type .html are not accepted"),
        ("fake.docx", b"PK\x03\x04 not a zip", "not a .docx file"),
        ("other.docx", ooxml("xlsx"), "not a .docx file"),
        ("noext", b"hello", "needs a name with an extension"),
        ("binary.txt", b"\x00\x01\x02", "not a .txt file"),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_stored(signed_in_client, name, content, message):
    response = post(signed_in_client, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'data-testid="field-error"' in response.content.decode()
    assert not CustomerUpload.objects.exists()


def test_oversize_file_is_refused(signed_in_client, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    response = post(signed_in_client, "big.pdf", PDF_BYTES + b"0" * 2000)
    assert response.status_code == 400
    assert "the limit is 1.0\xa0KB" in response.content.decode()
    assert not CustomerUpload.objects.exists()
    assert post(signed_in_client, "small.pdf", PDF_BYTES).status_code == 302


def test_empty_file_is_refused_by_the_service():
    with pytest.raises(ValidationError, match="The file is empty"):
        check_upload(file=ContentFile(b"", name="empty.pdf"))


def test_default_limit_is_25_mb():
    from portal_models.services.documents import max_upload_bytes

    assert max_upload_bytes() == 25 * 1024 * 1024


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.pdf", "/etc/x.pdf", "..", "a\x00b.pdf"])
def test_path_traversal_names_are_refused_by_the_service(name):
    with pytest.raises(ValidationError) as error:
        check_upload(file=ContentFile(PDF_BYTES, name=name))  # a raw name, as a client could send it
    assert error.value.code in {"path", "name"}


def test_path_traversal_name_over_http_never_leaves_the_account_folder(signed_in_client, customer_a):
    response = post(signed_in_client, "../../../etc/passwd.pdf", PDF_BYTES)
    # Django's multipart parser already strips folders; whatever arrives is stored under the account folder
    if response.status_code == 302:
        upload = CustomerUpload.objects.get()
        assert ".." not in upload.file.name
        assert upload.file.name.startswith(f"customer-uploads/{customer_a.account.tenant_id}/{customer_a.account_id}/")
        assert upload.original_name == "passwd.pdf"
    else:
        assert not CustomerUpload.objects.exists()


def test_file_names_are_sanitized(signed_in_client):
    post(signed_in_client, "my <weird> file name!.PDF", PDF_BYTES)
    upload = CustomerUpload.objects.get()
    assert upload.original_name == "my_weird_file_name.pdf"


def test_missing_file_is_a_field_error(signed_in_client):
    response = signed_in_client.post(URL, {"title": "x", "category": "other"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_uploads_list_and_download_are_scoped_to_the_account(client, signed_in_client, customer_a, portal_b):
    post(signed_in_client, "contacts.csv", b"a,b\n1,2\n", title="Our contacts")
    upload = CustomerUpload.objects.get()
    page = signed_in_client.get(URL).content.decode()
    assert "Our contacts" in page
    response = signed_in_client.get(f"{URL}{upload.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"a,b\n1,2\n"
    assert 'filename="contacts.csv"' in response["Content-Disposition"]

    same_tenant = LoginContactFactory(account=AccountFactory(tenant=customer_a.account.tenant))
    client.force_login(same_tenant.user)
    assert "Our contacts" not in client.get(URL).content.decode()
    assert client.get(f"{URL}{upload.pk}/download/").status_code == 404

    other_tenant = LoginContactFactory(account=AccountFactory(tenant=portal_b.tenant))
    client.force_login(other_tenant.user)
    assert client.get(f"{URL}{upload.pk}/download/").status_code == 302  # not a customer of acme: sign in there
    assert client.get(f"/borealis/documents/mine/{upload.pk}/download/").status_code == 404

    client.logout()
    assert client.get(f"{URL}{upload.pk}/download/")["Location"].startswith("/acme/login/")


def test_upload_requires_csrf(customer_a, portal_a):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(customer_a.user)
    response = csrf_client.post(URL, {"title": "x", "category": "other", "file": SimpleUploadedFile("a.txt", b"hi")})
    assert response.status_code == 403
    assert not CustomerUpload.objects.exists()
