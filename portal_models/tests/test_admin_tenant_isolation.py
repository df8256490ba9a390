"""Every admin view of every record type is tenant-scoped (issue #12).

The views are enumerated from the URL resolver (admin_routes.py): every modeladmin (listing, create,
inspect, edit, delete, history, custom actions), every snippet and snippet-chooser viewset, and the
project's own admin views. Each tenant has one record of every model (tenant_world.py); as staff of
tenant A holding every record permission, tenant B's objects answer 404 and never show in a listing,
search, export, chooser or form drop-down. Marketing of A opens no record screen at all; superusers see both.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from openpyxl import load_workbook
from wagtail_modeladmin.options import ModelAdmin

from portal_models.models import Contact, Invoice, Payment, StaffRole

from .admin_routes import FORM_ROUTES, LISTING_ROUTES, OBJECT_ROUTES, ROUTES, _unwrap
from .factories import UserFactory
from .tenant_world import MARK_A, MARK_B, build_tenant_records, staff_user

pytestmark = pytest.mark.django_db

B = MARK_B.lower()
A = MARK_A.lower()
OK_FOR_OWN = {200, 302, 403, 405}  # own records: shown, redirected after a permission check, or POST-only
DENIED = {302, 403, 404}


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end; each test runs in
    its own savepoint inside it (pytest-django's ``db``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_tenant_records(MARK_A), build_tenant_records(MARK_B)
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world, db):
    return module_world


@pytest.fixture
def staff_a(world, client):
    """Staff of tenant A with every record permission: only tenant scoping keeps B's records away."""
    user = staff_user(world[0], StaffRole.BILLING, email="all.a@example.com", all_record_permissions=True)
    client.force_login(user)
    return client


@pytest.fixture
def marketing_a(world, client):
    client.force_login(staff_user(world[0], StaffRole.MARKETING, email="marketing.a@example.com"))
    return client


def body(response) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    return data.decode("utf-8", errors="replace")


def request(client, url):
    """GET the URL; POST-only views (405) are POSTed instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def test_routes_were_found():
    kinds = {route.kind for route in ROUTES}
    assert {"modeladmin", "snippet", "chooser", "view"} <= kinds
    models = {route.model for route in ROUTES if route.kind == "modeladmin"}
    assert {"portal_models.invoice", "portal_models.ticket", "portal_models.case", "portal_models.contact"} <= models
    assert len(OBJECT_ROUTES) > 40 and len(LISTING_ROUTES) > 10


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.id)
def test_other_tenants_object_answers_404(world, staff_a, route):
    own, other = world
    response = request(staff_a, route.url(other.object_for))
    assert response.status_code == 404, f"{route.route} with tenant B's object answered {response.status_code}"
    assert B not in body(response).lower()
    # the same view works for the tenant's own object, so the 404 above is the scoping
    mine = request(staff_a, route.url(own.object_for))
    assert mine.status_code in OK_FOR_OWN, f"{route.route} with tenant A's object: {mine.status_code}"
    if mine.status_code == 200:
        assert B not in body(mine).lower()


@pytest.mark.parametrize("route", LISTING_ROUTES, ids=lambda r: r.id)
def test_listings_search_and_export_show_only_own_tenant(world, staff_a, route):
    url = route.url()
    response = staff_a.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    html = body(response).lower()
    assert A in html, f"{url} does not list tenant A's record (the positive control)"
    assert B not in html, f"{url} shows tenant B's record"

    search = staff_a.get(url, {"q": MARK_B.upper()})  # the echoed query is upper case, records are not
    assert search.status_code == 200
    assert B not in body(search).replace(MARK_B.upper(), "").lower(), f"{url}?q= finds tenant B's record"
    if (found := staff_a.get(url, {"q": MARK_A.upper()})).status_code == 200 and route.kind != "view":
        assert MARK_A in body(found), f"{url}?q= does not find tenant A's record (positive control)"

    model_admin = modeladmin_for(route)
    if model_admin is not None and model_admin.list_export:
        csv = body(staff_a.get(url, {"export": "csv"}))
        assert MARK_A in csv and MARK_B not in csv
        xlsx = staff_a.get(url, {"export": "xlsx"})
        data = b"".join(xlsx.streaming_content) if xlsx.streaming else xlsx.content
        cells = " ".join(
            str(cell) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) for cell in row
        )
        assert MARK_A in cells and MARK_B not in cells


@pytest.mark.parametrize("route", FORM_ROUTES, ids=lambda r: r.id)
def test_create_and_edit_forms_offer_only_own_tenants_records(world, staff_a, route):
    own, _other = world
    create = staff_a.get(route.url())
    assert create.status_code in OK_FOR_OWN
    if create.status_code == 200:
        assert B not in body(create).lower(), f"{route.route} offers tenant B's records"
    edit_name = route.name.replace("_create", "_edit").replace(":add", ":edit")
    edit = next((r for r in OBJECT_ROUTES if r.name == edit_name), None)
    if edit is not None:
        response = staff_a.get(edit.url(own.object_for))
        assert response.status_code in OK_FOR_OWN
        if response.status_code == 200:
            html = body(response).lower()
            assert A in html and B not in html, f"{edit.route} offers tenant B's records"


def test_a_posted_choice_of_another_tenant_is_refused(world, staff_a):
    own, other = world
    response = staff_a.post(
        "/admin/portal_models/contact/create/",
        {"account": other.objects["portal_models.account"].pk, "first_name": "Sneaky", "last_name": "Person"},
    )
    assert response.status_code == 200 and "Select a valid choice" in body(response)
    assert not Contact.objects.filter(first_name="Sneaky").exists()
    ok = staff_a.post(
        "/admin/portal_models/contact/create/",
        {"account": own.objects["portal_models.account"].pk, "first_name": "Fair", "last_name": "Person"},
    )
    assert ok.status_code == 302 and Contact.objects.filter(first_name="Fair").exists()


def test_snippet_chooser_does_not_choose_other_tenants_records(world, staff_a):
    own, other = world
    chosen = "/admin/snippets/choose/portal_models/product/chosen/{}/"
    assert staff_a.get(chosen.format(other.objects["portal_models.product"].pk)).status_code == 404
    assert staff_a.get(chosen.format(own.objects["portal_models.product"].pk)).status_code == 200
    several = staff_a.get(
        "/admin/snippets/choose/portal_models/product/chosen-multiple/",
        {"id": [other.objects["portal_models.product"].pk, own.objects["portal_models.product"].pk]},
    )
    assert MARK_A in body(several) and MARK_B not in body(several)


# Marketing's own snippets (announcements, email wording): scoped like every snippet, checked by the other tests.
MARKETING_SNIPPETS = ("wagtailsnippets_portal_models_announcement:", "wagtailsnippets_portal_models_emailwording:")


@pytest.mark.parametrize(
    "route",
    [r for r in ROUTES if r.kind != "chooser" and not r.name.startswith(MARKETING_SNIPPETS)],
    ids=lambda r: r.id,
)
def test_marketing_opens_no_record_screen(world, marketing_a, route):
    own, _other = world
    response = request(marketing_a, route.url(own.object_for))
    assert response.status_code in DENIED, f"marketing opened {route.route}: {response.status_code}"
    assert A not in body(response).lower()


@pytest.mark.parametrize("route", [r for r in ROUTES if r.kind == "chooser" and not r.arguments], ids=lambda r: r.id)
def test_choosers_open_to_any_staff_are_scoped_too(world, marketing_a, route):
    """Wagtail's choosers are open to every admin user (they serve other forms); they are scoped all the same."""
    response = marketing_a.get(route.url())
    assert response.status_code in {200, *DENIED}
    assert B not in body(response).lower()


def test_superuser_sees_every_tenant(world, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in (
        "/admin/portal_models/invoice/",
        "/admin/portal_models/ticket/",
        "/admin/snippets/portal_models/caserole/",
    ):
        html = body(client.get(url))
        assert MARK_A in html and MARK_B in html, url


def test_support_reads_contacts_but_does_not_edit_them(world, client):
    own, _other = world
    client.force_login(staff_user(own, StaffRole.SUPPORT, email="support.a@example.com"))
    contact = own.objects["portal_models.contact"]
    assert client.get(f"/admin/portal_models/contact/inspect/{contact.pk}/").status_code == 200
    assert client.get(f"/admin/portal_models/contact/edit/{contact.pk}/").status_code in (302, 403)
    assert client.get("/admin/portal_models/invoice/").status_code in (302, 403)
    assert client.get(f"/admin/portal_models/ticket/edit/{own.objects['portal_models.ticket'].pk}/").status_code == 200


def test_billing_may_refund_and_support_may_not(world, client):
    own, _other = world
    payment = own.objects["portal_models.payment"]
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id="pi_test", status="succeeded")
    client.force_login(staff_user(own, StaffRole.BILLING, email="billing.a@example.com"))
    assert client.get(f"/admin/payments/{payment.pk}/refund/").status_code == 200
    inspect = body(client.get(f"/admin/portal_models/payment/inspect/{payment.pk}/"))
    assert f"/admin/payments/{payment.pk}/refund/" in inspect
    client.force_login(staff_user(own, StaffRole.SUPPORT, email="support.a@example.com"))
    assert client.get(f"/admin/payments/{payment.pk}/refund/").status_code in (302, 403)


def test_shared_case_roles_are_read_only_for_staff(world, client):
    from .tenant_world import shared_case_role

    own, _other = world
    shared = shared_case_role()
    client.force_login(staff_user(own, StaffRole.SUPPORT, email="support.a@example.com"))
    listing = body(client.get("/admin/snippets/portal_models/caserole/"))
    assert "Shared template role" in listing and MARK_A in listing and MARK_B not in listing
    assert f"/caserole/edit/{shared.pk}/" not in listing
    assert client.get(f"/admin/snippets/portal_models/caserole/inspect/{shared.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/portal_models/caserole/edit/{shared.pk}/").status_code == 404
    own_role = own.objects["portal_models.caserole"]
    assert client.get(f"/admin/snippets/portal_models/caserole/edit/{own_role.pk}/").status_code == 200
    # a new role belongs to one of the staff user's tenants: "every tenant" is not offered
    add = body(client.get("/admin/snippets/portal_models/caserole/add/"))
    assert f"{MARK_A} Tenant" in add and "---------" not in add.split('name="tenant"')[1].split("</select>")[0]


def test_staff_cannot_download_another_tenants_files(world, staff_a):
    from portal_models.services.documents import document_create

    own, other = world
    upload = "/admin/customer-uploads/{}/download/"
    assert staff_a.get(upload.format(other.objects["portal_models.customerupload"].pk)).status_code == 404
    assert staff_a.get(upload.format(own.objects["portal_models.customerupload"].pk)).status_code == 200
    document = document_create(
        collection=other.objects["wagtailcore.collection"],
        title=f"{MARK_B} price list",
        file=ContentFile(b"%PDF-1.4 B", name="b.pdf"),
    )
    assert staff_a.get(document.url).status_code == 404


def test_ticket_assignees_and_filters_are_own_tenants_staff(world, staff_a):
    own, other = world
    theirs = staff_user(other, StaffRole.SUPPORT, email=f"{B}.support@example.com")
    ours = staff_user(own, StaffRole.SUPPORT, email=f"{A}.support@example.com")
    ticket = own.objects["portal_models.ticket"]
    edit = body(staff_a.get(f"/admin/portal_models/ticket/edit/{ticket.pk}/"))
    assert str(ours) in edit and str(theirs) not in edit and B not in edit.lower()
    listing = body(staff_a.get("/admin/portal_models/ticket/"))
    assert str(ours) in listing and str(theirs) not in listing and B not in listing.lower()


def test_case_assignment_offers_only_the_case_tenants_staff(world, staff_a):
    own, other = world
    staff_user(other, StaffRole.SUPPORT, email=f"{B}.support@example.com")
    case = own.objects["portal_models.case"]
    html = body(staff_a.get("/admin/cases/role-assignment/", {"case": case.pk})).lower()
    assert f"{MARK_A} case".lower() in html and B not in html
    other_case = other.objects["portal_models.case"]
    assert staff_a.get("/admin/cases/role-assignment/", {"case": other_case.pk}).status_code == 200
    assert B not in body(staff_a.get("/admin/cases/role-assignment/", {"case": other_case.pk})).lower()


def test_invoice_actions_on_another_tenant_change_nothing(world, staff_a):
    _own, other = world
    invoice = other.objects["portal_models.invoice"]
    before = Invoice.objects.get(pk=invoice.pk).status
    assert staff_a.post(f"/admin/portal_models/invoice/void/{invoice.pk}/").status_code == 404
    assert Invoice.objects.get(pk=invoice.pk).status == before != "void"


def modeladmin_for(route) -> ModelAdmin | None:
    from django.urls import resolve

    view = _unwrap(resolve(route.url()).func)
    owner = getattr(view, "__self__", None)
    return owner if isinstance(owner, ModelAdmin) else None
