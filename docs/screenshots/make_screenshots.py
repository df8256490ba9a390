"""Screenshots of each customer screen at 390 px (a phone), light, into docs/screenshots/390/, and of every
portal's sign-in page at 1366, 390 and 320 px, light and dark, into docs/screenshots/sign-in/.

Run it against the demo (`make demo` in another terminal, on http://127.0.0.1:8000):

    .venv/bin/python docs/screenshots/make_screenshots.py [--url http://127.0.0.1:8000] [--portal qt9]
        [--email john.doe@example.com]

It reads the demo data through Django (the same DATABASE_URL as the server) to name each screen of the portal's
routes (PortalHomePage.get_subpage_urls, with the signed-in customer's first invoice, payment, ticket... as
arguments), signs the customer in with a session of their own, and takes a full-page screenshot of each screen in
headless Chromium (Debian's /usr/bin/chromium, else Playwright's); the signed-out screens come first. The PNGs are
reduced to 256 colours (Pillow) to keep the repository small."""

import argparse
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "390"
SIGN_IN_OUT = Path(__file__).resolve().parent / "sign-in"  # every portal's composed sign-in page
SIGN_IN_WIDTHS = (1366, 390, 320)
WIDTH, HEIGHT = 390, 844

# Routes that are no screen (downloads, POST-only actions, JSON, redirects, the pay wizard's inner steps).
SKIPPED = {
    "index_route",
    "logout",
    "switch_account",
    "switch_branch",
    "set_theme",
    "set_language",
    "invoices_export",
    "invoice_pdf",
    "tickets_export",
    "ticket_attachment",
    "ticket_reopen",
    "upload_download",
    "case_document",
    "case_note_add",
    "case_document_upload",
    "requirement_upload",
    "pay_status",
    "pay_balance",
    "pay_invoice",
    "pay_card",
    "pay_confirm",
    "pay_result",
    "password_forgot",
    "set_password",
    "invitation",
    "contacts_export",
    "orders_export",
    "services_export",
    "order_again",
    "quote_pdf",
    "quote_accept",
    "quote_decline",
    "credit_memo_pdf",
    "announcement_dismiss",
}


def django_setup():
    sys.path[:0] = [str(ROOT), str(ROOT / "site")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")  # as manage.py
    import django

    django.setup()


def first_pk(queryset):
    obj = queryset.order_by("-pk").first()
    return obj.pk if obj else None


def route_args(account) -> dict:
    """The first record of each kind of the customer's company, for the detail screens."""
    from portal_models import models as m

    def of(name, **filters):
        model = getattr(m, name, None)
        return first_pk(model.objects.filter(**filters)) if model is not None else None

    return {
        "invoice": of("Invoice", account=account),
        "payment": of("Payment", account=account),
        "payment_receipt": of("Payment", account=account),
        "contact_edit": of("Contact", account=account),
        "service_detail": of("Service", account=account),
        "case": of("Case", account=account),
        "ticket_detail": of("Ticket", account=account),
        "order": of("Order", account=account),
        "quote": of("Quote", account=account),
        "delivery": of("Delivery", order__account=account),
    }


def screens(home, account) -> list[tuple[str, str]]:
    args = route_args(account)
    found = []
    for pattern in home.get_subpage_urls():
        name = pattern.name
        if name in SKIPPED:
            continue
        groups = list(pattern.pattern.regex.groupindex)
        if groups:
            if not args.get(name):
                continue  # no such record in the demo company
            path = home.reverse_subpage(name, kwargs={groups[0]: args[name]})
        else:
            path = home.reverse_subpage(name)
        found.append((name, home.url + path))
    found.append(("404-signed-in", home.url + "no-such-screen/"))
    return found


def session_cookie(user, contact, base_url) -> dict:
    """A signed-in session of ``user`` working for ``contact``'s company (the detail screens show its records)."""
    from django.test import Client

    from portal_models.access import ACTIVE_ACCOUNT_SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[f"{ACTIVE_ACCOUNT_SESSION_KEY}:{contact.account.tenant_id}"] = contact.account_id
    session.save()
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}


def optimise(path: Path):
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        small.save(path, optimize=True)


def shoot(page, base_url, name, path, out=OUT):
    page.goto(base_url + path, wait_until="networkidle")
    file = out / f"{name.replace('_', '-')}.png"
    page.screenshot(path=str(file), full_page=True, animations="disabled")
    optimise(file)
    return file


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--portal", default="qt9", help="the portal's slug")
    parser.add_argument("--email", default="john.doe@example.com", help="the signed-in customer")
    options = parser.parse_args()
    django_setup()
    from playwright.sync_api import sync_playwright

    from portal_models.models import Contact, User
    from portal_pages.models import PortalHomePage

    home = PortalHomePage.objects.live().get(slug=options.portal, tenant__isnull=False)  # not a translation
    user = User.objects.get(email=options.email)
    contact = Contact.objects.filter(user=user, account__tenant=home.tenant).select_related("account").first()
    base = options.url.rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    # Django's database work before Playwright's event loop starts (the ORM refuses to run inside it)
    signed_out = [("login", home.login_page.url), ("password-forgot", home.url + "password/forgot/")]
    registration = home.get_children().live().filter(slug="register").first()
    if registration:
        signed_out.append(("register", registration.url))
    signed_in = screens(home, contact.account)
    sign_in_pages = [
        (portal.slug, portal.login_page.url) for portal in PortalHomePage.objects.live().filter(tenant__isnull=False)
    ]
    SIGN_IN_OUT.mkdir(parents=True, exist_ok=True)
    cookie = session_cookie(user, contact, base)
    chromium = shutil.which("chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium) if chromium else p.chromium.launch()
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, color_scheme="light")
        page = context.new_page()
        written = [shoot(page, base, name, path) for name, path in signed_out]
        context.add_cookies([cookie])
        written += [shoot(page, base, name, path) for name, path in signed_in]
        for width in SIGN_IN_WIDTHS:  # the sign-in blocks on a desktop and on phones, light and dark
            for scheme in ("light", "dark"):
                signed_out_context = browser.new_context(
                    viewport={"width": width, "height": HEIGHT}, color_scheme=scheme
                )
                page = signed_out_context.new_page()
                written += [
                    shoot(page, base, f"{slug}-{width}-{scheme}", path, out=SIGN_IN_OUT) for slug, path in sign_in_pages
                ]
                signed_out_context.close()
        browser.close()
    for file in written:
        print(f"{file.relative_to(ROOT)}  {file.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
