"""Billing journey in headless Chromium on the demo data: invoice 10020, its PDF, the CSV export, screenshots."""

import csv
import io

import pytest
from pypdf import PdfReader

from portal_pages import demo
from portal_pages.demo.tenants import DEMO_PASSWORD
from portal_pages.tests.factories import ensure_wagtail_root

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def demo_data(transactional_db):
    ensure_wagtail_root()
    demo.load()


def sign_in(page, base, email="john.doe@example.com"):
    page.goto(f"{base}/qt9/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/qt9/dashboard/")
    with page.expect_navigation():
        page.select_option("#account-switch", label="Test Inc.")
    page.get_by_test_id("balance-due").wait_for()


def test_customer_opens_invoice_downloads_pdf_and_exports(live_server, demo_data, page, phone, screenshot):
    base = live_server.url
    sign_in(page, base)
    assert page.get_by_test_id("balance-due").is_visible()
    assert "10020" in page.content()
    screenshot(page, "billing-dashboard")

    page.get_by_role("link", name="Invoices", exact=True).click()
    page.wait_for_url("**/qt9/invoices/")
    screenshot(page, "billing-invoice-list")

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    rows = list(csv.reader(io.StringIO(open(download_info.value.path(), encoding="utf-8").read())))
    assert rows[0][:2] == ["Number", "Status"]
    assert ["10020", "Overdue", "2022-08-26", "2022-09-26", "Net 30", "6100.00"] == rows[-1][:6]

    page.get_by_role("link", name="10020").click()
    page.wait_for_url("**/qt9/invoices/*/")
    totals = page.get_by_test_id("totals").inner_text()
    assert "$6,100.00" in totals and "Payment due" in totals
    screenshot(page, "billing-invoice-detail")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    download = download_info.value
    assert download.suggested_filename == "invoice-10020.pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(download.path()).pages)
    for expected in ("Invoice", "10020", "QMS Web Subscription", "QMS Software Training Package", "$6,100.00"):
        assert expected in text

    sign_in(phone, base)
    screenshot(phone, "billing-dashboard-phone")
    phone.goto(f"{base}/qt9/invoices/")
    screenshot(phone, "billing-invoice-list-phone")
    phone.get_by_role("link", name="10020").click()
    phone.wait_for_url("**/qt9/invoices/*/")
    screenshot(phone, "billing-invoice-detail-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
