"""Staff assign a contact to a case in the Wagtail admin; the contact then sees it in the portal."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from portal_models.models import CaseAssignment, CaseStatus
from portal_models.services.cases import case_assign, case_create, case_document_upload
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory, UserFactory, default_case_roles
from portal_pages.tests.factories import make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def restore_migration_rows():
    """An earlier transactional test flushes rows that migrations created: put back the ones we need."""
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if not Page.objects.exists():
        Page.add_root(instance=Page(title="Root", slug="root"))
    if not Site.objects.exists():
        Site.objects.create(hostname="localhost", port=80, root_page=Page.get_first_root_node(), is_default_site=True)
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    return default_case_roles()


@pytest.fixture
def setup(transactional_db):
    roles = restore_migration_rows()
    home = make_portal(name="QT9 Software", slug="qt9", primary="#0b4f8a", accent="#16a34a")
    account = AccountFactory(tenant=home.tenant, name="Test Inc.")
    john = LoginContactFactory(account=account, email="john@example.com", first_name="John", last_name="Doe")
    LoginContactFactory(account=account, email="jane@example.com", first_name="Jane", last_name="Roe")
    admin = UserFactory(
        email="admin@example.com", first_name="Sam", last_name="Staff", is_staff=True, is_superuser=True
    )
    case = case_create(
        account=account,
        number="CASE-2026-014",
        title="ERP rollout — quality module",
        description="Implementation of the quality module at the Aurora plant.",
    )
    old = case_create(account=account, number="CASE-2025-087", title="Data migration audit", status=CaseStatus.INACTIVE)
    case_assign(case=old, users=[john.user], role=roles["Client"])
    case_create(account=account, number="CASE-2026-020", title="Board restructuring")  # nobody assigned
    case_document_upload(
        case=case, upload=SimpleUploadedFile("statement-of-work.pdf", PDF), user=admin, title="Statement of work"
    )
    return home, john, admin, case, old


def sign_in_admin(page, base, email):
    page.goto(f"{base}/admin/")
    page.locator('[name="auth-username"]').fill(email)
    page.locator('[name="auth-password"]').fill(PASSWORD)
    page.locator('[name="auth-password"]').press("Enter")
    page.wait_for_url("**/admin/")


def test_staff_assigns_contact_then_contact_sees_case(live_server, setup, page, phone, screenshot):
    home, john, admin, case, old = setup
    base = live_server.url

    sign_in_admin(page, base, admin.email)
    page.goto(f"{base}/admin/cases/role-assignment/")
    page.locator("#id_case").select_option(str(case.pk))
    page.wait_for_url(f"**/admin/cases/role-assignment/?case={case.pk}")
    page.get_by_label("John Doe · john@example.com").check()
    page.get_by_label("Sam Staff · admin@example.com (staff)").check()
    page.locator("#id_role").select_option(label="Client")
    page.get_by_test_id("assign").click()
    page.wait_for_selector("[data-testid=assignments]")
    assert "2 assignment(s) added" in page.content()
    assert page.locator("[data-testid=assignments] tbody tr").count() == 2
    screenshot(page, "cases-admin-role-assignment")
    assert CaseAssignment.objects.filter(case=case, user=john.user).exists()

    # the role editor's grid cycles allow → not granted → deny
    page.goto(f"{base}/admin/snippets/portal_models/caserole/")
    screenshot(page, "cases-admin-roles")
    page.get_by_role("link", name="Client", exact=True).click()
    page.wait_for_selector("[data-grant-cell][data-ready] [data-grant-button]")  # the grid script has run
    cell = page.locator("[data-grant-button]").first
    assert cell.get_attribute("data-value") == "allow"
    cell.click()
    assert cell.get_attribute("data-value") == "none"
    cell.click()
    assert cell.get_attribute("data-value") == "deny"
    cell.click()
    assert cell.get_attribute("data-value") == "allow"
    screenshot(page, "cases-admin-role-grid")

    # John signs in on the portal: the case is in the drop-down, its documents are there
    phone.goto(f"{base}/qt9/login/")
    phone.get_by_label("Email").fill(john.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_test_id("sign-in").click()
    phone.wait_for_url("**/qt9/dashboard/")
    selector = phone.get_by_test_id("case-selector")
    selector.locator("summary").click()
    assert "ERP rollout" in selector.inner_text()
    assert "Data migration audit · inactive" in selector.inner_text()  # inactive cases are marked
    assert "Board restructuring" not in selector.inner_text()  # not assigned
    screenshot(phone, "cases-selector-phone")
    selector.get_by_role("link", name="ERP rollout").click()
    phone.wait_for_url(f"**/qt9/cases/{case.pk}/")
    assert "Statement of work" in phone.get_by_test_id("case-documents").inner_text()
    screenshot(phone, "cases-detail-phone")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename == "statement-of-work.pdf"

    phone.get_by_label("Add a note").fill("Kick-off Monday works for us.")
    phone.get_by_role("button", name="Post note").click()
    phone.wait_for_selector("text=Your note was posted.")
    assert "Kick-off Monday works for us." in phone.get_by_test_id("case-notes").inner_text()

    page.goto(f"{base}/qt9/login/")  # desktop view of the same case for the screenshot
    page.context.clear_cookies()
    page.goto(f"{base}/qt9/login/")
    page.get_by_label("Email").fill(john.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/qt9/dashboard/")
    page.goto(f"{base}/qt9/cases/{case.pk}/")
    screenshot(page, "cases-detail-desktop")
    page.goto(f"{base}/qt9/cases/")
    assert page.get_by_test_id("case-list").locator("li").count() == 2
    assert "Board restructuring" not in page.content()
    screenshot(page, "cases-list-desktop")
