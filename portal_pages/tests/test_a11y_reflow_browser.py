"""Phones, print and keyboard, in headless Chromium (WCAG 1.4.10 reflow, 1.4.11 / 2.4.7 focus, 3.2.2, print).

- Every signed-in customer screen at 320, 390 and 1366 px, light and dark: the page never scrolls sideways, no
  element sticks out of the screen unless it is inside its own scrolling region, and a stacked table (cards on a
  phone) fits its card.
- The keyboard focus ring on the navigation tabs, the user menu and a button contrasts >= 3:1 with what is behind
  it, measured from the computed colours.
- The company switcher does not submit when arrowed through; Escape closes the user menu.
- The printed invoice: the lines as a table, the seller and the bill-to, one page.
Screenshots of each screen at 390 px (light and dark) land in test-artifacts/."""

import re

import pytest

from portal_models.tests.factories import AccountFactory, ContactFactory

from . import a11y

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

WIDTHS = (320, 390, 1366)

REFLOW = """() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 40) + '"';
  const scrolls = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;  // visually hidden helpers
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.position === 'fixed' || el.closest('.skip-link')) continue;
    if (el.closest('details:not([open]) > :not(summary)')) continue;  // a closed menu's panel
    if ((r.right > vw + 1 || r.left < -1) && !scrolls(el)) {
      out.push('off screen: ' + name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  for (const t of document.querySelectorAll('table.table--stack')) {
    const row = t.querySelector('tbody tr');
    if (!row || getComputedStyle(row).display !== 'block') continue;  // a real table at this width
    const box = t.closest('.table-wrap') || t.parentElement;
    if (t.scrollWidth > box.clientWidth + 1) {
      out.push('stacked table wider than its card: ' + name(t).slice(0, 60) + ' ' + t.scrollWidth);
    }
    for (const cell of t.querySelectorAll('td')) {
      if (cell.scrollWidth > cell.clientWidth + 1) out.push('cell clipped: ' + name(cell));
    }
  }
  return {vw, scroll: document.documentElement.scrollWidth, problems: out.slice(0, 6)};
}"""


def swept_screens(data) -> list[tuple[str, str]]:
    """(name, path) of the signed-in screens of a11y.customer_screens whose objects the a11y tenant has (a new
    feature's screen is swept once a11y.route_args names an object for it)."""
    home, args = data.home, a11y.route_args(data)
    patterns = {p.name: p for p in home.get_subpage_urls()}
    screens = []
    for name in a11y.screen_routes(home):
        groups = list(patterns[name].pattern.regex.groupindex)
        if len(groups) > len(args.get(name, [])) or name.endswith(("_export", "_pdf")) or "switch" in name:
            continue
        kwargs = dict(zip(groups, args.get(name, []), strict=True))
        screens.append((name, home.url + home.reverse_subpage(name, kwargs=kwargs or None)))
    invoices = home.url + home.reverse_subpage("invoices")
    return screens + [
        ("invoices filtered", invoices + "?status=open&sort=-amount_due"),
        ("help page", data.help.url),
        ("library page", data.library.url),
        ("404 signed in", home.url + "no-such-screen/"),
    ]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def test_every_screen_fits_320_390_and_1366_in_light_and_dark(live_server, browser, portal_a, screenshot):
    data = a11y.build_tenant(portal_a)
    user = data.contact.user
    # a second company, so the company switcher is in the top bar as well
    second = AccountFactory(tenant=portal_a.tenant, name="Zenith Power and Light Cooperative of the Northern Counties")
    ContactFactory(account=second, user=user, email=user.email, can_login=True, is_main=False)
    base = live_server.url
    screens = swept_screens(data)
    found: list[str] = []
    for theme in ("light", "dark"):
        user.theme = theme
        user.save(update_fields=["theme"])
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 800)
            context.add_cookies(a11y.session_cookie(live_server, user))
            page = context.new_page()
            page.set_default_timeout(15_000)
            for name, path in screens:
                page.goto(base + path)
                assert "/login/" not in page.url, name
                result = page.evaluate(REFLOW)
                where = f"{name} [{width} px, {theme}]"
                if result["scroll"] > result["vw"]:
                    found.append(f"{where}: the page scrolls sideways ({result['scroll']} > {result['vw']})")
                found += [f"{where}: {p}" for p in result["problems"]]
                if width == 390:
                    screenshot(page, f"phone-390-{theme}-{_slug(name)}")
                elif width == 320 and name in ("dashboard", "invoices", "invoice", "contacts", "system_access"):
                    screenshot(page, f"phone-320-{theme}-{_slug(name)}")
            context.close()
    assert not found, "\n".join(found)


def test_signed_out_screens_with_composed_blocks_fit_phones_in_light_and_dark(live_server, browser, portal_a):
    """The sign-in page as marketing composes it (a notice and help links, in blocks.sign_in) and the
    forgotten-password page, with a long support address: no sideways scrolling at 320, 390 and 1366 px."""
    from portal_pages.demo.tenants import _sign_in_blocks

    tenant = portal_a.tenant
    tenant.support_email = "kundenservice.abrechnung@alpenwerkenergie.example.com"  # no hyphen to break at
    tenant.save(update_fields=["support_email"])
    login = portal_a.login_page
    login.content = _sign_in_blocks(login, notice="Scheduled maintenance on Sunday from 2 to 4 a.m.", heading="Help")
    login.save_revision().publish()
    paths = [login.url, portal_a.url + "password/forgot/"]
    found: list[str] = []
    for scheme in ("light", "dark"):
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
            page = context.new_page()
            for path in paths:
                page.goto(live_server.url + path)
                assert page.get_by_text("Scheduled maintenance").count() == (1 if path == login.url else 0)
                result = page.evaluate(REFLOW)
                where = f"{path} [{width} px, {scheme}]"
                if result["scroll"] > result["vw"]:
                    found.append(f"{where}: the page scrolls sideways ({result['scroll']} > {result['vw']})")
                found += [f"{where}: {p}" for p in result["problems"]]
            context.close()
    assert not found, "\n".join(found)


# --- focus ring contrast, menus, the company switcher -----------------------------------------------------------

FOCUS_CONTRAST = """() => {
  const rgb = c => {
    const m = c.match(/[\\d.]+/g).map(Number);  // rgb(0-255) or, from color-mix(), color(srgb 0-1)
    const k = c.startsWith('color(') ? 255 : 1;
    return {r: m[0] * k, g: m[1] * k, b: m[2] * k, a: m.length > 3 ? m[3] : 1};
  };
  const lum = ({r, g, b}) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const el = document.activeElement;
  const cs = getComputedStyle(el);
  let bg = null;  // the colour behind the ring: the first opaque background from the element's parent up
  for (let p = el.parentElement; p; p = p.parentElement) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c.a > 0.5) { bg = c; break; }
  }
  bg = bg || {r: 255, g: 255, b: 255};
  const ring = rgb(cs.outlineColor);
  const [hi, lo] = [lum(ring), lum(bg)].sort((a, b) => b - a);
  return {cls: el.className, text: (el.textContent || '').trim().slice(0, 30), style: cs.outlineStyle,
          width: parseFloat(cs.outlineWidth), ratio: (hi + 0.05) / (lo + 0.05)};
}"""


def _tab_until(page, selector: str, limit: int = 60) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return page.evaluate(FOCUS_CONTRAST)
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_focus_ring_contrast_menus_and_switcher(live_server, browser, portal_a, screenshot, theme):
    data = a11y.build_tenant(portal_a)
    user = data.contact.user
    user.theme = theme
    user.save(update_fields=["theme"])
    second = AccountFactory(tenant=portal_a.tenant, name="Zenith Power")
    ContactFactory(account=second, user=user, email=user.email, can_login=True, is_main=False)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies(a11y.session_cookie(live_server, user))
    page = context.new_page()
    page.set_default_timeout(15_000)
    home = data.home
    page.goto(live_server.url + home.url + home.reverse_subpage("invoices"))

    for selector in (".user-menu:not(.case-menu) > summary", ".tabs .tab", "main .btn"):
        ring = _tab_until(page, selector)
        assert ring["style"] != "none" and ring["width"] >= 2, ring
        assert ring["ratio"] >= 3, f"focus ring of {selector} ({theme}): {ring}"
    page.keyboard.press("Tab")
    screenshot(page, f"focus-ring-{theme}")

    # arrowing through the company choices changes nothing until the Switch button
    page.evaluate("window.stillHere = true")
    switch = page.locator("#account-switch")
    switch.focus()
    page.keyboard.press("ArrowDown")
    page.locator(".user-menu:not(.case-menu) > summary").click()
    panel = page.locator(".user-menu:not(.case-menu) .user-menu__panel")
    panel.wait_for(state="visible")
    assert page.evaluate("window.stillHere === true"), "choosing a company reloaded the page"
    # Escape closes the user menu and gives the focus back to its button
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.matches('.user-menu > summary')")
    switch.select_option(label="Zenith Power")
    with page.expect_navigation():
        page.get_by_test_id("account-switch-submit").click()
    assert "zenith power" in page.locator(".page-head").inner_text().lower()
    context.close()


# --- print ------------------------------------------------------------------------------------------------------


def test_printed_invoice_looks_like_the_pdf(live_server, browser, portal_a, screenshot):
    data = a11y.build_tenant(portal_a)
    user = data.contact.user
    context = browser.new_context(viewport={"width": 390, "height": 844})  # printed from a phone: still a table
    context.add_cookies(a11y.session_cookie(live_server, user))
    page = context.new_page()
    page.set_default_timeout(15_000)
    home = data.home
    page.goto(live_server.url + home.url + home.reverse_subpage("invoice", kwargs={"pk": data.invoice.pk}))
    page.emulate_media(media="print")
    head = page.locator(".print-head")
    assert head.is_visible() and portal_a.tenant.name in head.inner_text()
    assert page.locator(".topbar").is_hidden() and page.locator(".tabs").is_hidden()
    lines = page.locator("main table").first
    assert lines.evaluate("t => getComputedStyle(t.querySelector('thead')).display") == "table-header-group"
    assert lines.evaluate("t => getComputedStyle(t.querySelector('tbody tr')).display") == "table-row"
    assert data.invoice.account.name in page.locator("main").inner_text()  # the bill-to
    page.set_viewport_size({"width": 816, "height": 1056})
    screenshot(page, "print-invoice")
    pdf = page.pdf(format="Letter")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "a short invoice prints on one page"
    context.close()


# --- dark mode --------------------------------------------------------------------------------------------------

BADGE_CONTRAST = """() => {
  const b = document.createElement('span');
  b.className = 'badge badge--waiting_on_customer';
  b.textContent = 'Waiting on customer';
  document.querySelector('main').appendChild(b);
  // computed colours come as rgb(0-255) or, from color-mix(), as color(srgb 0-1)
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => c.startsWith('color(') ? v * 255 : v);
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    const [r, g, bl] = rgb(c); return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(bl); };
  const cs = getComputedStyle(b);
  const [hi, lo] = [lum(cs.color), lum(cs.backgroundColor)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""


def _background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_dark_mode_follows_the_device_until_chosen(live_server, browser, portal_a):
    data = a11y.build_tenant(portal_a)
    user = data.contact.user
    home = data.home
    tickets = live_server.url + home.url + home.reverse_subpage("tickets")
    dark_bg, light_bg = "rgb(13, 17, 23)", "rgb(244, 246, 250)"

    anonymous = browser.new_context(color_scheme="dark")
    page = anonymous.new_page()
    page.goto(live_server.url + home.login_url())
    assert _background(page) == dark_bg, "the sign-in page follows the device"
    anonymous.close()

    for scheme in ("dark", "light"):
        user.theme = "auto"  # never chosen
        user.save(update_fields=["theme"])
        context = browser.new_context(color_scheme=scheme)
        context.add_cookies(a11y.session_cookie(live_server, user))
        page = context.new_page()
        page.goto(tickets)
        assert _background(page) == (dark_bg if scheme == "dark" else light_bg)
        assert page.evaluate(BADGE_CONTRAST) >= 4.5, f"waiting-on-customer badge ({scheme})"
        # chosen: the choice wins over the device
        page.locator(".user-menu:not(.case-menu) > summary").click()
        other = "light" if scheme == "dark" else "dark"
        with page.expect_navigation():
            page.locator(f"button[name=theme][value={other}]").click()
        assert _background(page) == (light_bg if other == "light" else dark_bg)
        assert page.evaluate(BADGE_CONTRAST) >= 4.5, f"waiting-on-customer badge ({other})"
        context.close()
