"""The document library through the test client: truncated sections, one section paged, search, bad input,
and a query count that does not grow with the number of documents."""

import html as htmllib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents import get_document_model
from wagtail.models import Locale

from portal_models.tests.factories import AccountFactory, ProductFactory, ServiceFactory, make_document
from portal_pages.models import DocumentLibraryPage

pytestmark = pytest.mark.django_db


def add_documents(collection, prefix: str, n: int, start: int = 1) -> None:
    Document = get_document_model()
    Document.objects.bulk_create(
        Document(title=f"{prefix} {i:03d}", file="documents/shared.pdf", collection=collection, file_size=10)
        for i in range(start, start + n)
    )


def downloads(html: str) -> list[str]:
    """The titles of the files listed (each row's first cell), in page order."""
    return re.findall(r'<td data-label="Title">([^<]+)', html)


@pytest.fixture
def library(portal_a, customer_a):
    tenant = portal_a.tenant
    product = ProductFactory(tenant=tenant, name="QMS Web")
    ServiceFactory(account=customer_a.account, product=product)
    hidden = ProductFactory(tenant=tenant, name="Hidden product")
    make_document(title="Portal guide", tenant=tenant)
    add_documents(make_document(title="QMS install 000", product=product).collection, "QMS install", 29)
    make_document(title="Hidden manual", product=hidden)
    make_document(title="Their contract", account=AccountFactory(tenant=tenant, name="Other Co"))
    add_documents(make_document(title="Contract 000", account=customer_a.account).collection, "Contract", 11)
    page = DocumentLibraryPage(
        title="QT Documents", slug="library", sections=[("section", {"title": "QMS Web docs", "product": product})]
    )
    portal_a.add_child(instance=page)
    return {"url": page.url, "product": product, "hidden": hidden}


def get(client, url, **params):
    """The page's HTML, entities decoded (so that links read as their URLs)."""
    response = client.get(url, params)
    assert response.status_code == 200
    return htmllib.unescape(response.content.decode())


def test_overview_shows_the_first_ten_of_each_section_and_a_show_all_link(signed_in_client, library):
    html = get(signed_in_client, library["url"])
    assert downloads(html) == (
        [f"QMS install {i:03d}" for i in range(10)] + [f"Contract {i:03d}" for i in range(10)] + ["Portal guide"]
    )
    key = f"product-{library['product'].pk}"
    assert "30 files" in html and "12 files" in html and "1 file<" in html
    assert f'href="?section={key}" data-testid="show-all">Show all 30 files' in html
    assert 'href="?section=account" data-testid="show-all">Show all 12 files' in html
    assert html.count('data-testid="show-all"') == 2  # not for the General section (1 file)
    assert "Hidden manual" not in html and "Their contract" not in html


def test_section_page_two_lists_the_rest_with_pagination(signed_in_client, library):
    key = f"product-{library['product'].pk}"
    html = get(signed_in_client, library["url"], section=key, page="2")
    assert downloads(html) == [f"QMS install {i:03d}" for i in range(25, 30)]
    assert "QMS Web docs" in html and "Portal guide" not in html and "Contract 000" not in html
    assert "30 items · page 2 of 2" in html
    assert f'href="?section={key}&page=1" rel="prev"' in html and 'rel="next"' not in html
    assert 'data-testid="all-sections"' in html and 'name="section" value="' + key + '"' in html
    assert 'href="?section=account"' not in html  # no other section's link on a section's page

    first = get(signed_in_client, library["url"], section=key)
    assert len(downloads(first)) == 25 and f'href="?section={key}&page=2" rel="next"' in first


@pytest.mark.parametrize(("page", "shown"), [("abc", 1), ("0", 2), ("-1", 2), ("99", 2), ("1.5", 1), ("", 1)])
def test_bad_page_numbers_show_a_page_with_a_message(signed_in_client, library, page, shown):
    key = f"product-{library['product'].pk}"
    html = get(signed_in_client, library["url"], section=key, page=page)
    assert f"30 items · page {shown} of 2" in html
    assert ("There is no page" in html) == (page != str(shown))


@pytest.mark.parametrize("key", ["nope", "product-abc", "product-999999", "hidden", "collection-1", "x" * 500])
def test_unknown_or_foreign_section_key_shows_the_overview_with_a_message(signed_in_client, library, key):
    if key == "hidden":
        key = f"product-{library['hidden'].pk}"
    html = get(signed_in_client, library["url"], section=key, page="2")
    assert "That section is not available" in html
    assert "Hidden manual" not in html and "Their contract" not in html
    assert len(downloads(html)) == 21  # the overview


def test_search_combines_with_the_section_and_its_pages(signed_in_client, library):
    key = f"product-{library['product'].pk}"
    html = get(signed_in_client, library["url"], q="install 01")
    assert downloads(html) == [f"QMS install {i:03d}" for i in range(10, 20)]
    assert "show-all" not in html  # 10 matches: nothing left out

    add_documents(library["product"].document_collection.collection, "QMS extra", 30, start=0)
    html = get(signed_in_client, library["url"], q="extra", section=key, page="2")
    assert downloads(html) == [f"QMS extra {i:03d}" for i in range(25, 30)]
    assert "30 items · page 2 of 2" in html
    assert f'href="?q=extra&section={key}&page=1" rel="prev"' in html
    assert 'name="q" value="extra"' in html and f'name="section" value="{key}"' in html  # the search form keeps both
    assert f'href="?section={key}">Clear' in html

    html = get(signed_in_client, library["url"], q="zzz", section=key)
    assert "No documents match “zzz”." in html and "That section is not available" not in html


def test_uploads_section_pages_the_customers_own_files(signed_in_client, library, customer_a):
    from portal_models.models import CustomerUpload

    for i in range(30):
        CustomerUpload.objects.create(
            account=customer_a.account, title=f"Upload {i:02d}", file="u.pdf", original_name="u.pdf", content_type="x"
        )
    html = get(signed_in_client, library["url"])
    assert "My uploads" in html and 'href="?section=uploads" data-testid="show-all">Show all 30 files' in html
    html = get(signed_in_client, library["url"], section="uploads", page="2")
    assert downloads(html)[:1] == ["Upload 04"] and len(downloads(html)) == 5  # newest first


def test_documents_route_without_library_page_pages_sections_too(portal_a, signed_in_client, customer_a):
    add_documents(make_document(title="Policy 000", tenant=portal_a.tenant).collection, "Policy", 40)
    html = get(signed_in_client, "/acme/documents/", section="general", page="2")
    assert downloads(html) == [f"Policy {i:03d}" for i in range(25, 41)]
    assert "General documents" in html


def test_library_in_spanish(portal_a, signed_in_client, library, customer_a):
    portal_a.tenant.languages = ["en", "es"]
    portal_a.tenant.save()
    Locale.objects.get_or_create(language_code="es")
    customer_a.user.language = "es"
    customer_a.user.save()
    html = get(signed_in_client, library["url"])
    assert "Para Test Inc." in html and "Ver los 12 archivos" in html


def count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "params", [{}, {"q": "1"}, {"section": "general"}, {"section": "account", "q": "1"}, {"section": "uploads"}]
)
def test_query_count_is_the_same_with_5_or_200_documents(portal_a, customer_a, signed_in_client, params):
    tenant = portal_a.tenant
    products = [ProductFactory(tenant=tenant, name=f"Product {i}") for i in range(3)]
    for product in products:
        ServiceFactory(account=customer_a.account, product=product)
    page = DocumentLibraryPage(
        title="Docs", slug="library", sections=[("section", {"title": "P0", "product": products[0]})]
    )
    portal_a.add_child(instance=page)
    collections = [
        make_document(title="General 1", tenant=tenant).collection,
        make_document(title="Mine 1", account=customer_a.account).collection,
        *(make_document(title=f"{p.name} 1", product=p).collection for p in products),
    ]  # 5 documents, one per section
    count_queries(signed_in_client, page.url, params)  # warm the portal's caches
    small = count_queries(signed_in_client, page.url, params)
    for i, collection in enumerate(collections):
        add_documents(collection, f"More {i}", 39)  # 200 documents
    assert get_document_model().objects.count() == 200
    assert count_queries(signed_in_client, page.url, params) == small


def test_library_page_asks_for_a_new_password_first(signed_in_client, library, customer_a):
    """The library page is a customer screen like the others: a temporary password must be changed first."""
    customer_a.user.must_change_password = True
    customer_a.user.save()
    response = signed_in_client.get(library["url"])
    assert response.status_code == 302 and response["Location"] == "/acme/account/password/"


def test_library_page_asks_for_two_factor_enrolment_when_the_tenant_requires_it(
    signed_in_client, library, portal_a, customer_a
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    tenant = portal_a.tenant
    tenant.two_factor_policy = tenant.TwoFactorPolicy.REQUIRED
    tenant.save()
    response = signed_in_client.get(library["url"])
    assert response.status_code == 302 and response["Location"] == "/acme/account/two-factor/"
    TOTPDevice.objects.create(user=customer_a.user, name="default", confirmed=True)
    assert signed_in_client.get(library["url"]).status_code == 200


def test_library_page_sends_visitors_to_sign_in(client, library):
    response = client.get(library["url"])
    assert response.status_code == 302 and "/acme/login/" in response["Location"]


def test_the_cached_library_follows_documents_services_and_the_page(signed_in_client, library, customer_a, portal_a):
    """The library page is cached whole: a new document, a new service of the account and a publish of the page
    each show on the next request."""
    url = library["url"]
    assert "Late addition" not in get(signed_in_client, url)
    assert "Portal guide" in get(signed_in_client, url)  # now from the cache
    make_document(title="Late addition", tenant=portal_a.tenant)
    assert "Late addition" in get(signed_in_client, url)
    assert "Hidden manual" not in get(signed_in_client, url, q="manual")
    ServiceFactory(account=customer_a.account, product=library["hidden"])
    assert "Hidden manual" in get(signed_in_client, url, q="manual")
    page = DocumentLibraryPage.objects.get(slug="library")
    page.title = "Renamed library"
    page.save_revision().publish()
    assert "Renamed library" in get(signed_in_client, url)


def test_the_cached_library_of_one_account_is_never_served_to_another(client, library, customer_a):
    from portal_models.tests.factories import LoginContactFactory

    other = LoginContactFactory(account=AccountFactory(tenant=customer_a.account.tenant, name="Second Co"))
    client.force_login(customer_a.user)
    assert "Contract 001" in get(client, library["url"])
    client.force_login(other.user)
    assert "Contract 001" not in get(client, library["url"])
