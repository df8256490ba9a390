"""Marketing's scope in the admin (issue #26): a tenant's marketing user reaches its own tenant's pages (in every
language), collections, images and documents only — in listings, choosers, drop-downs and direct URLs — and no
customer files (account and case documents); documents uploaded in the admin pass the one upload rule.

Wagtail's own page, document and image URLs are found in the URL resolver (``admin_routes.WAGTAIL_OBJECT_ROUTES``),
so a Wagtail upgrade that adds one is checked too. Tenant A's portal is bilingual, as in the demo: its marketing
group holds page permissions in two trees, which makes Wagtail's "explorable root" the whole tree."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale, Page, Revision

from portal_models.models import StaffRole
from portal_models.services.documents import account_collection, document_create, product_collection
from portal_models.services.tenants import page_permissions_follow_translation
from portal_models.tests.admin_routes import WAGTAIL_OBJECT_ROUTES
from portal_models.tests.factories import PDF_BYTES
from portal_models.tests.tenant_world import MARK_A, MARK_B, build_tenant_records, staff_user

from ..models import ContentPage

pytestmark = pytest.mark.django_db
A, B = MARK_A.lower(), MARK_B.lower()
DENIED = {302, 403, 404}
OWN_OK = {200, 302, 405}


def _content(records, title):
    page = ContentPage(title=title, slug=title.lower().replace(" ", "-"))
    records.home.add_child(instance=page)
    page.save_revision()
    return page


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        own, other = build_tenant_records(MARK_A), build_tenant_records(MARK_B)
        for records in (own, other):
            mark, objects = records.mark, records.objects
            collection = objects["wagtailcore.collection"]
            objects["wagtaildocs.document"] = document_create(
                collection=collection, title=f"{mark} price list", file=ContentFile(PDF_BYTES, name="price.pdf")
            )
            objects["product document"] = document_create(
                collection=product_collection(product=objects["portal_models.product"]),
                title=f"{mark} product sheet",
                file=ContentFile(PDF_BYTES, name="sheet.pdf"),
            )
            objects["account document"] = document_create(
                collection=account_collection(account=objects["portal_models.account"]),
                title=f"{mark} account statement",
                file=ContentFile(PDF_BYTES, name="statement.pdf"),
            )
            objects["case document"] = document_create(
                collection=objects["portal_models.case"].collection,
                title=f"{mark} case evidence",
                file=ContentFile(PDF_BYTES, name="evidence.pdf"),
            )
            objects["wagtailimages.image"] = get_image_model().objects.create(
                title=f"{mark} banner", file=get_test_image_file(), collection=collection
            )
            page = _content(records, f"{mark} Help")
            objects["wagtailcore.page"] = page
            objects["wagtailcore.revision"] = Revision.page_revisions.filter(object_id=str(page.pk)).first()
        spanish, _ = Locale.objects.get_or_create(language_code="es")
        home_es = own.home.copy_for_translation(spanish, copy_parents=True)
        page_permissions_follow_translation(source=own.home, target=home_es)
        own.objects["home_es"] = home_es
        yield own, other
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world, db):
    return module_world


@pytest.fixture
def marketing_a(world, client):
    client.force_login(staff_user(world[0], StaffRole.MARKETING, email="marketing.a@example.com"))
    return client


def text(response) -> str:
    data = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return data.decode("utf-8", errors="replace")


def test_wagtail_routes_were_found():
    names = {route.name for route in WAGTAIL_OBJECT_ROUTES}
    assert {
        "wagtailadmin_explore",
        "wagtailadmin_pages:edit",
        "wagtailadmin_pages:revisions_view",
        "wagtailadmin_pages:preview_on_edit",
        "wagtaildocs:edit",
        "wagtailimages:edit",
        "wagtaildocs_chooser:chosen",
        "wagtailadmin_api:pages:detail",
        "simple_translation:submit_page_translation",
    } <= names
    assert len(WAGTAIL_OBJECT_ROUTES) > 40


@pytest.mark.parametrize("route", WAGTAIL_OBJECT_ROUTES, ids=lambda r: r.id)
def test_marketing_cannot_open_another_tenants_page_document_or_image(world, marketing_a, route):
    own, other = world
    response = marketing_a.get(route.url(other.object_for))
    if response.status_code == 405:  # POST-only
        response = marketing_a.post(route.url(other.object_for), {})
    assert response.status_code in DENIED, f"{route.route} with tenant B's object: {response.status_code}"
    assert B not in text(response).lower(), f"{route.route} shows tenant B"
    mine = marketing_a.get(route.url(own.object_for))  # the scoping above is not a broken view
    assert mine.status_code in OWN_OK | DENIED and mine.status_code != 500
    if mine.status_code == 200:
        assert B not in text(mine).lower(), f"{route.route} with tenant A's object shows tenant B"


@pytest.mark.parametrize(
    "name", ["wagtailadmin_pages:edit", "wagtailadmin_pages:history", "wagtailimages:edit", "wagtaildocs:edit"]
)
def test_marketing_opens_its_own_objects(world, marketing_a, name):
    own, _other = world
    route = next(r for r in WAGTAIL_OBJECT_ROUTES if r.name == name)
    response = marketing_a.get(route.url(own.object_for))
    assert response.status_code == 200 and B not in text(response).lower()


def test_explorer_of_a_bilingual_portal_shows_neither_the_other_tenant_nor_its_home(world, marketing_a):
    own, other = world
    for url in (
        f"/admin/pages/{other.home.pk}/",
        f"/admin/pages/{other.home.pk}/edit/",
        f"/admin/api/main/pages/{other.home.pk}/",
        f"/admin/choose-page/{other.home.pk}/",
    ):
        assert marketing_a.get(url).status_code == 404, url
    root = Page.get_first_root_node()
    for url in (
        f"/admin/pages/{root.pk}/",
        f"/admin/pages/{own.home.get_parent().pk}/",
        f"/admin/api/main/pages/?child_of={own.home.get_parent().pk}&for_explorer=1",
        "/admin/api/main/pages/?search=Qxbravo",
    ):
        response = marketing_a.get(url, follow=True)
        assert response.status_code == 200, url
        assert B not in text(response).replace("search=Qxbravo", "").lower(), url
    assert marketing_a.get(f"/admin/pages/{own.objects['home_es'].pk}/edit/").status_code == 200
    assert marketing_a.get(f"/admin/pages/{own.home.pk}/").status_code == 200


def test_bulk_actions_on_another_tenants_pages_are_refused(world, marketing_a):
    _own, other = world
    for query in (f"id={other.home.pk}", f"id=all&childOf={other.home.pk}"):
        response = marketing_a.get(f"/admin/bulk/wagtailcore/page/delete/?{query}")
        assert response.status_code == 404 and B not in text(response).lower()


def test_admin_api_does_not_list_every_document_and_image(world, marketing_a):
    for url in ("/admin/api/main/documents/", "/admin/api/main/images/"):
        assert marketing_a.get(url).status_code == 404


def test_no_customer_files_in_marketings_listings_choosers_and_drop_downs(world, marketing_a):
    own, _other = world
    for url in (
        "/admin/documents/",
        "/admin/documents/chooser/",
        "/admin/documents/add/",
        "/admin/documents/multiple/add/",
        "/admin/images/",
        "/admin/images/add/",
        "/admin/images/chooser/",
    ):
        response = marketing_a.get(url)
        assert response.status_code == 200, url
        html = text(response)
        assert MARK_B not in html, url
        assert "account statement" not in html and "case evidence" not in html, url
        assert f"{MARK_A} Corp" not in html and "Cases" not in html, f"{url} offers a customer collection"
    listing = text(marketing_a.get("/admin/documents/"))
    assert f"{MARK_A} price list" in listing and f"{MARK_A} product sheet" in listing
    for name in ("account document", "case document"):
        document = own.objects[name]
        assert marketing_a.get(f"/admin/documents/edit/{document.pk}/").status_code in DENIED
        assert marketing_a.get(f"/admin/documents/chooser/chosen/{document.pk}/").status_code in DENIED
        assert marketing_a.get(document.url).status_code == 404, f"marketing downloaded the {name}"
    assert marketing_a.get(own.objects["wagtaildocs.document"].url).status_code == 200


def test_staff_who_work_with_customers_keep_their_files(world, client):
    own, _other = world
    client.force_login(staff_user(own, StaffRole.SUPPORT, email="support.a@example.com"))
    assert client.get(own.objects["case document"].url).status_code == 200
    assert "case evidence" in text(client.get("/admin/documents/"))
    client.force_login(staff_user(own, StaffRole.BILLING, email="billing.a@example.com"))
    assert client.get(own.objects["account document"].url).status_code == 200


def test_page_editor_drop_downs_offer_own_tenant_only(world, marketing_a):
    own, other = world
    html = text(marketing_a.get(f"/admin/pages/{own.home.pk}/edit/"))
    assert f"{MARK_A} Tenant" in html and B not in html.lower()
    add_library = text(marketing_a.get(f"/admin/pages/add/portal_pages/documentlibrarypage/{own.home.pk}/"))
    assert MARK_B not in add_library and f"{MARK_A} Corp" not in add_library
    assert f"{MARK_A} Tenant" in add_library  # the tenant's collection is offered to a library section


def test_a_posted_tenant_or_image_of_another_tenant_is_refused(world, marketing_a):
    own, other = world
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    home = own.home.specific
    data = nested_form_data(
        {
            "title": home.title,
            "slug": home.slug,
            "tenant": other.tenant.pk,
            "logo": other.objects["wagtailimages.image"].pk,
            "welcome": streamfield([]),
            "footer_links": streamfield([]),
            "navigation": streamfield([]),
            "dashboard": streamfield([]),
            "primary_color": home.primary_color,
            "accent_color": home.accent_color,
        }
    )
    response = marketing_a.post(f"/admin/pages/{home.pk}/edit/", data)
    assert response.status_code == 200
    home.refresh_from_db()
    assert home.tenant_id == own.tenant.pk and home.logo_id != other.objects["wagtailimages.image"].pk


FAKE_PDF = b"MZ\x90\x00 this is a program, not a PDF"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("setup.exe", b"MZ\x90\x00program", "Files of type .exe are not accepted"),
        ("invoice.pdf", FAKE_PDF, "is not a .pdf file"),
    ],
)
def test_admin_document_upload_goes_through_the_upload_rule(world, marketing_a, name, content, message):
    own, _other = world
    collection = own.objects["wagtailcore.collection"]
    before = get_document_model().objects.count()
    response = marketing_a.post(
        "/admin/documents/add/",
        {"title": "Sneaky", "file": SimpleUploadedFile(name, content), "collection": collection.pk},
    )
    assert response.status_code == 200 and message in text(response)
    multiple = marketing_a.post(
        "/admin/documents/multiple/add/",
        {"files[]": SimpleUploadedFile(name, content), "collection": collection.pk},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert message in text(multiple)
    chooser = marketing_a.post(
        "/admin/documents/chooser/create/",
        {"document-chooser-upload-title": "Sneaky", "document-chooser-upload-file": SimpleUploadedFile(name, content)},
    )
    assert message in text(chooser)
    assert get_document_model().objects.count() == before


def test_a_real_pdf_uploaded_in_the_admin_is_accepted(world, marketing_a):
    own, _other = world
    response = marketing_a.post(
        "/admin/documents/add/",
        {
            "title": "Brochure",
            "file": SimpleUploadedFile("brochure.pdf", PDF_BYTES),
            "collection": own.objects["wagtailcore.collection"].pk,
        },
    )
    assert response.status_code == 302
    assert get_document_model().objects.filter(title="Brochure").exists()
