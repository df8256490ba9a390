"""Seed 002's ordering journey in headless Chromium: a customer searches the catalogue and orders three products with
a PO number on the Order Pad; staff confirm the order and ship part of it in the admin; the customer sees the
partial delivery and its tracking number; staff invoice what was delivered; the customer pays the invoice by card
(localstripe, its signed webhook delivered to the live server)."""

import re
from decimal import Decimal

import pytest

from portal_models.gateways import stripe as gateway
from portal_models.models import InvoiceStatus, Order, OrderStatus, User
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401
from portal_models.tests.order_factories import CatalogueProductFactory
from portal_pages.tests.factories import ensure_wagtail_root, make_portal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def webhook_to_live_server(live_server, localstripe):  # noqa: F811
    url = live_server.url.replace("localhost", "127.0.0.1") + "/stripe/webhook/"
    gateway.webhook_register_localstripe(url=url)
    yield localstripe
    gateway.webhook_register_localstripe(url="http://127.0.0.1:9/closed/")


@pytest.fixture
def seed(transactional_db):
    ensure_wagtail_root()
    home = make_portal(name="Summit Supply", slug="summit", primary="#1e3a8a", accent="#0891b2")
    account = AccountFactory(tenant=home.tenant, name="Riverside Builders", city="Denver", state="CO")
    lee = LoginContactFactory(
        account=account, first_name="Lee", last_name="Chen", email="lee@example.com", is_billing=True, can_order=True
    )
    for size, price in (("M6", "12.00"), ("M8", "15.00"), ("M10", "20.00")):
        CatalogueProductFactory(
            tenant=home.tenant, name=f"Hex bolt {size}", sku=f"HB-{size}", category="Fasteners", price=Decimal(price)
        )
    for i in range(30):
        CatalogueProductFactory(tenant=home.tenant, name=f"Plywood sheet {i}", category="Lumber")
    staff = User.objects.create_superuser(email="ops@example.com", password=PASSWORD, first_name="Ops")
    return home, lee, staff


def staff_page(browser, live_server, staff):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/account/login/?next=/admin/")
    page.locator('[name="auth-username"]').fill(staff.email)
    page.locator('[name="auth-password"]').fill(PASSWORD)
    page.locator('[name="auth-password"]').press("Enter")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def test_order_ship_part_invoice_and_pay(live_server, webhook_to_live_server, seed, page, browser, screenshot):
    home, lee, staff = seed
    base = f"{live_server.url}/summit"

    # the customer searches the catalogue and orders three products with a PO number
    page.goto(f"{base}/order-pad/")
    page.get_by_label("Email").fill(lee.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.wait_for_url("**/summit/order-pad/")
    page.get_by_test_id("catalogue-search").fill("hex bolt")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*q=hex\+bolt.*"))
    assert page.get_by_test_id("catalogue-row").count() == 3
    for size, quantity in (("M6", "10"), ("M8", "4"), ("M10", "2")):
        page.get_by_label(f"Quantity of Hex bolt {size}").fill(quantity)
    screenshot(page, "orders-1-pad")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "orders-1-pad-phone")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.get_by_test_id("save-and-review").click()
    page.wait_for_url("**/summit/order-pad/review/")
    assert page.get_by_test_id("subtotal").inner_text() == "$220.00"  # 10×12 + 4×15 + 2×20
    page.get_by_label("PO number").fill("PO-7788")
    screenshot(page, "orders-2-review")
    page.get_by_test_id("submit-order").click()
    page.wait_for_url("**/summit/orders/*/")
    order = Order.objects.get()
    assert order.number in page.content() and order.po_number == "PO-7788"

    # staff confirm it and ship part of it
    admin = staff_page(browser, live_server, staff)
    admin.goto(f"{live_server.url}/admin/portal_models/order/")
    assert order.number in admin.content()
    admin.goto(f"{live_server.url}/admin/portal_models/order/confirm/{order.pk}/")
    admin.get_by_role("button", name="Confirm").click()
    admin.wait_for_url(f"**/admin/portal_models/order/inspect/{order.pk}/")
    admin.goto(f"{live_server.url}/admin/portal_models/order/deliver/{order.pk}/")
    lines = {line.description: line for line in order.lines.all()}
    admin.locator(f'[name="line_{lines["Hex bolt M6"].pk}"]').fill("6")
    admin.locator(f'[name="line_{lines["Hex bolt M8"].pk}"]').fill("4")
    admin.locator(f'[name="line_{lines["Hex bolt M10"].pk}"]').fill("0")
    admin.locator('[name="carrier"]').fill("UPS")
    admin.locator('[name="tracking_number"]').fill("1Z999AA10123456784")
    screenshot(admin, "orders-3-admin-deliver")
    admin.get_by_role("button", name="Record delivery").click()
    admin.wait_for_url(f"**/admin/portal_models/order/inspect/{order.pk}/")
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTLY_DELIVERED

    # the customer sees the partial delivery with its tracking number (on a phone)
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, storage_state=page.context.storage_state()
    )
    mobile = phone.new_page()
    mobile.goto(f"{base}/orders/{order.pk}/")
    assert mobile.get_by_test_id("order-status").inner_text() == "Partly delivered"
    assert "1Z999AA10123456784" in mobile.get_by_test_id("order-deliveries").inner_text()
    delivered = mobile.get_by_test_id("delivered-qty").all_inner_texts()
    assert delivered == ["0", "6", "4"]  # M10, M6, M8: the lines in name order
    screenshot(mobile, "orders-4-partial-phone")
    phone.close()

    # staff invoice what was delivered (issued and emailed)
    admin.goto(f"{live_server.url}/admin/portal_models/order/invoice/{order.pk}/")
    admin.get_by_role("button", name="Create invoice").click()
    admin.wait_for_url(f"**/admin/portal_models/order/inspect/{order.pk}/")
    invoice = order.invoices.get()
    assert invoice.status == InvoiceStatus.OPEN and invoice.total == Decimal("132.00")  # 6×12 + 4×15
    admin.context.close()

    # the customer pays it by card
    page.goto(f"{base}/orders/{order.pk}/")
    page.get_by_test_id("order-invoices").get_by_role("link", name=invoice.number).click()
    page.wait_for_url(f"**/summit/invoices/{invoice.pk}/")
    page.get_by_test_id("pay-now").click()
    page.wait_for_url("**/summit/pay/billing/")
    page.get_by_label("Address 1").fill("1 Builder Way")
    page.get_by_label("ZIP / Postal code").fill("80216")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/summit/pay/payment/")
    element = page.get_by_test_id("card-element")
    element.locator("input[placeholder=number]").fill("4242424242424242")
    element.locator("input[placeholder=exp_month]").fill("10")
    element.locator("input[placeholder=exp_year]").fill("28")
    element.locator("input[placeholder=cvc]").fill("123")
    element.locator("input[placeholder=postal_code]").fill("80216")
    page.get_by_test_id("next-step").click()
    page.wait_for_url("**/summit/pay/confirm/")
    page.get_by_label("Payment details are correct and I authorize this payment.").check()
    page.get_by_test_id("authorize-payment").click()
    page.wait_for_url("**/summit/pay/result/pi_*/")
    page.wait_for_selector("[data-testid=payment-result][data-state=succeeded]", timeout=20_000)
    screenshot(page, "orders-5-paid")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_due == Decimal("0.00")
