"""Headless Chromium: upload under My documents, find it in the library search, download it."""

import pytest

from portal_models.models import RequirementKind
from portal_models.tests.factories import (
    PASSWORD,
    PDF_BYTES,
    AccountFactory,
    LoginContactFactory,
    ProductFactory,
    RequirementFactory,
    ServiceFactory,
    make_document,
)
from portal_pages.models import DocumentLibraryPage
from portal_pages.tests.factories import ensure_wagtail_root, make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def portal_with_documents(transactional_db):
    ensure_wagtail_root()
    home = make_portal(name="QT9 Software", slug="qt9", primary="#0b4f8a", accent="#16a34a")
    contact = LoginContactFactory(
        account=AccountFactory(tenant=home.tenant, name="Test Inc."), email="john@example.com", first_name="John"
    )
    product = ProductFactory(tenant=home.tenant, name="QMS Web Subscription")
    service = ServiceFactory(account=contact.account, product=product)
    RequirementFactory(service=service, kind=RequirementKind.EULA)
    RequirementFactory(service=service, kind=RequirementKind.PURCHASE_ORDER)
    make_document(title="Customer portal guide", tenant=home.tenant)
    make_document(title="QMS installation guide", product=product)
    make_document(title="template.xlsx", account=contact.account)
    library = DocumentLibraryPage(
        title="QT9 Documents",
        slug="library",
        intro="<p>Guides and contracts for the products you own.</p>",
        sections=[("section", {"title": "QMS Web Subscription", "product": product})],
    )
    home.add_child(instance=library)
    return home, contact, service


def sign_in(page, base, contact):
    page.goto(f"{base}/qt9/login/")
    page.get_by_label("Email").fill(contact.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/qt9/dashboard/")


def test_upload_find_and_download(live_server, portal_with_documents, page, phone, screenshot, tmp_path):
    home, contact, service = portal_with_documents
    base = live_server.url
    sign_in(page, base, contact)
    assert page.get_by_test_id("missing-service-files").get_by_text("QMS Web Subscription").count() == 2
    assert page.get_by_test_id("recent-documents").get_by_text("template.xlsx").is_visible()
    screenshot(page, "documents-dashboard")

    page.goto(f"{base}/qt9/documents/mine/")
    # a disguised file is refused with a message next to the field
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"MZ this is not a pdf")
    page.get_by_label("File").set_input_files(str(fake))
    page.get_by_test_id("upload").click()
    assert "content is not a .pdf file" in page.get_by_test_id("field-error").inner_text()
    screenshot(page, "documents-upload-error")

    good = tmp_path / "signed-po.pdf"
    good.write_bytes(PDF_BYTES)
    page.get_by_label("Title").fill("Signed purchase order 2026")
    page.get_by_label("Category").select_option("purchase_order")
    page.get_by_label("File").set_input_files(str(good))
    page.get_by_test_id("upload").click()
    page.wait_for_url("**/qt9/documents/mine/")
    assert "Your file was uploaded." in page.get_by_role("status").inner_text()
    assert page.get_by_test_id("uploads").get_by_text("Signed purchase order 2026").is_visible()
    screenshot(page, "documents-my-documents")

    page.get_by_role("link", name="Document library").click()
    page.wait_for_url("**/qt9/library/")
    screenshot(page, "documents-library")
    page.get_by_label("Search by title").fill("purchase order")
    page.get_by_test_id("search").click()
    page.wait_for_url("**/qt9/library/?q=purchase+order")
    sections = page.get_by_test_id("library-section")
    assert sections.count() == 1
    assert "Signed purchase order 2026" in sections.inner_text()
    assert "QMS installation guide" not in page.content()
    screenshot(page, "documents-library-search")
    with page.expect_download() as info:
        sections.get_by_test_id("download").click()
    download = info.value
    assert download.suggested_filename == "signed-po.pdf"
    assert open(download.path(), "rb").read() == PDF_BYTES

    # a vendor document downloads through the access check too
    page.goto(f"{base}/qt9/library/?q=installation")
    with page.expect_download() as info:
        page.get_by_test_id("download").first.click()
    assert open(info.value.path(), "rb").read() == PDF_BYTES

    # phone: services and the required files
    sign_in(phone, base, contact)
    phone.goto(f"{base}/qt9/services/")
    assert "$1,600.00" in phone.get_by_test_id("services").inner_text()
    screenshot(phone, "documents-services-phone")
    phone.get_by_role("link", name="QMS Web Subscription").click()
    eula = phone.get_by_test_id("requirement-eula")
    assert eula.get_by_test_id("requirement-status").inner_text() == "Missing"
    eula.locator("input[type=file]").set_input_files(str(good))
    eula.get_by_role("button", name="Upload", exact=True).click()
    phone.wait_for_url(f"**/qt9/services/{service.pk}/")
    assert phone.get_by_test_id("requirement-eula").get_by_test_id("requirement-status").inner_text() == "Submitted"
    screenshot(phone, "documents-service-detail-phone")
    phone.goto(f"{base}/qt9/library/")
    screenshot(phone, "documents-library-phone")


def test_library_truncates_sections_and_pages_one_by_keyboard(
    live_server, portal_with_documents, page, phone, screenshot
):
    """A long section shows its first ten with "Show all"; its own view pages 25 at a time, by keyboard too."""
    from wagtail.documents import get_document_model

    home, contact, service = portal_with_documents
    Document = get_document_model()
    guide = Document.objects.get(title="QMS installation guide")
    Document.objects.bulk_create(
        Document(title=f"QMS release notes {i:02d}", file=guide.file.name, collection=guide.collection)
        for i in range(1, 40)
    )
    base = live_server.url
    for viewer, name in ((page, "desktop"), (phone, "phone")):
        sign_in(viewer, base, contact)
        viewer.goto(f"{base}/qt9/library/")
        first = viewer.get_by_test_id("library-section").first
        assert first.get_by_test_id("download").count() == 10
        assert "40 files" in first.inner_text()
        screenshot(viewer, f"documents-library-truncated-{name}")
        show_all = first.get_by_test_id("show-all")
        assert show_all.inner_text().startswith("Show all 40 files")
        show_all.focus()
        viewer.keyboard.press("Enter")
        viewer.wait_for_url("**/qt9/library/?section=product-*")
        assert viewer.get_by_test_id("download").count() == 25
        next_link = viewer.get_by_role("link", name="Next")
        next_link.focus()
        viewer.keyboard.press("Enter")
        viewer.wait_for_url("**&page=2")
        assert viewer.get_by_test_id("download").count() == 15
        assert "40 items · page 2 of 2" in viewer.get_by_role("navigation", name="Pages").inner_text()
        assert viewer.get_by_role("link", name="Previous").is_visible()
        screenshot(viewer, f"documents-library-section-page-2-{name}")
        viewer.get_by_test_id("all-sections").click()
        viewer.wait_for_url("**/qt9/library/?")
        assert viewer.get_by_test_id("library-section").count() >= 3
