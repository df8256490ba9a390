"""The document visibility matrix: who may download which Wagtail document, and what everyone else gets."""

import pytest
from django.contrib.auth.models import Permission

from portal_models.tests.factories import (
    PDF_BYTES,
    AccountFactory,
    LoginContactFactory,
    ProductFactory,
    ServiceFactory,
    UserFactory,
    make_document,
)
from portal_pages.models import DocumentLibraryPage

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def world(portal_a, portal_b, customer_a):
    tenant = portal_a.tenant
    product = ProductFactory(tenant=tenant, name="QMS Web")
    ServiceFactory(account=customer_a.account, product=product)
    other_product = ProductFactory(tenant=tenant, name="Other product")
    docs = {
        "tenant": make_document(title="Portal guide", tenant=tenant),
        "product": make_document(title="QMS install guide", product=product),
        "account": make_document(title="Test Inc contract", account=customer_a.account),
        "unowned_product": make_document(title="Other manual", product=other_product),
        "other_tenant": make_document(title="Borealis guide", tenant=portal_b.tenant),
    }
    users = {
        "same_account": customer_a.user,
        "other_account": LoginContactFactory(account=AccountFactory(tenant=tenant, name="Other Co")).user,
        "other_tenant": LoginContactFactory(account=AccountFactory(tenant=portal_b.tenant)).user,
    }
    return docs, users


ALLOWED = {
    ("tenant", "same_account"),
    ("product", "same_account"),
    ("account", "same_account"),
    ("tenant", "other_account"),
}


@pytest.mark.parametrize("doc_key", ["tenant", "product", "account", "unowned_product"])
@pytest.mark.parametrize("who", ["same_account", "other_account", "other_tenant"])
def test_visibility_matrix(client, world, doc_key, who):
    docs, users = world
    client.force_login(users[who])
    response = client.get(docs[doc_key].url)
    if (doc_key, who) in ALLOWED:
        assert response.status_code == 200
        assert body(response) == PDF_BYTES
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("doc_key", ["tenant", "product", "account"])
def test_anonymous_is_sent_to_the_tenant_sign_in_page(client, world, doc_key):
    docs, _ = world
    response = client.get(docs[doc_key].url)
    assert response.status_code == 302
    assert response["Location"].startswith("/acme/login/?next=/documents/")


def test_other_tenants_document_for_anonymous_goes_to_that_tenants_sign_in(client, world):
    docs, _ = world
    assert client.get(docs["other_tenant"].url)["Location"].startswith("/borealis/login/")


def test_contact_without_document_rights_gets_404(client, world, customer_a):
    docs, users = world
    customer_a.can_see_documents = False
    customer_a.save()
    client.force_login(users["same_account"])
    assert client.get(docs["tenant"].url).status_code == 404  # a download: nothing said about it
    assert client.get("/acme/documents/").status_code == 403  # the screen: the missing right, who grants it


def test_staff_with_admin_access_may_download_their_tenants_documents(client, world, portal_a):
    from portal_models.models import StaffRole
    from portal_models.services.tenants import tenant_staff_groups_ensure

    docs, _ = world
    staff = UserFactory()
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    staff.groups.add(tenant_staff_groups_ensure(tenant=portal_a.tenant)[StaffRole.SUPPORT])
    client.force_login(staff)
    assert client.get(docs["account"].url).status_code == 200
    assert client.get(docs["other_tenant"].url).status_code == 404  # another tenant's staff document


def test_document_outside_every_portal_is_404_for_customers(client, world):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document
    from wagtail.models import Collection

    docs, users = world
    loose = Document.objects.create(
        title="Internal", file=ContentFile(PDF_BYTES, name="internal.pdf"), collection=Collection.get_first_root_node()
    )
    client.force_login(users["same_account"])
    assert client.get(loose.url).status_code == 404


def _library(portal_a):
    library = DocumentLibraryPage(title="QT Documents", slug="library")
    portal_a.add_child(instance=library)
    return library


def test_library_lists_only_visible_documents(client, world, portal_a):
    docs, users = world
    library = _library(portal_a)
    client.force_login(users["other_account"])
    assert client.get("/acme/documents/")["Location"] == library.url
    body = client.get(library.url).content.decode()
    assert "Portal guide" in body
    for hidden in ("QMS install guide", "Test Inc contract", "Other manual", "Borealis guide"):
        assert hidden not in body

    client.force_login(users["same_account"])
    body = client.get(library.url).content.decode()
    for shown in ("Portal guide", "QMS install guide", "Test Inc contract"):
        assert shown in body
    assert "Other manual" not in body


def test_library_search_by_title(client, world, portal_a):
    docs, users = world
    library = _library(portal_a)
    client.force_login(users["same_account"])
    body = client.get(library.url, {"q": "install"}).content.decode()
    assert "QMS install guide" in body
    assert "Portal guide" not in body
    assert "No documents match" in client.get(library.url, {"q": "zzz"}).content.decode()


def test_library_sections_by_product(client, world, portal_a):
    docs, users = world
    product = docs["product"].collection.portal_scope.product
    library = DocumentLibraryPage(
        title="Docs", slug="library", sections=[("section", {"title": "QMS Web docs", "product": product})]
    )
    portal_a.add_child(instance=library)
    client.force_login(users["same_account"])
    body = client.get(library.url).content.decode()
    assert body.index("QMS Web docs") < body.index("QMS install guide") < body.index("General documents")
    assert body.index("For Test Inc.") < body.index("Test Inc contract") < body.index("General documents")


def test_library_for_other_tenants_user_redirects_to_sign_in(client, world, portal_a):
    docs, users = world
    library = _library(portal_a)
    client.force_login(users["other_tenant"])
    assert client.get(library.url)["Location"].startswith("/acme/login/")


def test_documents_route_without_library_page_lists_visible_documents(client, world):
    docs, users = world
    client.force_login(users["same_account"])
    response = client.get("/acme/documents/")
    assert response.status_code == 200
    assert "QMS install guide" in response.content.decode()


def test_library_query_count_is_constant(client, world, portal_a, django_assert_max_num_queries, customer_a):
    docs, users = world
    library = _library(portal_a)
    client.force_login(users["same_account"])
    client.get(library.url)
    for i in range(10):
        make_document(title=f"Extra {i}", account=customer_a.account)
    with django_assert_max_num_queries(20):
        response = client.get(library.url)
    html = response.content.decode()
    # the account's 11 documents show their first 10 and a link to all of them; tenant and product: 1 each
    assert html.count('data-testid="download"') == 12
    assert 'href="?section=account" data-testid="show-all"' in html
