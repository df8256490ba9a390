"""Integrations in headless Chromium: billing staff register a webhook endpoint and copy its secret, then import a
sample file: the check's report, then Import. Screenshots of each screen at desktop and phone widths, light and
dark, in /tmp/shots/integrations/."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import expect

from portal_models.models import Account, StaffRole, WebhookEndpoint
from portal_models.services import imports
from portal_models.services import outgoing_webhooks as webhooks
from portal_models.services.tenants import tenant_staff_groups_ensure

from .factories import TenantFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
SHOTS = Path("/tmp/shots/integrations")


def admin_page(browser, live_server, user, *, width=1366, scheme="light"):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def staff(transactional_db):
    tenant = TenantFactory(name="Ledgerly", slug="ledgerly")
    user = UserFactory(email="billing@ledgerly.example.com", first_name="Bea", is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.BILLING])
    return user


def test_staff_register_an_endpoint_and_import_a_file(live_server, browser, staff, tmp_path):
    page = admin_page(browser, live_server, staff)
    page.goto(f"{live_server.url}/admin/integrations/webhooks/")
    page.get_by_test_id("add-endpoint").click()
    page.get_by_label("URL").fill("ftp://erp.example.com/hooks")
    page.get_by_label("Ticket opened").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("error-url")).to_contain_text("http")
    page.get_by_label("URL").fill("https://erp.example.com/hooks/portal")
    page.get_by_role("button", name="Save").click()
    secret = WebhookEndpoint.objects.get().secret
    expect(page.get_by_test_id("webhook-secret")).to_have_value(secret)
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_test_id("webhook-endpoint")).to_contain_text("erp.example.com")
    assert secret not in page.content()

    page.goto(f"{live_server.url}/admin/integrations/imports/")
    sample = tmp_path / "accounts.csv"
    sample.write_bytes(imports.import_sample(kind="accounts", file_format="csv"))
    page.get_by_label("The file holds").select_option("accounts")
    page.get_by_label("File", exact=True).set_input_files(str(sample))
    page.get_by_test_id("check-file").click()
    expect(page.get_by_test_id("import-totals")).to_contain_text("2 to create")
    assert not Account.objects.exists()
    page.get_by_test_id("apply-import").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Imported")
    assert Account.objects.count() == 2


def test_screens_at_every_width_light_and_dark(live_server, browser, staff):
    SHOTS.mkdir(parents=True, exist_ok=True)
    tenant = staff.groups.get().tenant_role.tenant
    endpoint, _secret = webhooks.webhook_endpoint_create(
        tenant=tenant, url="https://erp.example.com/hooks/portal", events=["payment.recorded", "ticket.opened"]
    )
    bad = imports.import_upload(
        tenant=tenant,
        kind="invoices",
        file=_named(b"external_id,account_external_id,number,due_date,line_description,unit_price\nI-1,NOPE,1,x,,\n"),
        by=staff,
    )
    screens = {
        "endpoints": "/admin/integrations/webhooks/",
        "endpoint": f"/admin/integrations/webhooks/{endpoint.pk}/",
        "deliveries": "/admin/integrations/deliveries/",
        "imports": "/admin/integrations/imports/",
        "import-refused": f"/admin/integrations/imports/{bad.pk}/",
    }
    for width in (1366, 390, 320):
        for scheme in ("light", "dark"):
            page = admin_page(browser, live_server, staff, width=width, scheme=scheme)
            for name, url in screens.items():
                response = page.goto(f"{live_server.url}{url}")
                assert response.status == 200
                page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
            page.context.close()


def _named(content: bytes):
    return SimpleUploadedFile("erp-invoices.csv", content)
