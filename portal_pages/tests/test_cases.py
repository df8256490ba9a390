"""Customer case screens: listing, the case page, documents, notes — all through the one access check."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents import get_document_model

from portal_models.models import CaseNote, CaseRole, CaseStatus, Invoice
from portal_models.services.cases import case_assign, case_create, case_document_upload
from portal_models.tests.factories import (
    AccountFactory,
    CaseRoleFactory,
    LoginContactFactory,
    UserFactory,
    default_case_roles,
)

Document = get_document_model()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ALL = dict(
    view_case="allow",
    view_documents="allow",
    upload_documents="allow",
    view_invoices="allow",
    post_notes="allow",
    manage_assignments="allow",
)


@pytest.fixture(autouse=True)
def _case_roles(request):
    """Seeded roles, also after a transactional (browser) test flushed the data migration's rows."""
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        default_case_roles()


@pytest.fixture
def client_role(db):
    return CaseRole.objects.get(name="Client", tenant=None)


@pytest.fixture
def case_a(customer_a, client_role):
    case = case_create(account=customer_a.account, number="C-1", title="Warehouse expansion")
    case_assign(case=case, users=[customer_a.user], role=client_role)
    return case


def url(case, suffix=""):
    return f"/acme/cases/{case.pk}/{suffix}"


@pytest.mark.django_db
class TestCaseList:
    def test_lists_only_assigned_cases_with_status(self, signed_in_client, customer_a, case_a, client_role):
        inactive = case_create(account=customer_a.account, number="C-2", title="Old audit", status=CaseStatus.INACTIVE)
        case_assign(case=inactive, users=[customer_a.user], role=client_role)
        case_create(account=customer_a.account, number="C-3", title="Secret restructuring")  # not assigned
        response = signed_in_client.get("/acme/cases/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Warehouse expansion" in html and "Old audit" in html
        assert "Secret restructuring" not in html
        assert 'class="dot dot--inactive"' in html
        assert 'data-testid="case-selector"' in html  # the header drop-down on every screen
        dashboard = signed_in_client.get("/acme/dashboard/").content.decode()
        assert "Warehouse expansion" in dashboard and "Secret restructuring" not in dashboard

    def test_case_denied_viewing_is_not_listed(self, signed_in_client, customer_a, case_a):
        blocker = CaseRoleFactory(name="Blocked", view_case="deny")
        case_assign(case=case_a, users=[customer_a.user], role=blocker)
        assert "Warehouse expansion" not in signed_in_client.get("/acme/cases/").content.decode()
        assert signed_in_client.get(url(case_a)).status_code == 404

    def test_other_users_and_tenants_cases_are_invisible(self, signed_in_client, portal_b, client_role):
        other = LoginContactFactory(account=AccountFactory(tenant=portal_b.tenant))
        theirs = case_create(account=other.account, number="B-1", title="Borealis matter")
        case_assign(case=theirs, users=[other.user], role=client_role)
        assert "Borealis matter" not in signed_in_client.get("/acme/cases/").content.decode()
        assert signed_in_client.get(url(theirs)).status_code == 404

    def test_list_query_count_is_constant(self, signed_in_client, customer_a, client_role):
        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert signed_in_client.get("/acme/cases/").status_code == 200
            return len(ctx)

        case = case_create(account=customer_a.account, number="Q-0", title="First")
        case_assign(case=case, users=[customer_a.user], role=client_role)
        count()  # warm caches (site root, content types)
        before = count()
        for i in range(1, 6):
            case = case_create(account=customer_a.account, number=f"Q-{i}", title=f"Case {i}")
            case_assign(case=case, users=[customer_a.user], role=client_role)
        count()  # the changes made the per-account caches (portal_models.caching) miss once
        assert count() == before


@pytest.mark.django_db
class TestCasePage:
    def test_client_sees_details_documents_notes_invoices(self, signed_in_client, customer_a, case_a):
        doc = case_document_upload(
            case=case_a, upload=SimpleUploadedFile("plan.pdf", PDF), user=customer_a.user, title="Floor plan"
        )
        Invoice.objects.create(
            tenant=customer_a.account.tenant,
            account=customer_a.account,
            number="INV-9",
            status="open",
            due_date="2030-01-01",
            case=case_a,
        )
        html = signed_in_client.get(url(case_a)).content.decode()
        assert "Warehouse expansion" in html and "Floor plan" in html and "INV-9" in html
        assert f'action="/acme/cases/{case_a.pk}/notes/"' in html
        download = signed_in_client.get(url(case_a, f"documents/{doc.pk}/"))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert "attachment" in download["Content-Disposition"]

    def test_page_shows_only_what_the_roles_permit(self, signed_in_client, customer_a):
        viewer = CaseRoleFactory(name="Viewer", view_case="allow")
        case = case_create(account=customer_a.account, number="V-1", title="Read only matter")
        case_assign(case=case, users=[customer_a.user], role=viewer)
        html = signed_in_client.get(url(case)).content.decode()
        assert "Read only matter" in html
        assert 'id="documents"' not in html
        assert "Invoices for this case" not in html
        assert "Post note" not in html

    @pytest.mark.parametrize(
        "permission, method, suffix",
        [
            ("view_case", "get", ""),
            ("view_documents", "get", "documents/{doc}/"),
            ("upload_documents", "post", "documents/"),
            ("post_notes", "post", "notes/"),
        ],
    )
    def test_every_route_is_404_without_its_permission(self, signed_in_client, customer_a, permission, method, suffix):
        grid = dict(ALL, **{permission: "none"})
        role = CaseRoleFactory(name="Almost all", **grid)
        case = case_create(account=customer_a.account, number="P-1", title="Guarded")
        doc = case_document_upload(case=case, upload=SimpleUploadedFile("a.pdf", PDF), user=customer_a.user)
        case_assign(case=case, users=[customer_a.user], role=role)
        path = url(case, suffix.format(doc=doc.pk))
        data = {"body": "hello", "file": SimpleUploadedFile("b.pdf", PDF)} if method == "post" else None
        assert getattr(signed_in_client, method)(path, data).status_code == 404
        # and a deny in a second role has the same effect even when the first allows everything
        role.__class__.objects.filter(pk=role.pk).update(**{permission: "allow"})
        deny = CaseRoleFactory(name="Deny one", **{"view_case": "none", permission: "deny"})
        case_assign(case=case, users=[customer_a.user], role=deny)
        data = {"body": "hello", "file": SimpleUploadedFile("b.pdf", PDF)} if method == "post" else None
        assert getattr(signed_in_client, method)(path, data).status_code == 404
        assert not CaseNote.objects.exists()

    def test_unassigned_case_routes_are_404(self, signed_in_client, customer_a):
        case = case_create(account=customer_a.account, number="U-1", title="Not shared")
        doc = case_document_upload(case=case, upload=SimpleUploadedFile("a.pdf", PDF), user=UserFactory())
        assert signed_in_client.get(url(case)).status_code == 404
        assert signed_in_client.get(url(case, f"documents/{doc.pk}/")).status_code == 404
        assert signed_in_client.post(url(case, "notes/"), {"body": "x"}).status_code == 404

    def test_document_of_another_case_is_404(self, signed_in_client, customer_a, case_a):
        other = case_create(account=customer_a.account, number="O-1", title="Other")
        doc = case_document_upload(case=other, upload=SimpleUploadedFile("a.pdf", PDF), user=customer_a.user)
        assert signed_in_client.get(url(case_a, f"documents/{doc.pk}/")).status_code == 404

    def test_post_note(self, signed_in_client, customer_a, case_a):
        response = signed_in_client.post(url(case_a, "notes/"), {"body": "  Please call me.  "})
        assert response.status_code == 302
        note = CaseNote.objects.get()
        assert (note.body, note.author, note.case) == ("Please call me.", customer_a.user, case_a)
        assert "Please call me." in signed_in_client.get(url(case_a)).content.decode()

    def test_empty_note_gets_message_and_changes_nothing(self, signed_in_client, case_a):
        response = signed_in_client.post(url(case_a, "notes/"), {"body": "   "})
        assert response.status_code == 400
        assert "This field is required." in response.content.decode()
        assert not CaseNote.objects.exists()

    def test_upload_and_bad_uploads(self, signed_in_client, case_a):
        ok = signed_in_client.post(url(case_a, "documents/"), {"file": SimpleUploadedFile("../../Évil name.PDF", PDF)})
        assert ok.status_code == 302
        doc = Document.objects.get(collection=case_a.collection)
        assert doc.filename.startswith("evil-name") and doc.filename.endswith(".pdf")
        fake = signed_in_client.post(url(case_a, "documents/"), {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00")})
        assert fake.status_code == 400
        assert "does not match its .pdf extension" in fake.content.decode()
        exe = signed_in_client.post(url(case_a, "documents/"), {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")})
        assert "Allowed file types" in exe.content.decode()
        assert Document.objects.filter(collection=case_a.collection).count() == 1


@pytest.mark.django_db
def test_demo_cases_load_idempotently(client):
    from portal_models.models import Case, CaseAssignment, User
    from portal_pages import demo

    demo.load()
    demo.load()
    assert Case.objects.filter(account__name="Test Inc.").count() == 2
    john = User.objects.get(email="john.doe@example.com")
    assert CaseAssignment.objects.filter(user=john).count() == 2
    client.force_login(john)
    html = client.get("/qt9/cases/").content.decode()
    assert "ERP rollout" in html and "Data migration audit" in html
    case = Case.objects.get(number="CASE-2026-014")
    doc = case_documents_of(case)
    response = client.get(f"/qt9/cases/{case.pk}/documents/{doc.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def case_documents_of(case):
    return Document.objects.get(collection=case.collection)
