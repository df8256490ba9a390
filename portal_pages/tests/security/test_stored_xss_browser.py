"""Stored input is rendered as text: script payloads in names, tickets, case notes and page content never run,
in the customer portal or in the admin (headless Chromium against a live server)."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.rich_text import RichText

from portal_models.services.cases import case_assign, case_create, case_note_add
from portal_models.tests.factories import (
    AccountFactory,
    ContactFactory,
    LoginContactFactory,
    StaffUserFactory,
    TicketCommentFactory,
    TicketFactory,
    default_case_roles,
)
from portal_pages.models import ContentPage
from portal_pages.tests.factories import make_portal
from portal_pages.tests.test_tickets_browser import ensure_wagtail_tree

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
SVG = '"><svg onload="window.__xss=1">'
ATTR = "' onmouseover='window.__xss=1' x='"
ALL = SCRIPT + IMG + SVG + ATTR
# pasted into the rich text editor: well-formed HTML with a script, an event handler and a javascript: link
RICH = (
    f'<p>Hello {SCRIPT}<img src="x" onerror="window.__xss=1"/>'
    '<a href="javascript:window.__xss=1">click</a> <b onclick="window.__xss=1">b</b></p>'
)

# Anything the payloads could have turned into: a script element or an event-handler attribute mentioning __xss.
INJECTED = """() => [...document.querySelectorAll('*')].some(e =>
    (e.tagName === 'SCRIPT' && e.textContent.includes('__xss')) ||
    [...e.attributes].some(a => a.name.startsWith('on') && a.value.includes('__xss')))"""


def editor_rich_text(html: str) -> str:
    """What the Wagtail editor keeps of pasted HTML (Draftail's contentstate round trip)."""
    converter = ContentstateConverter(features=["h3", "bold", "italic", "link", "ol", "ul"])
    return converter.to_database_format(converter.from_database_format(html))


@pytest.fixture
def stored(transactional_db):
    ensure_wagtail_tree()
    default_case_roles()
    home = make_portal(name="Acme Billing", slug="acme")
    home.welcome = [("heading", "Welcome " + ALL), ("paragraph", RichText(editor_rich_text(RICH)))]
    home.save_revision().publish()
    login = home.login_page
    login.headline = "Sign in " + ALL
    login.intro = editor_rich_text(RICH)
    login.save_revision().publish()
    help_page = ContentPage(title="Help " + SCRIPT, slug="faq", summary="FAQ " + ALL)
    help_page.body = [("heading", ALL), ("paragraph", RichText(editor_rich_text(RICH)))]
    home.add_child(instance=help_page)
    account = AccountFactory(tenant=home.tenant, name="Inc " + SVG)
    customer = LoginContactFactory(account=account, can_manage_contacts=True, first_name="Jo" + IMG, last_name=SVG)
    colleague = ContactFactory(account=account, first_name=SCRIPT, last_name=IMG, title=ATTR, email="c@example.com")
    ticket = TicketFactory(account=account, created_by=customer.user, subject="Printer " + ALL, description=ALL)
    staff = StaffUserFactory()
    TicketCommentFactory(ticket=ticket, author=staff, body="Reply " + ALL, is_public=True)
    case = case_create(account=account, number="C-1", title="Case " + SVG, description=ALL)
    from portal_models.models import CaseRole

    case_assign(case=case, users=[customer.user], role=CaseRole.objects.get(name="Client", tenant=None))
    case_note_add(case=case, author=customer.user, body="Note " + ALL)
    return {"home": home, "customer": customer, "colleague": colleague, "ticket": ticket, "case": case, "staff": staff}


def sign_in_cookie(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def assert_inert(page, url, dialogs):
    response = page.goto(url)
    assert response.status < 400, f"{url}: {response.status}"
    page.wait_for_load_state("load")
    page.mouse.move(10, 10)
    page.mouse.move(400, 300)
    assert page.evaluate("typeof window.__xss") == "undefined", f"a payload ran on {url}"
    assert not page.evaluate(INJECTED), f"a payload became markup on {url}"
    assert not dialogs, f"a dialog opened on {url}: {dialogs}"
    assert "__xss" in page.content(), f"{url} does not show the stored text at all"


def test_stored_payloads_never_run(live_server, stored, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base = live_server.url
    # anonymous: the branded sign-in page and help content (marketing content)
    assert_inert(page, f"{base}/acme/login/", dialogs)
    assert_inert(page, f"{base}/acme/faq/", dialogs)
    # the customer
    sign_in_cookie(page, live_server, stored["customer"].user)
    ticket, case = stored["ticket"], stored["case"]
    for path in (
        "dashboard/",
        "contacts/",
        "settings/access/",
        "tickets/",
        f"tickets/{ticket.pk}/",
        "cases/",
        f"cases/{case.pk}/",
        "faq/",
    ):
        assert_inert(page, f"{base}/acme/{path}", dialogs)
    # staff in the admin: listings, inspect and edit views
    page.context.clear_cookies()
    sign_in_cookie(page, live_server, stored["staff"])
    for url in (
        reverse("portal_models_contact_modeladmin_index"),
        reverse("portal_models_contact_modeladmin_inspect", args=[stored["colleague"].pk]),
        reverse("portal_models_ticket_modeladmin_index"),
        reverse("portal_models_ticket_modeladmin_edit", args=[ticket.pk]),
        reverse("portal_models_case_modeladmin_index"),
        reverse("portal_models_case_modeladmin_edit", args=[case.pk]),
        reverse("wagtailadmin_explore", args=[stored["home"].pk]),
    ):
        assert_inert(page, base + url, dialogs)
