"""Customer billing screens: access (404 for other accounts and tenants), bad input, query counts, PDFs."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from portal_models.models import Account, Contact, Payment
from portal_models.services import billing
from portal_models.tests.factories import (
    AccountFactory,
    ContactFactory,
    LoginContactFactory,
    bulk_invoices,
    seed_invoice,
)

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def invoice_a(customer_a):
    return seed_invoice(customer_a.account)


@pytest.fixture
def others(portal_a, portal_b, customer_a):
    """An invoice, payment and contact of another account of tenant A, and of an account of tenant B."""
    result = {}
    for key, tenant in (("other_account", portal_a.tenant), ("other_tenant", portal_b.tenant)):
        account = AccountFactory(tenant=tenant)
        inv = seed_invoice(account, number=f"9{len(result)}")
        pay = billing.payment_record(account=account, method="check", amount=Decimal("100"), invoices=[inv])
        result[key] = {
            "invoice": inv,
            "payment": pay,
            "contact": ContactFactory(account=account, last_name=f"Outsider{key.title()}"),
        }
    customer_a.can_manage_contacts = True
    customer_a.save()
    return result


ROUTES = [
    ("invoice", "/acme/invoices/{pk}/"),
    ("invoice", "/acme/invoices/{pk}/pdf/"),
    ("payment", "/acme/payments/{pk}/"),
    ("contact", "/acme/contacts/{pk}/edit/"),
]


@pytest.mark.parametrize("owner", ["other_account", "other_tenant"])
@pytest.mark.parametrize(("kind", "url"), ROUTES)
def test_objects_of_another_account_or_tenant_are_404(signed_in_client, others, owner, kind, url):
    obj = others[owner][kind]
    assert signed_in_client.get(url.format(pk=obj.pk)).status_code == 404
    if kind == "contact":
        response = signed_in_client.post(url.format(pk=obj.pk), {"first_name": "Hacked", "last_name": "X"})
        assert response.status_code == 404
        obj.refresh_from_db()
        assert obj.first_name != "Hacked"


def test_lists_and_export_show_only_own_account(signed_in_client, invoice_a, others):
    listing = signed_in_client.get("/acme/invoices/").content.decode()
    other_number = others["other_account"]["invoice"].number
    assert "<strong>10020</strong>" in listing and f"<strong>{other_number}</strong>" not in listing
    rows = list(csv.reader(io.StringIO(signed_in_client.get("/acme/invoices/export/").getvalue().decode())))
    assert [r[0] for r in rows[1:]] == ["10020"]
    payments = signed_in_client.get("/acme/payments/").content.decode()
    assert f"{others['other_account']['payment'].display_number}<" not in payments
    contacts = signed_in_client.get("/acme/contacts/").content.decode()
    assert others["other_account"]["contact"].last_name not in contacts


def test_draft_invoices_are_not_shown(signed_in_client, customer_a):
    draft = billing.invoice_create(
        account=customer_a.account,
        number="D-1",
        lines=[{"description": "x", "unit_price": "1"}],
        due_date="2030-01-01",
        status="draft",
    )
    assert signed_in_client.get(f"/acme/invoices/{draft.pk}/").status_code == 404


def test_anonymous_is_sent_to_login(client, invoice_a):
    response = client.get(f"/acme/invoices/{invoice_a.pk}/pdf/")
    assert response.status_code == 302 and "/acme/login/" in response["Location"]


class TestInvoiceDetail:
    def test_lines_totals_and_pay_button_only_for_payers(self, signed_in_client, invoice_a, customer_a):
        html = signed_in_client.get(f"/acme/invoices/{invoice_a.pk}/").content.decode()
        for text in ("QMS Web Subscription", "$1,600.00", "$6,100.00", "Payment due", "Net 30", "08/26/2022"):
            assert text in html
        assert f'href="/acme/invoices/{invoice_a.pk}/pay/" data-testid="pay-now"' in html
        customer_a.can_pay = False
        customer_a.save()
        html = signed_in_client.get(f"/acme/invoices/{invoice_a.pk}/").content.decode()
        assert 'data-testid="pay-now"' not in html

    def test_pdf_has_the_invoice_text(self, signed_in_client, invoice_a):
        response = signed_in_client.get(f"/acme/invoices/{invoice_a.pk}/pdf/")
        assert response["Content-Type"] == "application/pdf"
        assert 'filename="invoice-10020.pdf"' in response["Content-Disposition"]
        text = pdf_text(response.content)
        for expected in ("10020", "QMS Software Training Package", "$6,100.00", "08/26/2022", "09/26/2022", "Net 30"):
            assert expected in text
        assert "Test Inc." in text

    def test_pdf_is_in_the_sans_font_footer_included(self, signed_in_client, invoice_a):
        """Every font of the PDF, the page-number footer's too (a page margin box), is the sans font."""
        from io import BytesIO

        from pypdf import PdfReader

        response = signed_in_client.get(f"/acme/invoices/{invoice_a.pk}/pdf/")
        fonts = set()
        for pdf_page in PdfReader(BytesIO(response.content)).pages:
            for font in pdf_page["/Resources"]["/Font"].values():
                fonts.add(str(font.get_object()["/BaseFont"]))
        assert "Page 1 of 1" in pdf_text(response.content)
        assert fonts and all("DejaVu-Sans" in f for f in fonts), fonts
        assert not any("Serif" in f for f in fonts), fonts

    def test_payments_and_credits_shown(self, signed_in_client, invoice_a):
        billing.credit_memo_apply(invoice=invoice_a, number="CM-7", amount=Decimal("100"), reason="Goodwill")
        pay = billing.payment_record(
            account=invoice_a.account,
            method="check",
            amount=Decimal("1000"),
            invoices=[invoice_a],
            reference="#4411",
            payer_name="Test Inc. treasury",
        )
        html = signed_in_client.get(f"/acme/invoices/{invoice_a.pk}/").content.decode()
        assert "CM-7" in html and "#4411" in html and "$5,000.00" in html
        receipt = signed_in_client.get(f"/acme/payments/{pay.pk}/").content.decode()
        assert "10020" in receipt and "$1,000.00" in receipt and "Test Inc. treasury" in receipt


class TestInvoiceList:
    def test_search_filter_sort(self, signed_in_client, customer_a, invoice_a):
        paid = billing.invoice_create(
            account=customer_a.account,
            number="10021",
            lines=[{"description": "x", "unit_price": "50"}],
            invoice_date="2023-01-10",
            due_date="2099-01-01",
        )
        billing.payment_record(account=customer_a.account, method="check", amount=Decimal("50"), invoices=[paid])
        get = lambda q: signed_in_client.get("/acme/invoices/" + q).content.decode()  # noqa: E731
        assert "10021" in get("?number=021") and "10020" not in get("?number=021").split("<tbody>")[1]
        overdue = get("?status=overdue").split("<tbody>")[1]
        assert "10020" in overdue and "10021" not in overdue
        paid_only = get("?status=paid").split("<tbody>")[1]
        assert "10021" in paid_only and "10020" not in paid_only
        assert "10020" not in get("?date_from=2023-01-01").split("<tbody>")[1]
        body = get("?sort=-total").split("<tbody>")[1]
        assert body.index("10020") < body.index("10021")
        body = get("?sort=total").split("<tbody>")[1]
        assert body.index("10021") < body.index("10020")

    @pytest.mark.parametrize(
        "query",
        [
            "?status=bogus",
            "?date_from=2022-02-30",
            "?date_to=yesterday",
            "?sort=password",
            "?page=999",
            "?page=abc",
            "?page=-1",
            "?number=" + "x" * 500,
        ],
    )
    def test_bad_input_never_500(self, signed_in_client, invoice_a, query):
        response = signed_in_client.get("/acme/invoices/" + query)
        assert response.status_code == 200
        html = response.content.decode()
        assert "10020" in html or "No invoices match" in html
        if "status" in query:
            assert "Select a valid choice" in html
        if "date_from" in query:
            assert "Enter a valid date" in html
        if "page" in query:
            assert "There is no page" in html

    def test_pagination(self, signed_in_client, customer_a):
        bulk_invoices(customer_a.account, 45)
        html = signed_in_client.get("/acme/invoices/?status=&page=2").content.decode()
        assert "45 items · page 2 of 3" in html
        assert '<span class="pagination__page is-current" aria-current="page">2</span>' in html
        for n in (1, 3):  # numbered links keep the filters
            assert f'href="?status=&page={n}" aria-label="Page {n}">{n}</a>' in html
        html = signed_in_client.get("/acme/invoices/?page=3").content.decode()
        assert "45 items · page 3 of 3" in html and 'rel="next"' not in html


def test_page_links_elide_the_middle_of_a_long_list(rf):
    """First and last page, the current page's neighbours, "…" between; page numbers stay plain in links."""
    from django.contrib.messages.storage.fallback import FallbackStorage

    from portal_pages.pagination import page_of

    def page(number):
        request = rf.get("/", {"page": number})
        request.session = {}
        request._messages = FallbackStorage(request)
        return page_of(request, list(range(3000)), per_page=10)

    gap = page("1").paginator.ELLIPSIS
    assert page("15").elided_range == [1, gap, 14, 15, 16, gap, 300]
    assert page("1").elided_range == [1, 2, gap, 300]
    assert page("300").elided_range == [1, gap, 299, 300]

    def test_export_filtered_csv(self, signed_in_client, customer_a, invoice_a):
        bulk_invoices(customer_a.account, 3)
        response = signed_in_client.get("/acme/invoices/export/?status=overdue")
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
        assert rows[0][0] == "Number" and rows[1][:4] == ["10020", "Overdue", "2022-08-26", "2022-09-26"]
        assert len(rows) == 2

    def test_malformed_export_redirects_with_message(self, signed_in_client, invoice_a):
        response = signed_in_client.get("/acme/invoices/export/?date_from=2022-13-45", follow=True)
        assert response.status_code == 200
        assert "The export could not be made" in response.content.decode()

    @pytest.mark.parametrize("url", ["/acme/invoices/", "/acme/dashboard/", "/acme/invoices/export/"])
    def test_query_count_does_not_grow(self, signed_in_client, customer_a, url):
        def count():
            with CaptureQueriesContext(connection) as ctx:
                assert signed_in_client.get(url).status_code == 200
            return len(ctx)

        bulk_invoices(customer_a.account, 10)
        count()  # warm up per-process caches (site root paths)
        few = count()
        bulk_invoices(customer_a.account, 990, start=60000)
        assert count() == few


class TestDashboard:
    def test_widgets(self, signed_in_client, customer_a, invoice_a):
        billing.payment_record(account=customer_a.account, method="check", amount=Decimal("100"), reference="#77")
        html = signed_in_client.get("/acme/dashboard/").content.decode()
        assert "Balance due" in html and "$6,000.00" in html
        assert "Overdue invoices" in html and "10020" in html
        assert "Recent payments" in html and "#77" in html

    def test_max_queries(self, signed_in_client, customer_a, django_assert_max_num_queries):
        bulk_invoices(customer_a.account, 1000)
        # 23: Wagtail localization looks up the active Locale once per request (site.root_page.localized); one
        # query per dashboard widget (balance, overdue, upcoming, payments, orders, deliveries, credit memos,
        # documents, service files) and the account's branches for the header
        with django_assert_max_num_queries(23):
            signed_in_client.get("/acme/dashboard/")


class TestStatement:
    def test_statement_pdf(self, signed_in_client, customer_a, invoice_a):
        billing.payment_record(
            account=customer_a.account, method="check", amount=Decimal("1000"), received_at="2022-09-10T12:00:00Z"
        )
        response = signed_in_client.get("/acme/statement/?date_from=2022-09-01&date_to=2022-12-31")
        assert response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        assert "Statement of account" in text
        assert "$6,100.00" in text  # opening balance (invoice of 08/26)
        assert "$5,100.00" in text  # closing balance

    def test_statement_on_screen(self, signed_in_client, customer_a, invoice_a):
        billing.payment_record(
            account=customer_a.account, method="check", amount=Decimal("1000"), received_at="2022-09-10T12:00:00Z"
        )
        response = signed_in_client.get("/acme/statement/?date_from=2022-09-01&date_to=2022-12-31&show=1")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert 'data-testid="statement"' in html and customer_a.account.name in html
        assert "$6,100.00" in html and "$5,100.00" in html  # opening and closing balances
        assert "09/01/2022" in html and "12/31/2022" in html
        # without a period: this year's statement below the form
        html = signed_in_client.get("/acme/statement/").content.decode()
        assert 'data-testid="statement"' in html and 'data-testid="statement-download"' in html

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ("?date_from=2022-02-30&date_to=2022-03-01", "Enter a valid date"),
            ("?date_from=2022-05-01&date_to=2022-01-01", "on or after the start date"),
            ("?date_from=&date_to=", "This field is required"),
        ],
    )
    def test_bad_dates(self, signed_in_client, invoice_a, query, message):
        response = signed_in_client.get("/acme/statement/" + query)
        assert response.status_code == 400 and message in response.content.decode()


class TestContactsAndSettings:
    def test_read_only_without_owner_right(self, signed_in_client, customer_a):
        html = signed_in_client.get("/acme/contacts/").content.decode()
        assert customer_a.last_name in html and "New contact" not in html
        # a missing right is a page that names it (403), not a 404: that stays for other accounts' objects
        refused = signed_in_client.get("/acme/contacts/new/")
        assert refused.status_code == 403 and "Owner" in refused.content.decode()
        assert signed_in_client.get(f"/acme/contacts/{customer_a.pk}/edit/").status_code == 403
        settings_html = signed_in_client.get("/acme/settings/").content.decode()
        assert 'data-testid="company-address"' in settings_html
        response = signed_in_client.post("/acme/settings/", {"address_1": "Hacked"})
        assert response.status_code == 405

    def test_owner_adds_and_edits_contact(self, signed_in_client, customer_a):
        customer_a.can_manage_contacts = True
        customer_a.save()
        response = signed_in_client.post(
            "/acme/contacts/new/",
            {
                "first_name": "Ada",
                "last_name": "Payable",
                "email": "ap@test.example",
                "is_billing": "on",
                "can_pay": "on",
                "can_manage_contacts": "on",
            },
        )
        assert response.status_code == 302
        ada = Contact.objects.get(last_name="Payable")
        assert ada.account == customer_a.account and ada.is_billing and not ada.is_main
        assert not ada.can_pay and not ada.can_manage_contacts  # portal rights are the staff's decision
        response = signed_in_client.post(
            f"/acme/contacts/{ada.pk}/edit/", {"first_name": "Ada", "last_name": "Payable", "email": "not-an-email"}
        )
        assert response.status_code == 400 and "Enter a valid email address" in response.content.decode()
        ada.refresh_from_db()
        assert ada.email == "ap@test.example"

    def test_owner_edits_company_address(self, signed_in_client, customer_a):
        customer_a.can_manage_contacts = True
        customer_a.save()
        response = signed_in_client.post("/acme/settings/", {"address_1": "", "city": "Aurora"})
        assert response.status_code == 400 and "This field is required" in response.content.decode()
        data = {
            "address_1": "1 Quality Way",
            "city": "Aurora",
            "state": "IL",
            "postal_code": "60505",
            "country": "United States of America",
        }
        assert signed_in_client.post("/acme/settings/", data).status_code == 302
        account = Account.objects.get(pk=customer_a.account_id)
        assert (account.address_1, account.postal_code) == ("1 Quality Way", "60505")


def test_active_account_switch_changes_what_is_shown(client, portal_a, customer_a, invoice_a):
    second = AccountFactory(tenant=portal_a.tenant, name="Doe Manufacturing")
    LoginContactFactory(account=second, user=customer_a.user, email=customer_a.email)
    other_invoice = seed_invoice(second, number="20001")
    client.force_login(customer_a.user)
    client.post("/acme/account/switch/", {"account": customer_a.account_id})
    assert client.get(f"/acme/invoices/{other_invoice.pk}/").status_code == 404
    client.post("/acme/account/switch/", {"account": second.pk})
    assert client.get(f"/acme/invoices/{other_invoice.pk}/").status_code == 200
    assert client.get(f"/acme/invoices/{invoice_a.pk}/").status_code == 404
    assert Payment.objects.count() == 0


@pytest.fixture
def two_companies(client, portal_a, customer_a, invoice_a):
    """customer_a also acts for Doe Manufacturing, and is working for Test Inc."""
    second = AccountFactory(tenant=portal_a.tenant, name="Doe Manufacturing", number="D-77")
    LoginContactFactory(account=second, user=customer_a.user, email=customer_a.email)
    client.force_login(customer_a.user)
    client.post("/acme/account/switch/", {"account": customer_a.account_id})
    return second


def test_a_link_naming_another_of_the_users_companies_offers_to_switch(client, customer_a, two_companies):
    response = client.get("/acme/invoices/?status=overdue&account=D-77")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="account-link"' in html
    assert "Doe Manufacturing" in html and 'value="/acme/invoices/?status=overdue"' in html
    assert "10020" not in html  # the screen itself is not shown before the choice
    switched = client.post(
        "/acme/account/switch/", {"account": two_companies.pk, "next": "/acme/invoices/?status=overdue"}
    )
    assert switched["Location"] == "/acme/invoices/?status=overdue"
    assert client.get("/acme/invoices/").context["portal"].account == two_companies


@pytest.mark.parametrize("number", ["A-ACTIVE", "NOT-MINE", ""])
def test_a_link_naming_the_active_or_an_unknown_company_goes_straight_on(
    client, customer_a, portal_b, two_companies, number
):
    """The active company, or one that is not the user's (of this tenant or another): the same screen without the
    parameter; nothing is said about a company that is not theirs."""
    AccountFactory(tenant=portal_b.tenant, number="NOT-MINE")
    if number == "A-ACTIVE":
        number = customer_a.account.number
    response = client.get(f"/acme/invoices/?status=overdue&account={number}&page=1")
    assert response.status_code == 302 and response["Location"] == "/acme/invoices/?status=overdue&page=1"
    assert client.get("/acme/invoices/").context["portal"].account == customer_a.account


def test_switching_never_follows_a_next_to_another_site(client, two_companies):
    response = client.post("/acme/account/switch/", {"account": two_companies.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/acme/dashboard/"
