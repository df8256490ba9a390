"""The document library's selectors against the database: sections, counts, limits, paging, search, access."""

import pytest
from django.core.paginator import Paginator
from django.utils import translation
from wagtail.documents import get_document_model

from portal_models import access
from portal_models.access import PortalContext
from portal_models.models import CustomerUpload
from portal_models.selectors import documents as selectors
from portal_models.services.documents import account_collection, product_collection, tenant_collection

from .factories import (
    AccountFactory,
    LoginContactFactory,
    ProductFactory,
    ServiceFactory,
    TenantFactory,
    make_document,
)

pytestmark = pytest.mark.django_db


def add_documents(collection, prefix: str, n: int) -> None:
    """``n`` documents titled "<prefix> 01".. in ``collection`` (one shared file, as many portals have)."""
    Document = get_document_model()
    Document.objects.bulk_create(
        Document(title=f"{prefix} {i:02d}", file="documents/shared.pdf", collection=collection, file_size=10)
        for i in range(1, n + 1)
    )


def add_uploads(account, n: int) -> None:
    for i in range(1, n + 1):
        CustomerUpload.objects.create(
            account=account, title=f"Upload {i:02d}", file="uploads/x.pdf", original_name="x.pdf", content_type="a/b"
        )


def context_of(contact) -> PortalContext:
    return PortalContext(user=contact.user, tenant=contact.account.tenant, contact=contact, contacts=(contact,))


@pytest.fixture
def world():
    tenant = TenantFactory(name="Acme", slug="acme-lib")
    contact = LoginContactFactory(account=AccountFactory(tenant=tenant, name="Test Inc."))
    other = LoginContactFactory(account=AccountFactory(tenant=tenant, name="Other Co"))
    alpha = ProductFactory(tenant=tenant, name="Alpha suite")
    beta = ProductFactory(tenant=tenant, name="Beta suite")
    gamma = ProductFactory(tenant=tenant, name="Gamma suite")  # only the other account has it
    ServiceFactory(account=contact.account, product=alpha)
    ServiceFactory(account=contact.account, product=beta)
    ServiceFactory(account=other.account, product=gamma)
    add_documents(tenant_collection(tenant=tenant), "Policy", 12)
    add_documents(product_collection(product=alpha), "Alpha guide", 3)
    add_documents(product_collection(product=beta), "Beta guide", 30)
    add_documents(product_collection(product=gamma), "Gamma secret", 5)
    add_documents(account_collection(account=contact.account), "Test contract", 15)
    add_documents(account_collection(account=other.account), "Other contract", 7)
    other_tenant = TenantFactory(name="Borealis", slug="borealis-lib")
    add_documents(tenant_collection(tenant=other_tenant), "Borealis policy", 4)
    add_uploads(contact.account, 13)
    add_uploads(other.account, 2)
    return {
        "portal": context_of(contact),
        "other": context_of(other),
        "tenant": tenant,
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
    }


def by_key(sections):
    return {s.key: s for s in sections}


def titles(items):
    return [item.title for item in items]


def test_overview_counts_each_section_and_shows_its_first_ten(world):
    sections = selectors.library_sections(portal=world["portal"], sections=[])
    alpha, beta = world["alpha"].pk, world["beta"].pk
    assert [s.key for s in sections] == ["account", f"product-{alpha}", f"product-{beta}", "general", "uploads"]
    assert [str(s.title) for s in sections] == [
        "For Test Inc.",
        "Alpha suite",
        "Beta suite",
        "General documents",
        "My uploads",
    ]
    counts = {s.key: s.count for s in sections}
    assert counts == {"account": 15, f"product-{alpha}": 3, f"product-{beta}": 30, "general": 12, "uploads": 13}
    got = by_key(sections)
    assert titles(got["account"].documents) == [f"Test contract {i:02d}" for i in range(1, 11)]
    assert titles(got[f"product-{alpha}"].documents) == ["Alpha guide 01", "Alpha guide 02", "Alpha guide 03"]
    assert titles(got["uploads"].uploads) == [f"Upload {i:02d}" for i in range(13, 3, -1)]  # newest first
    assert [s.truncated for s in sections] == [True, False, True, True, True]


def test_curated_sections_come_first_and_take_their_documents_out_of_the_rest(world):
    general = tenant_collection(tenant=world["tenant"])
    curated = [
        {"title": "Beta documentation", "product_id": world["beta"].pk},
        {"title": "Policies", "collection_id": general.pk},
        {"title": "Gamma (not owned)", "product_id": world["gamma"].pk},
        {"title": "Beta again", "product_id": world["beta"].pk},
        {"title": "Nothing chosen"},
    ]
    sections = selectors.library_sections(portal=world["portal"], sections=curated)
    assert [(s.key, str(s.title), s.count) for s in sections] == [
        (f"product-{world['beta'].pk}", "Beta documentation", 30),
        (f"collection-{general.pk}", "Policies", 12),
        ("account", "For Test Inc.", 15),
        (f"product-{world['alpha'].pk}", "Alpha suite", 3),
        ("uploads", "My uploads", 13),
    ]


def test_a_section_by_key_is_paged_in_title_order(world):
    portal, key = world["portal"], f"product-{world['beta'].pk}"
    section = selectors.library_section(portal=portal, sections=[], key=key)
    assert (str(section.title), section.count) == ("Beta suite", 30)
    files = selectors.library_section_files(portal=portal, section=section)
    page = Paginator(files, 25).page(2)
    assert titles(page.object_list) == [f"Beta guide {i:02d}" for i in range(26, 31)]
    uploads = selectors.library_section(portal=portal, sections=[], key="uploads")
    assert uploads.count == 13 and uploads.is_uploads
    assert titles(selectors.library_section_files(portal=portal, section=uploads))[:2] == ["Upload 13", "Upload 12"]


def test_search_counts_and_lists_only_matching_files(world):
    portal = world["portal"]
    sections = selectors.library_sections(portal=portal, sections=[], query="0")  # titles ending 01-09, 10, 20, 30
    counts = {s.key: s.count for s in sections}
    beta = f"product-{world['beta'].pk}"
    assert counts == {"account": 10, f"product-{world['alpha'].pk}": 3, beta: 12, "general": 10, "uploads": 10}
    assert all("0" in title for s in sections for title in titles(s.documents + s.uploads))

    section = selectors.library_section(portal=portal, sections=[], key=beta, query="guide 2")
    assert section.count == 10
    files = selectors.library_section_files(portal=portal, section=section, query="guide 2")
    assert titles(files) == [f"Beta guide {i}" for i in range(20, 30)]
    # a section that exists but has no match is still that section (empty), not an unknown one
    empty = selectors.library_section(portal=portal, sections=[], key=beta, query="zzz")
    assert empty is not None and empty.count == 0
    assert selectors.library_sections(portal=portal, sections=[], query="zzz") == []


def test_another_accounts_documents_are_never_shown(world):
    portal, other = world["portal"], world["other"]
    gamma_key = f"product-{world['gamma'].pk}"
    everything = selectors.library_sections(portal=portal, sections=[{"title": "G", "product_id": world["gamma"].pk}])
    shown = [t for s in everything for t in titles(s.documents + s.uploads)]
    assert not [t for t in shown if t.startswith(("Gamma", "Other", "Borealis"))]
    # a product the account does not have, another account's collection, made-up keys: no such section
    other_collection = account_collection(account=other.account)
    for key in (gamma_key, f"collection-{other_collection.pk}", "nope", "product-x", "product-999999", ""):
        assert selectors.library_section(portal=portal, sections=[], key=key) is None
    assert (
        selectors.library_section(
            portal=portal,
            sections=[{"title": "Theirs", "collection_id": other_collection.pk}],
            key=f"collection-{other_collection.pk}",
        )
        is None
    )
    # every file of every section is one the access rule allows
    visible = set(access.visible_documents(portal).values_list("pk", flat=True))
    for section in selectors.library_sections(portal=portal, sections=[], limit=100):
        if not section.is_uploads:
            files = selectors.library_section_files(portal=portal, section=section)
            assert set(files.values_list("pk", flat=True)) <= visible
    mine = selectors.library_section(portal=other, sections=[], key="account")
    assert titles(selectors.library_section_files(portal=other, section=mine))[0] == "Other contract 01"
    assert selectors.library_section(portal=other, sections=[], key="uploads").count == 2


def test_contact_without_document_rights_has_no_sections(world):
    contact = world["portal"].contact
    contact.can_see_documents = False
    assert selectors.library_sections(portal=world["portal"], sections=[]) == []
    assert selectors.library_section(portal=world["portal"], sections=[], key="account") is None


def test_overview_and_section_cost_a_fixed_number_of_queries(world, django_assert_num_queries):
    portal, key = world["portal"], f"product-{world['beta'].pk}"
    with django_assert_num_queries(3):  # collections with counts, first rows per collection, uploads
        sections = selectors.library_sections(portal=portal, sections=[])
        assert sum(len(s.documents) + len(s.uploads) for s in sections) == 10 + 3 + 10 + 10 + 10
    add_documents(product_collection(product=world["beta"]), "Beta more", 300)
    add_documents(tenant_collection(tenant=world["tenant"]), "Policy more", 300)
    with django_assert_num_queries(3):
        selectors.library_sections(portal=portal, sections=[], query="more")
    with django_assert_num_queries(2):  # collections with counts, one page of files
        section = selectors.library_section(portal=portal, sections=[], key=key)
        assert len(list(selectors.library_section_files(portal=portal, section=section)[25:50])) == 25


def test_section_titles_are_translated(world):
    with translation.override("es"):
        titles_es = [str(s.title) for s in selectors.library_sections(portal=world["portal"], sections=[])]
    assert titles_es[0] == "Para Test Inc."
    assert "Documentos generales" in titles_es and "Mis archivos subidos" in titles_es


def test_a_document_moved_to_another_tenant_leaves_the_first_tenants_caches(db):
    """Both tenants' data versions move: the first tenant's cached library and dashboard must drop the file."""
    from portal_models.models import Tenant
    from portal_models.services.documents import tenant_collection

    first, second = TenantFactory(), TenantFactory()
    document = make_document(title="Price list", tenant=first)
    before = dict(Tenant.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "data_version"))
    document.collection = tenant_collection(tenant=second)
    document.save()
    after = dict(Tenant.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "data_version"))
    assert after[first.pk] > before[first.pk] and after[second.pk] > before[second.pk]
    # an edit in place bumps only its own tenant
    document.title = "Price list 2027"
    document.save()
    again = dict(Tenant.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "data_version"))
    assert again[first.pk] == after[first.pk] and again[second.pk] > after[second.pk]
