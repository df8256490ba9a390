"""Keyboard only, in headless Chromium: sign in, filter / sort / paginate the invoice list, open an invoice and pay
it through the whole wizard (against localstripe and its signed webhook) — with page.keyboard alone, no mouse.
At every Tab stop the focus must be visible (a computed outline); after each wizard step the focus must land on the
step's heading, or on the error summary when the form came back with errors."""

from decimal import Decimal

import pytest

from portal_models.models import InvoiceStatus, Payment
from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory, bulk_invoices, seed_invoice
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401

from .test_payments_browser import webhook_to_live_server  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

FOCUSED = """() => {
  const el = document.activeElement;
  const cs = getComputedStyle(el);
  const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '', type: el.type || '',
    text: (el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 400),
    value: el.value === undefined ? null : String(el.value),
    href: el.getAttribute('href') || '', rel: el.getAttribute('rel') || '', testid: el.dataset.testid || '',
    placeholder: el.getAttribute('placeholder') || '', checked: !!el.checked,
    focusOnLoad: el.hasAttribute('data-focus-on-load'), errorSummary: el.hasAttribute('data-error-summary'),
    visible: ring && el.getBoundingClientRect().width > 0,
    outline: cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + cs.outlineColor,
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, predicate, *, what: str, limit: int = 80, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until ``predicate(focused element)``; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        f = focused(page)
        if f["tag"] != "body":
            assert f["visible"], f"focus is not visible on {f}"
        if predicate(f):
            return f
    raise AssertionError(f"{what} not reached with the keyboard")


def press_and_wait(page, key: str, url: str) -> None:
    with page.expect_navigation(url=url):
        page.keyboard.press(key)


@pytest.fixture
def customer(live_server, portal_a):
    account = AccountFactory(tenant=portal_a.tenant, name="Test Inc.", address_1="", postal_code="")
    john = LoginContactFactory(account=account, first_name="John", last_name="Doe", email="john@example.com")
    invoice = seed_invoice(account)  # 10020, $6,100.00: the largest, so last when sorted by amount due
    bulk_invoices(account, 24)  # $100.00 each: the list has two pages
    return portal_a, john, invoice


def sign_in_by_keyboard(page, base, john):
    page.goto(f"{base}/acme/invoices/")
    page.wait_for_url("**/acme/login/**")
    f = tab_to(page, lambda f: f["name"] == "auth-username", what="email field")
    assert f["tag"] == "input"
    page.keyboard.type(john.email)
    tab_to(page, lambda f: f["name"] == "auth-password", what="password field")
    page.keyboard.type(PASSWORD)
    press_and_wait(page, "Enter", "**/acme/invoices/")


def test_skip_link_is_first_and_moves_focus_to_main(live_server, customer, page):
    home, john, invoice = customer
    sign_in_by_keyboard(page, live_server.url, john)
    page.keyboard.press("Tab")
    f = focused(page)
    assert f["href"] == "#main" and f["visible"], f
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    f = tab_to(page, lambda f: f["tag"] in ("a", "button", "input", "select"), what="first control in main")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)"), f


def test_invoice_list_and_payment_wizard_by_keyboard_alone(
    live_server,
    webhook_to_live_server,  # noqa: F811
    customer,
    page,
    screenshot,  # noqa: F811
):
    home, john, invoice = customer
    base = live_server.url
    sign_in_by_keyboard(page, base, john)

    # filter: the Status select, arrow keys to "Open", then Apply
    tab_to(page, lambda f: f["name"] == "status", what="status filter")
    for _ in range(6):
        if focused(page)["value"] == "open":
            break
        page.keyboard.press("ArrowDown")
    assert focused(page)["value"] == "open"
    tab_to(page, lambda f: f["tag"] == "button" and f["type"] == "submit", what="Apply button")
    press_and_wait(page, "Enter", "**/acme/invoices/?*status=open*")
    assert page.get_by_label("Status").input_value() == "open"

    # sort by amount due (the column header link), then the next page
    tab_to(page, lambda f: f["text"].startswith("Amount due") and f["tag"] == "a", what="Amount due header")
    press_and_wait(page, "Enter", "**sort=amount_due*")
    header = page.locator("th[aria-sort]")
    assert header.get_attribute("aria-sort") == "ascending" and "Amount due" in header.text_content()
    screenshot(page, "a11y-keyboard-invoices-sorted")
    tab_to(page, lambda f: f["rel"] == "next", what="Next page")
    press_and_wait(page, "Enter", "**page=2*")
    assert "status=open" in page.url and "sort=amount_due" in page.url

    # open invoice 10020 (last when sorted by amount due)
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "10020", what="invoice 10020")
    press_and_wait(page, "Enter", f"**/acme/invoices/{invoice.pk}/")

    # Pay now → step 1, Billing: focus on the step heading
    tab_to(page, lambda f: f["testid"] == "pay-now", what="Pay now")
    press_and_wait(page, "Enter", "**/acme/pay/billing/")
    f = focused(page)
    assert f["focusOnLoad"] and f["text"] == "Billing information" and f["visible"], f
    # the address is missing: Next step → the error summary has the focus; its link leads to the field
    tab_to(page, lambda f: f["testid"] == "next-step", what="Next step")
    press_and_wait(page, "Enter", "**/acme/pay/billing/")
    f = focused(page)
    assert f["errorSummary"] and "Address 1" in f["text"] and f["visible"], f
    screenshot(page, "a11y-keyboard-billing-errors")
    tab_to(page, lambda f: f["href"] == "#id_address_1", what="error link to Address 1")
    page.keyboard.press("Enter")
    f = focused(page)
    assert f["name"] == "address_1" and f["visible"], f
    described = page.locator("#id_address_1").get_attribute("aria-describedby")
    assert "id_address_1_error" in described.split()
    assert page.locator("#id_address_1_error").inner_text() == "This field is required."
    page.keyboard.type("1 Quality Way")
    tab_to(page, lambda f: f["name"] == "postal_code", what="ZIP field")
    page.keyboard.type("10001")
    press_and_wait(page, "Enter", "**/acme/pay/payment/")  # Enter in a text field sends the form

    # step 2, Payment: focus on the heading; the card fields (localstripe's card element) by Tab and typing
    page.get_by_test_id("card-element").locator("input").first.wait_for()
    f = focused(page)
    assert f["focusOnLoad"] and f["text"] == "Payment information" and f["visible"], f
    for placeholder, value in [
        ("number", "4242424242424242"),
        ("exp_month", "10"),
        ("exp_year", "28"),
        ("cvc", "123"),
        ("postal_code", "10001"),
    ]:
        tab_to(page, lambda f, p=placeholder: f["placeholder"] == p, what=f"card {placeholder}")
        page.keyboard.type(value)
    tab_to(page, lambda f: f["testid"] == "next-step", what="Next step")
    press_and_wait(page, "Enter", "**/acme/pay/confirm/")

    # step 3, Confirm: heading first; authorizing without the box ticked → the error summary
    f = focused(page)
    assert f["focusOnLoad"] and f["text"] == "Payment authorization" and f["visible"], f
    tab_to(page, lambda f: f["testid"] == "authorize-payment", what="Authorize payment")
    press_and_wait(page, "Enter", "**/acme/pay/confirm/")
    f = focused(page)
    assert f["errorSummary"] and "Check this box to authorize the payment." in f["text"], f
    tab_to(page, lambda f: f["href"] == "#id_authorize", what="error link to the box")
    page.keyboard.press("Enter")
    f = focused(page)
    assert f["name"] == "authorize" and f["type"] == "checkbox" and f["visible"], f
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    screenshot(page, "a11y-keyboard-confirm")
    tab_to(page, lambda f: f["testid"] == "authorize-payment", what="Authorize payment")
    press_and_wait(page, "Enter", "**/acme/pay/result/pi_*/")

    # the signed webhook records the payment
    page.wait_for_selector("[data-testid=payment-result][data-state=succeeded]", timeout=20_000)
    screenshot(page, "a11y-keyboard-result")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.amount_due == Decimal("0.00")
    payment = Payment.objects.get()
    assert payment.card_last4 == "4242" and payment.allocations.get().invoice == invoice
