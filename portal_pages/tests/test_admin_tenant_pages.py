"""Tenant isolation of the admin's page explorer, page chooser, documents, images, search, dashboard and
reports (issue #12): each tenant's marketing edits their portal subtree and collection only."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page

from portal_models.models import StaffRole
from portal_models.services.documents import document_create
from portal_models.tests.factories import UserFactory
from portal_models.tests.tenant_world import MARK_A, MARK_B, build_tenant_records, staff_user

pytestmark = pytest.mark.django_db
A, B = MARK_A.lower(), MARK_B.lower()


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        own, other = build_tenant_records(MARK_A), build_tenant_records(MARK_B)
        for records in (own, other):
            collection = records.objects["wagtailcore.collection"]
            records.objects["document"] = document_create(
                collection=collection,
                title=f"{records.mark} price list",
                file=ContentFile(b"%PDF-1.4 test", name=f"{records.mark}.pdf"),
            )
            records.objects["image"] = get_image_model().objects.create(
                title=f"{records.mark} banner", file=get_test_image_file(), collection=collection
            )
        yield own, other
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world, db):
    return module_world


@pytest.fixture
def marketing_a(world, client):
    client.force_login(staff_user(world[0], StaffRole.MARKETING, email="marketing.a@example.com"))
    return client


@pytest.fixture
def staff_a(world, client):
    client.force_login(staff_user(world[0], StaffRole.BILLING, email="all.a@example.com", all_record_permissions=True))
    return client


def text(response) -> str:
    return response.content.decode("utf-8", errors="replace")


def test_marketing_explorer_starts_at_their_portal(world, marketing_a):
    own, other = world
    response = marketing_a.get("/admin/pages/", follow=True)
    assert response.status_code == 200
    html = text(response)
    assert f"{MARK_A} Tenant Customer Portal" in html and B not in html.lower()
    assert response.redirect_chain == [] or response.redirect_chain[-1][0].endswith(f"/admin/pages/{own.home.pk}/")
    assert marketing_a.get(f"/admin/pages/{own.home.pk}/edit/").status_code == 200


def test_marketing_cannot_edit_or_browse_another_tenants_pages(world, marketing_a):
    _own, other = world
    for page in (other.home, *other.home.get_children()):
        for url in (
            f"/admin/pages/{page.pk}/edit/",
            f"/admin/pages/{page.pk}/delete/",
            f"/admin/pages/add/portal_pages/contentpage/{page.pk}/",
        ):
            response = marketing_a.get(url)
            assert response.status_code in (302, 403, 404), url
            assert B not in text(response).lower()
    explorer = marketing_a.get(f"/admin/pages/{other.home.pk}/")
    assert explorer.status_code in (302, 403, 404) or "Sign in" not in text(explorer)


def test_page_chooser_and_page_search_offer_own_portal_only(world, marketing_a):
    own, _other = world
    portals = own.home.get_parent()
    for url in (
        "/admin/choose-page/",
        f"/admin/choose-page/{portals.pk}/",
        f"/admin/choose-page/{Page.get_first_root_node().pk}/",
    ):
        response = marketing_a.get(url)
        assert response.status_code == 200, url
        assert B not in text(response).lower(), url
    assert f"{MARK_A} Tenant Customer Portal" in text(marketing_a.get(f"/admin/choose-page/{portals.pk}/"))
    for url in ("/admin/choose-page/search/", "/admin/pages/search/"):
        response = marketing_a.get(url, {"q": MARK_B.upper()})
        assert response.status_code == 200, url
        assert B not in text(response).replace(MARK_B.upper(), "").lower(), url


def test_documents_and_images_listings_and_choosers(world, marketing_a):
    own, other = world
    for url in ("/admin/documents/", "/admin/documents/chooser/", "/admin/images/", "/admin/images/chooser/"):
        response = marketing_a.get(url)
        assert response.status_code == 200, url
        html = text(response)
        assert MARK_A in html and MARK_B not in html, url
    for url in (
        f"/admin/documents/edit/{other.objects['document'].pk}/",
        f"/admin/documents/delete/{other.objects['document'].pk}/",
        f"/admin/documents/chooser/{other.objects['document'].pk}/",
        f"/admin/images/{other.objects['image'].pk}/",
        f"/admin/images/{other.objects['image'].pk}/delete/",
        f"/admin/images/chooser/{other.objects['image'].pk}/",
    ):
        response = marketing_a.get(url)
        assert response.status_code in (302, 403, 404), url
        assert MARK_B not in text(response), url
    assert marketing_a.get(f"/admin/documents/edit/{own.objects['document'].pk}/").status_code == 200
    assert marketing_a.get(other.objects["document"].url).status_code == 404
    assert marketing_a.get(own.objects["document"].url).status_code == 200


def test_case_documents_live_in_the_tenants_collection_where_support_files_them(world, client):
    own, other = world
    case = own.objects["portal_models.case"]
    tenant_collection = own.objects["wagtailcore.collection"]
    assert case.collection.is_descendant_of(tenant_collection)
    for records in world:
        document_create(
            collection=records.objects["portal_models.case"].collection,
            title=f"{records.mark} case evidence",
            file=ContentFile(b"%PDF-1.4 case", name="case.pdf"),
        )
    client.force_login(staff_user(own, StaffRole.SUPPORT, email="support.a@example.com"))
    for url in ("/admin/documents/", "/admin/documents/chooser/"):
        html = text(client.get(url))
        assert f"{MARK_A} case evidence" in html and MARK_B not in html, url
        assert f"{MARK_A} price list" not in html  # only the case documents, not marketing's


@pytest.mark.parametrize("who", ["staff_a", "marketing_a"])
def test_dashboard_and_global_search_show_nothing_of_another_tenant(world, request, who):
    client = request.getfixturevalue(who)
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200 and B not in text(dashboard).lower()
    search = client.get("/admin/pages/search/", {"q": MARK_B.upper()})  # Wagtail's admin search
    assert search.status_code in (200, 302)  # staff without page permissions are sent to the dashboard
    assert B not in text(search).replace(MARK_B.upper(), "").lower()


def test_marketing_menu_has_no_record_screens(world, marketing_a):
    html = text(marketing_a.get("/admin/"))
    for url in ("/admin/portal_models/invoice/", "/admin/portal_models/ticket/", "/admin/identity/logins/"):
        assert url not in html


@pytest.mark.parametrize(
    "url",
    [
        "/admin/reports/site-history/",
        "/admin/reports/aging-pages/",
        "/admin/users/",
        "/admin/groups/",
        "/admin/snippets/",
    ],
)
def test_cross_tenant_areas_are_for_superusers_only(world, staff_a, url):
    assert staff_a.get(url).status_code == 403
    dashboard = text(staff_a.get("/admin/"))
    assert "/admin/reports/" not in dashboard and '"/admin/snippets/"' not in dashboard


def test_superuser_keeps_reports_users_and_groups(world, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/reports/site-history/", "/admin/users/", "/admin/groups/", "/admin/snippets/"):
        assert client.get(url).status_code == 200, url
    assert '"/admin/snippets/"' in text(client.get("/admin/"))
    html = text(client.get("/admin/choose-page/", follow=True))
    assert "Client Portal" in html
