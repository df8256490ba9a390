"""Services: the list and detail, required files uploaded by the customer, staff review with email."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal_models.models import CustomerUpload, RequirementKind, RequirementStatus
from portal_models.services.documents import requirement_review
from portal_models.tests.factories import (
    PDF_BYTES,
    AccountFactory,
    ContactFactory,
    LoginContactFactory,
    ProductFactory,
    RequirementFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(customer_a):
    product = ProductFactory(tenant=customer_a.account.tenant, name="QMS Web Subscription")
    service = ServiceFactory(account=customer_a.account, product=product, total_cost=Decimal("1600.00"))
    RequirementFactory(service=service, kind=RequirementKind.EULA)
    RequirementFactory(service=service, kind=RequirementKind.PURCHASE_ORDER)
    return service


def test_services_list_shows_the_subscription(signed_in_client, service):
    body = signed_in_client.get("/acme/services/").content.decode()
    for text in ("QMS Web Subscription", "08/26/2022", "08/26/2023", "Annual", "$1,600.00", "2 missing"):
        assert text in body


def test_services_list_query_count_is_constant(signed_in_client, service, customer_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in_client.get("/acme/services/")  # warm caches (site root, page tree)
    with CaptureQueriesContext(connection) as one:
        signed_in_client.get("/acme/services/")
    for _ in range(8):
        RequirementFactory(service=ServiceFactory(account=customer_a.account))
    signed_in_client.get("/acme/services/")  # the changes made the per-account caches miss once
    with CaptureQueriesContext(connection) as nine:
        response = signed_in_client.get("/acme/services/")
    assert response.content.decode().count("/acme/services/") >= 9
    assert len(nine) == len(one)


def test_service_detail_lists_required_files(signed_in_client, service):
    body = signed_in_client.get(f"/acme/services/{service.pk}/").content.decode()
    assert "EULA (signed contract)" in body and "Purchase order" in body
    assert body.count(">Missing<") == 2


def test_other_accounts_service_is_404(client, service, portal_b, customer_a):
    other = LoginContactFactory(account=AccountFactory(tenant=customer_a.account.tenant))
    client.force_login(other.user)
    assert client.get(f"/acme/services/{service.pk}/").status_code == 404
    req = service.requirements.first()
    response = client.post(
        f"/acme/services/{service.pk}/requirements/{req.pk}/", {"file": SimpleUploadedFile("po.pdf", PDF_BYTES)}
    )
    assert response.status_code == 404
    assert not CustomerUpload.objects.exists()


def test_upload_fulfils_a_requirement(signed_in_client, service, customer_a):
    req = service.requirements.get(kind=RequirementKind.PURCHASE_ORDER)
    response = signed_in_client.post(
        f"/acme/services/{service.pk}/requirements/{req.pk}/", {"file": SimpleUploadedFile("po-123.pdf", PDF_BYTES)}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == RequirementStatus.SUBMITTED
    assert req.upload.account == customer_a.account
    assert req.upload.category == "purchase_order"
    body = signed_in_client.get(f"/acme/services/{service.pk}/").content.decode()
    assert "po-123.pdf" in body and "Submitted" in body
    # it also appears under My documents
    assert "Purchase order — QMS Web Subscription" in signed_in_client.get("/acme/documents/mine/").content.decode()


def test_bad_requirement_file_is_refused(signed_in_client, service):
    req = service.requirements.get(kind=RequirementKind.EULA)
    response = signed_in_client.post(
        f"/acme/services/{service.pk}/requirements/{req.pk}/", {"file": SimpleUploadedFile("eula.pdf", b"not a pdf")}
    )
    assert response.status_code == 400
    assert "not a .pdf file" in response.content.decode()
    req.refresh_from_db()
    assert req.status == RequirementStatus.MISSING
    assert not CustomerUpload.objects.exists()


def test_staff_rejection_needs_a_reason_and_emails_billing_contacts(
    service, customer_a, django_capture_on_commit_callbacks
):
    ContactFactory(account=customer_a.account, email="ap@test.example.com", is_billing=True, is_main=False)
    req = service.requirements.get(kind=RequirementKind.EULA)
    staff = UserFactory(is_staff=True)
    with pytest.raises(ValidationError):
        requirement_review(requirement=req, accept=False, reason="  ", reviewer=staff)
    req.refresh_from_db()
    assert req.status == RequirementStatus.MISSING

    with django_capture_on_commit_callbacks(execute=True):
        requirement_review(requirement=req, accept=False, reason="The EULA is not signed.", reviewer=staff)
    req.refresh_from_db()
    assert req.status == RequirementStatus.REJECTED and req.reviewed_by == staff
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ap@test.example.com"]
    assert "The EULA is not signed." in mail.outbox[0].body


def test_rejection_shows_on_detail_and_dashboard(signed_in_client, service):
    req = service.requirements.get(kind=RequirementKind.EULA)
    requirement_review(requirement=req, accept=False, reason="Unsigned", reviewer=None)
    assert "Not accepted: Unsigned" in signed_in_client.get(f"/acme/services/{service.pk}/").content.decode()
    dashboard = signed_in_client.get("/acme/dashboard/").content.decode()
    assert "Missing service files" in dashboard
    assert "Rejected" in dashboard and "QMS Web Subscription" in dashboard


def test_accepted_requirement_leaves_the_missing_list(signed_in_client, service):
    for req in service.requirements.all():
        requirement_review(requirement=req, accept=True, reviewer=None)
    assert "Nothing is missing" in signed_in_client.get("/acme/dashboard/").content.decode()
    assert "Complete" in signed_in_client.get("/acme/services/").content.decode()


def test_admin_review_view_rejects_and_emails(client, service, customer_a, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Permission

    customer_a.is_billing = True
    customer_a.save()
    staff = UserFactory(is_staff=True, is_superuser=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    req = service.requirements.get(kind=RequirementKind.EULA)
    url = f"/admin/portal_models/servicerequirement/edit/{req.pk}/"
    assert client.get(url).status_code == 200
    data = {"service": service.pk, "kind": "eula", "status": "rejected", "rejection_reason": ""}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Give the customer a reason" in response.content.decode()
    data["rejection_reason"] = "Wrong company name"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    req.refresh_from_db()
    assert req.status == RequirementStatus.REJECTED
    assert mail.outbox[-1].to == [customer_a.email]


def test_admin_screens_and_staff_upload_download(client, service, signed_in_client):
    from django.contrib.auth.models import Permission

    signed_in_client.post(
        "/acme/documents/mine/",
        {"title": "Contacts", "category": "contacts", "file": SimpleUploadedFile("contacts.csv", b"a,b\n")},
    )
    upload = CustomerUpload.objects.get()
    download = f"/admin/customer-uploads/{upload.pk}/download/"
    assert signed_in_client.get(download).status_code in {302, 404}  # customers never through the admin

    staff = UserFactory(is_staff=True, is_superuser=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    for url in (
        "/admin/portal_models/service/",
        "/admin/portal_models/servicerequirement/",
        "/admin/portal_models/customerupload/",
        "/admin/snippets/portal_models/product/",
    ):
        assert client.get(url).status_code == 200, url
    listing = client.get("/admin/portal_models/customerupload/").content.decode()
    assert download in listing
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"a,b\n"
