"""Lists whose cost does not grow with the account: constant queries, a bounded count, deep pages read from the end."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal_models.models import Invoice, Order, Payment, PaymentAllocation
from portal_models.selectors import billing as billing_selectors
from portal_models.tests.factories import bulk_invoices
from portal_pages import pagination

pytestmark = pytest.mark.django_db


def cold_queries(client, url) -> tuple[int, str]:
    """The queries of a request that finds no page, fragment or per-account read in the cache."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx), response.content.decode()


def bulk_payments(account, count: int) -> None:
    now = timezone.now()
    Payment.objects.bulk_create(
        Payment(
            tenant=account.tenant,
            account=account,
            number=9000 + i,
            method=Payment.Method.CHECK,
            amount=Decimal("10.00"),
            received_at=now - timedelta(hours=i),
            reference=f"#{i}",
        )
        for i in range(count)
    )


@pytest.mark.parametrize(
    "query", ["", "?sort=-total", "?sort=number", "?sort=amount_due&page=2", "?sort=-due_date&page=last", "?page=3"]
)
def test_invoice_list_queries_do_not_grow_with_the_account(signed_in_client, customer_a, query):
    bulk_invoices(customer_a.account, 45)
    url = "/acme/invoices/" + query.replace("page=last", "page=3")
    small, _html = cold_queries(signed_in_client, url)
    bulk_invoices(customer_a.account, 400, start=70000)
    large, html = cold_queries(signed_in_client, url)
    assert large == small
    assert "items · page" in html


def test_payments_list_counts_invoices_of_its_page_only(signed_in_client, customer_a):
    """No Count("allocations") over every payment: the page's payments get their invoice counts in one query."""
    account = customer_a.account
    bulk_invoices(account, 2)
    bulk_payments(account, 5)
    newest = Payment.objects.filter(account=account).order_by("-received_at").first()
    for invoice in Invoice.objects.filter(account=account):
        PaymentAllocation.objects.create(payment=newest, invoice=invoice, amount=Decimal("5.00"))
    small, html = cold_queries(signed_in_client, "/acme/payments/")
    Payment.objects.bulk_create(
        Payment(tenant=account.tenant, account=account, number=20000 + i, method="check", amount=Decimal("1.00"))
        for i in range(300)
    )
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert signed_in_client.get("/acme/payments/?page=9").status_code == 200
    assert len(ctx) == small
    allocation_counts = [q["sql"] for q in ctx.captured_queries if "portal_models_paymentallocation" in q["sql"]]
    assert len(allocation_counts) == 1 and " IN (" in allocation_counts[0]  # the page's payments only
    page = billing_selectors.payments_count_invoices(billing_selectors.payments_visible(account=account))
    assert {p.pk: p.invoice_count for p in page}[newest.pk] == 2
    assert sum(p.invoice_count for p in page) == 2


def test_order_list_queries_do_not_grow(signed_in_client, customer_a):
    account = customer_a.account

    def add(n, start):
        Order.objects.bulk_create(
            Order(tenant=account.tenant, account=account, number=f"O-{start + i}", subtotal=Decimal(i))
            for i in range(n)
        )

    add(30, 0)
    small, _ = cold_queries(signed_in_client, "/acme/orders/?sort=-total&page=2")
    add(300, 1000)
    large, _ = cold_queries(signed_in_client, "/acme/orders/?sort=-total&page=2")
    assert large == small


def test_every_page_read_from_the_end_continues_the_list(customer_a):
    """Pages past the middle are read with the sort reversed: together, the pages are the list, in its order."""
    bulk_invoices(customer_a.account, 47)
    qs = billing_selectors.invoice_list(
        queryset=billing_selectors.invoices_visible(account=customer_a.account), params={"sort": "-total"}
    ).qs
    expected = list(qs.values_list("pk", flat=True))
    paginator = pagination.BoundedPaginator(qs, 10, orphans=2)
    pages = [[inv.pk for inv in paginator.page(n).object_list] for n in paginator.page_range]
    assert [pk for page in pages for pk in page] == expected
    assert [len(p) for p in pages] == [10, 10, 10, 10, 7]
    with CaptureQueriesContext(connection) as ctx:
        last = paginator.page(paginator.num_pages)
        list(last.object_list)
    assert "ASC" in ctx.captured_queries[-1]["sql"] and "OFFSET" not in ctx.captured_queries[-1]["sql"]


def test_the_count_stops_at_its_bound_and_says_so(signed_in_client, customer_a, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 25)
    bulk_invoices(customer_a.account, 60)
    assert pagination.bounded_count(Invoice.objects.filter(account=customer_a.account)) == 26
    _queries, html = cold_queries(signed_in_client, "/acme/invoices/?sort=total")
    assert "More than 25 items" in html and "page 1 of the first 2" in html
    # a page beyond the bound falls back to the last page offered, with a message
    response = signed_in_client.get("/acme/invoices/?sort=total&page=3")
    assert response.status_code == 200 and "of the first 2" in response.content.decode()


def test_a_bad_page_number_still_falls_back(customer_a):
    request = RequestFactory().get("/", {"page": "nope"})
    from django.contrib.messages.storage.fallback import FallbackStorage

    request.session = {}
    request._messages = FallbackStorage(request)
    page = pagination.page_of(request, Invoice.objects.filter(account=customer_a.account), per_page=20)
    assert page.number == 1 and page.paginator.count == 0 and not page.paginator.capped


@pytest.mark.parametrize("url", ["/acme/invoices/export/?sort=-total", "/acme/orders/export/"])
def test_exports_stream_as_they_are_read(signed_in_client, customer_a, url):
    """A streamed CSV: its header leaves before any row is read, the rows come from the database in chunks."""
    bulk_invoices(customer_a.account, 120)
    Order.objects.bulk_create(
        Order(tenant=customer_a.account.tenant, account=customer_a.account, number=f"O-{i}") for i in range(30)
    )
    response = signed_in_client.get(url)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as ctx:
        header = next(chunks)
    assert len(ctx) == 0 and header.startswith((b"Number,", b"Order,"))
    body = header + b"".join(chunks)
    assert body.count(b"\r\n") == 1 + (120 if "invoices" in url else 30)


def test_xlsx_export_is_written_row_by_row_and_streamed(signed_in_client, customer_a):
    import io

    from openpyxl import load_workbook

    response = signed_in_client.get("/acme/contacts/export/?format=xlsx")
    assert response.streaming and response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert customer_a.email in [cell.value for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("model", ["invoice", "payment", "account"])
def test_admin_listings_count_once_and_do_not_grow(client, customer_a, model):
    """Wagtail's modeladmin counted all rows, the filtered rows and the paginator's rows: one COUNT now, and the
    queries of a page do not grow with the data."""
    from portal_models.tests.factories import AccountFactory, UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/portal_models/{model}/"

    def measure(query=""):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url + query).status_code == 200
        return len(ctx), [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(")]

    bulk_invoices(customer_a.account, 30)
    bulk_payments(customer_a.account, 30)
    measure()  # per-process caches
    small, counts = measure()
    assert len(counts) == 1, counts
    for _ in range(40):
        AccountFactory(tenant=customer_a.account.tenant)
    bulk_invoices(customer_a.account, 300, start=80000)
    Payment.objects.bulk_create(
        Payment(
            tenant=customer_a.account.tenant,
            account=customer_a.account,
            number=30000 + i,
            method="check",
            amount=Decimal("1.00"),
        )
        for i in range(300)
    )
    large, counts = measure()
    assert large == small and len(counts) == 1
    _filtered, counts = measure("?q=8")  # a search: the rows of the search, and all rows ("3 out of 330")
    assert len(counts) == 2
