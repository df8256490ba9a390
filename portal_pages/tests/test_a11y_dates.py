"""One date format per language: every customer screen (a11y.customer_screens, so a new route is swept without a
test change), the invoice email and the invoice PDF write dates as the language's SHORT_DATE_FORMAT
(site/config/formats/<lang>/formats.py through the ``portal_date`` / ``portal_datetime`` filters): 12/31/2026 in
English, 31/12/2026 in Spanish. No long form ("Dec 31, 2026", "31 de diciembre de 2026") and no ISO date in the
visible text."""

import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import Client
from pypdf import PdfReader
from wagtail.models import Locale

from portal_models.services import billing
from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401

from . import a11y

pytestmark = pytest.mark.django_db

SHORT = {"en": "%m/%d/%Y", "es": "%d/%m/%Y"}
MONTHS_EN = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
OTHER_FORMATS = {
    "long English date": re.compile(rf"\b(?:{MONTHS_EN})[a-z]*\.? \d{{1,2}}, \d{{4}}\b"),
    "long Spanish date": re.compile(r"\b\d{1,2} de [a-záéíóú]+ de \d{4}\b", re.IGNORECASE),
    "ISO date": re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])"),
    "short date not zero-padded": re.compile(r"(?<![\d/])(?:\d/\d{1,2}|\d{1,2}/\d)/\d{4}\b"),
}


class VisibleText(HTMLParser):
    """The text a reader sees (no scripts, styles or attributes)."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style", "template")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style", "template") and self.skip > 0

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def wrong_dates(text: str) -> list[str]:
    return [f"{kind}: {m.group(0)!r}" for kind, rx in OTHER_FORMATS.items() for m in rx.finditer(text)]


@pytest.fixture
def data(portal_a, localstripe):  # noqa: F811
    portal_a.tenant.languages = ["en", "es"]
    portal_a.tenant.save()
    Locale.objects.get_or_create(language_code="es")
    return a11y.build_tenant(portal_a)


def test_portal_date_filter_follows_the_language():
    from django.utils import translation

    from theme.templatetags.portal_tags import portal_date, portal_datetime

    with translation.override("en"):
        assert portal_date(date(2026, 3, 7)) == "03/07/2026"
    with translation.override("es"):
        assert portal_date(date(2026, 3, 7)) == "07/03/2026"
        assert portal_datetime(None) == ""
    found = wrong_dates("Dec 2, 2026 · 2 de diciembre de 2026 · 2026-12-02 · 3/7/2026 · CASE-2026-014 · 03/07/2026")
    assert len(found) == 4, found


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_customer_screen_writes_dates_in_the_languages_one_format(data, language):
    user = data.contact.user
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    invoice_date = data.invoice.invoice_date.strftime(SHORT[language])
    problems, swept = [], 0
    for name, path in a11y.customer_screens(data):
        if name.endswith(("_export", "_pdf")):
            continue
        response = client.get(path, follow=True)
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        assert f'lang="{language}"' in html, name
        swept += 1
        problems += [f"{name}: {p}" for p in wrong_dates(visible_text(html))]
        if name in ("invoices", "invoice"):
            assert invoice_date in visible_text(html), f"{name}: {invoice_date} missing"
    assert swept > 30
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["en", "es"])
def test_invoice_email_and_pdf_use_the_same_format(data, language):
    user = data.contact.user
    user.language = language
    user.save(update_fields=["language"])
    today = date.today()
    invoice = billing.invoice_create(
        account=data.contact.account,
        number="10030",
        lines=[{"description": "Audit", "unit_price": "90.00"}],
        invoice_date=today - timedelta(days=3),
        due_date=today + timedelta(days=27),
    )
    mail.outbox.clear()
    billing.invoice_issue(invoice=invoice)
    expected = [invoice.invoice_date.strftime(SHORT[language]), invoice.due_date.strftime(SHORT[language])]
    message = mail.outbox[-1]
    html = message.alternatives[0][0] if message.alternatives else ""
    for text in (message.body, visible_text(html)):
        assert all(e in text for e in expected), text
        assert not wrong_dates(text), wrong_dates(text)

    client = Client()
    client.force_login(user)
    response = client.get(data.home.url + data.home.reverse_subpage("invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response))).pages)
    assert all(e in pdf_text for e in expected), pdf_text
    assert not wrong_dates(pdf_text), wrong_dates(pdf_text)
