"""What a customer does first on a phone, in headless Chromium, and the printed receipt.

- The tab bar is one row at 390 and 320 px (the first tabs, the current one and "More"; Escape closes More).
- The dashboard leads with what is due and Pay: the amount and a full-width Pay button above everything else.
- An invoice is a card of three short lines; a real Sort select sorts the list below 820 px (a GET form).
- The printed receipt and payment look like the PDF: the seller above, lines as a table, one page.
Screenshots land in test-artifacts/ (phone-first-*, print-*)."""

import re

import pytest

from . import a11y

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

TAB_ROWS = """() => {
  const shown = [...document.querySelectorAll('.tabs__inner > .tab, .tabs__inner > .tabs__more')]
    .filter(el => getComputedStyle(el).display !== 'none');
  const tops = new Set(shown.map(el => Math.round(el.getBoundingClientRect().top)));
  const inner = document.querySelector('.tabs__inner');
  return {rows: tops.size, shown: shown.map(el => el.textContent.trim()),
          overflow: inner.scrollWidth > inner.clientWidth + 1};
}"""


def _context(browser, live_server, user, width):
    context = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=True)
    context.add_cookies(a11y.session_cookie(live_server, user))
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_phone_tab_bar_dashboard_and_invoice_cards(live_server, browser, portal_a, screenshot):
    data = a11y.build_tenant(portal_a)
    home, base = data.home, live_server.url
    route = lambda name, **kw: base + home.url + home.reverse_subpage(name, kwargs=kw or None)  # noqa: E731
    for width in (390, 320):
        context, page = _context(browser, live_server, data.contact.user, width)
        page.goto(route("dashboard"))
        bar = page.evaluate(TAB_ROWS)
        assert bar["rows"] == 1 and not bar["overflow"], f"{width} px: the tab bar wraps {bar}"
        more = page.locator(".tabs__more")
        assert more.is_visible()
        more.locator("summary").click()
        in_more = more.locator(".user-menu__panel a:visible")
        assert in_more.count() >= 2
        shown_in_bar = set(bar["shown"])
        assert not shown_in_bar & {t.strip() for t in in_more.all_inner_texts()}, "a tab in the bar and in More"
        page.keyboard.press("Escape")
        assert not more.evaluate("d => d.open")
        # a tab from More becomes the current one and shows in the bar
        more.locator("summary").click()
        label = in_more.last.inner_text().strip()
        in_more.last.click()
        page.wait_for_load_state()
        bar = page.evaluate(TAB_ROWS)
        assert label in bar["shown"] and bar["rows"] == 1, bar
        screenshot(page, f"phone-first-{width}-tabs-current-in-more")

        # the dashboard leads with what is due and Pay
        page.goto(route("dashboard"))
        hero = page.locator(".due-hero")
        pay = hero.get_by_test_id("pay-balance")
        assert pay.is_visible()
        # above it only the portal's welcome text and announcements (marketing's), never another widget
        first_widget = page.locator("main .card:not(.welcome):not(.announcements)").first
        assert first_widget.evaluate("c => c.className") == hero.evaluate("h => h.className"), "amount due first"
        ticket = page.get_by_test_id("dashboard-open-ticket")
        if ticket.count():
            assert "btn--primary" not in (ticket.get_attribute("class") or ""), "one primary action: Pay"
            assert ticket.bounding_box()["y"] > pay.bounding_box()["y"], "secondary actions after the amount due"
        hero_box, pay_box = hero.bounding_box(), pay.bounding_box()
        assert pay_box["width"] >= hero_box["width"] - 2 * 24 - 2, "Pay is full width on a phone"
        assert pay_box["y"] + pay_box["height"] < 844, "Pay is on the first screen"
        screenshot(page, f"phone-first-{width}-dashboard")

        # invoices: compact cards and a Sort select
        page.goto(route("invoices"))
        rows = page.locator("[data-testid=invoice-table] tbody tr")
        assert rows.count() >= 3
        for i in range(rows.count()):
            lines = rows.nth(i).evaluate(
                """tr => {  // lines: the cells' vertical centres, those within 10 px of each other on one line
                  const ys = [...tr.children].map(td => td.getBoundingClientRect())
                    .map(r => r.top + r.height / 2).sort((a, b) => a - b);
                  return ys.filter((y, i) => i === 0 || y - ys[i - 1] > 10).length;
                }"""
            )
            assert lines <= 3, f"{width} px: an invoice takes {lines} lines"
        sort = page.get_by_label("Sort by")
        assert sort.is_visible()
        sort.select_option(value="-amount_due")
        with page.expect_navigation():
            page.get_by_role("button", name="Apply").click()
        assert "sort=-amount_due" in page.url
        amounts = [
            float(re.sub(r"[^\d.]", "", t))
            for t in page.locator("[data-testid=invoice-table] tbody td.c-amount-due").all_inner_texts()
        ]
        assert amounts == sorted(amounts, reverse=True), amounts
        assert page.get_by_label("Sort by").input_value() == "-amount_due", "the choice is kept"
        screenshot(page, f"phone-first-{width}-invoices")
        context.close()


@pytest.mark.parametrize("screen", ["payment_receipt", "payment", "statement"])
def test_printed_receipt_looks_like_the_pdf(live_server, browser, portal_a, screenshot, screen):
    """The receipt, the payment and the statement of account (this year's, shown below its period form)."""
    data = a11y.build_tenant(portal_a)
    home = data.home
    context, page = _context(browser, live_server, data.contact.user, 390)
    kwargs = {} if screen == "statement" else {"pk": data.payment.pk}
    page.goto(live_server.url + home.url + home.reverse_subpage(screen, kwargs=kwargs))
    page.emulate_media(media="print")
    head = page.locator(".print-head")
    assert head.is_visible() and portal_a.tenant.name in head.inner_text()
    assert page.locator(".topbar").is_hidden() and page.locator(".tabs").is_hidden()
    table = page.locator("main table").first
    assert table.evaluate("t => getComputedStyle(t.querySelector('tbody tr')).display") == "table-row"
    assert data.invoice.account.name.lower() in page.locator("main").inner_text().lower()  # the customer
    if screen == "statement":
        assert page.locator("main form").is_hidden(), "the period form is not printed"
        assert page.get_by_test_id("bill-to").is_visible()
        assert table.locator("tbody tr").count() >= 3  # opening balance and the period's invoices and payment
    page.set_viewport_size({"width": 816, "height": 1056})
    screenshot(page, f"print-{screen}")
    pdf = page.pdf(format="Letter")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, f"a short {screen} prints on one page"
    context.close()
