"""A Spanish-speaking customer's walkthrough in headless Chromium on the demo data (QT9 offers en + es):
choose Español on the sign-in page → dashboard → invoice 10020 → its PDF, all in Spanish with es money and dates."""

import re

import pytest
from pypdf import PdfReader

from portal_models.models import User
from portal_pages import demo
from portal_pages.demo.tenants import DEMO_PASSWORD
from portal_pages.tests.factories import ensure_wagtail_root

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

NBSP = "\xa0"


@pytest.fixture
def demo_data(transactional_db):
    ensure_wagtail_root()
    demo.load()


def text_of(page) -> str:
    return page.inner_text("body").replace(NBSP, " ")


def test_spanish_walkthrough_sign_in_dashboard_invoice_pdf(live_server, demo_data, page, screenshot):
    base = live_server.url
    page.goto(f"{base}/qt9/")
    page.wait_for_url("**/qt9/login/**")
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"

    # The language selector of the sign-in page (seed 002: "Language Selection Pane").
    with page.expect_navigation():
        page.get_by_test_id("language-es").click()
    page.wait_for_url("**/qt9/login/**")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_test_id("language-es").get_attribute("aria-pressed") == "true"
    body = text_of(page)
    # the login page's Spanish translation (Wagtail localization) and the translated interface
    assert "Inicio de sesión del Portal de Clientes de QT9" in body
    assert "¿Olvidó su contraseña?" in body
    screenshot(page, "i18n-es-login")

    page.get_by_label("Correo electrónico").fill("john.doe@example.com")
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/qt9/dashboard/")
    assert User.objects.get(email="john.doe@example.com").language == "es", "the choice is saved on the user"

    page.select_option("#account-switch", label="Test Inc.")  # choosing alone changes nothing (WCAG 3.2.2)
    with page.expect_navigation():
        page.get_by_test_id("account-switch-submit").click()
    page.get_by_test_id("balance-due").wait_for()
    body = text_of(page)
    for expected in ("Bienvenido, John", "Saldo pendiente", "Facturas vencidas", "Pagar saldo", "Estado de cuenta"):
        assert expected in body, expected
    assert "Bienvenido al Portal de Clientes de QT9" in body, "the home page's Spanish welcome message"
    balance = page.get_by_test_id("balance-due").inner_text().replace(NBSP, " ")
    assert re.search(r"\b\d{1,3}(\.\d{3})*,\d\d US\$", balance), balance  # es money: 8.925,00 US$
    assert "26/09/2022" in body, "es short dates (day/month/year)"
    screenshot(page, "i18n-es-dashboard")

    page.get_by_role("link", name="Facturas", exact=True).click()
    page.wait_for_url("**/qt9/invoices/")
    assert "Fecha de vencimiento" in page.content()
    screenshot(page, "i18n-es-invoices")

    page.get_by_role("link", name="10020").click()
    page.wait_for_url("**/qt9/invoices/*/")
    body = text_of(page)
    totals = page.get_by_test_id("totals").inner_text().replace(NBSP, " ")
    assert "6.100,00 US$" in totals and "Pago pendiente" in totals, totals
    assert "Factura 10020" in body and "Pagar ahora" in body and "26/08/2022" in body
    screenshot(page, "i18n-es-invoice")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    reader = PdfReader(download_info.value.path())
    text = "\n".join(p.extract_text() for p in reader.pages).replace(NBSP, " ")
    for expected in ("Factura", "10020", "Fecha de la factura", "26/08/2022", "6.100,00 US$", "Pago pendiente"):
        assert expected in text, expected

    # The user menu offers the languages too; switching back saves English.
    page.locator("details.user-menu:has([data-testid=sign-out]) > summary").click()
    screenshot(page, "i18n-es-user-menu")
    with page.expect_navigation():
        page.get_by_test_id("language-en").click()
    assert "Payment due" in text_of(page)
    assert User.objects.get(email="john.doe@example.com").language == "en"
