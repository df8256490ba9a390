"""Cases › Roles management: the grid of the tenant's roles × permissions, each cell cycled by one POST, with a
history entry; shared roles read-only for staff; another tenant's roles invisible."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from portal_models.models import CaseRole, CaseRoleRight, Grant, StaffRole
from portal_models.services.cases import ACTION_GRANT, next_grant

from .factories import UserFactory, default_case_roles
from .tenant_world import MARK_A, MARK_B, build_tenant_records, staff_user

pytestmark = pytest.mark.django_db

GRID = "/admin/cases/roles/"


@pytest.fixture
def world(db):
    default_case_roles()
    a, b = build_tenant_records(MARK_A, with_portal=False), build_tenant_records(MARK_B, with_portal=False)
    for records in (a, b):
        records.support = staff_user(records, StaffRole.SUPPORT, email=f"support@{records.mark.lower()}.example.com")
        records.role = records.objects["portal_models.caserole"]
    return a, b


def signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def cycle(client, role, permission, shown=None, json=True):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    data = {"permission": permission, "shown": shown if shown is not None else getattr(role, permission, "")}
    return client.post(reverse("case_roles_grid_cycle", args=[role.pk]), data, **headers)


def test_the_grid_shows_the_tenants_roles_and_the_shared_ones_read_only(world):
    a, b = world
    html = signed_in(a.support).get(GRID).content.decode()
    assert a.role.name in html and "Client" in html and "Staff" in html
    assert b.role.name not in html and MARK_B not in html
    shared = CaseRole.objects.get(tenant=None, name="Client")
    # the tenant's role: one button per permission; the shared role: text only, said to be read-only
    assert html.count(f'data-testid="cell-{a.role.pk}-') == len(CaseRole.PERMISSIONS)
    assert f'action="{reverse("case_roles_grid_cycle", args=[a.role.pk])}"' in html
    assert f'action="{reverse("case_roles_grid_cycle", args=[shared.pk])}"' not in html
    assert "read-only" in html
    # colour plus shape plus text for every value
    for shape, text in (("✓", "Allow"), ("○", "Not granted"), ("⊘", "Deny")):
        assert shape in html and text in html


def test_a_click_cycles_allow_none_deny_and_each_change_is_in_the_history(world):
    a, _b = world
    client = signed_in(a.support)
    role = a.role
    role.view_case = Grant.ALLOW
    role.save()
    seen = []
    for _ in range(3):
        role.refresh_from_db()
        response = cycle(client, role, "view_case")
        assert response.status_code == 200
        data = response.json()
        seen.append(data["cell"]["value"])
        assert data["cell"]["value_label"] in data["message"]
    assert seen == [Grant.NONE, Grant.DENY, Grant.ALLOW]
    role.refresh_from_db()
    assert role.view_case == Grant.ALLOW
    entries = ModelLogEntry.objects.filter(action=ACTION_GRANT, object_id=str(role.pk)).order_by("timestamp", "pk")
    assert [(e.data["old"], e.data["new"], e.user_id) for e in entries] == [
        ("allow", "none", a.support.pk),
        ("none", "deny", a.support.pk),
        ("deny", "allow", a.support.pk),
    ]


def test_without_javascript_the_form_posts_and_comes_back_to_the_grid(world):
    a, _b = world
    client = signed_in(a.support)
    before = a.role.post_notes
    response = cycle(client, a.role, "post_notes", json=False)
    assert response.status_code == 302 and response["Location"].startswith(GRID)
    a.role.refresh_from_db()
    assert a.role.post_notes == next_grant(before)
    assert "Saved." in client.get(response["Location"]).content.decode()


def test_a_stale_cell_changes_nothing_and_says_what_it_holds(world):
    a, _b = world
    client = signed_in(a.support)
    current = a.role.view_invoices
    stale = next_grant(current)
    response = cycle(client, a.role, "view_invoices", shown=stale)
    assert response.status_code == 409
    assert response.json()["cell"]["value"] == current
    a.role.refresh_from_db()
    assert a.role.view_invoices == current
    assert not ModelLogEntry.objects.filter(action=ACTION_GRANT).exists()


def test_shared_roles_are_read_only_for_staff_and_changed_by_superusers(world):
    a, _b = world
    shared = CaseRole.objects.get(tenant=None, name="Client")
    before = shared.view_case
    assert cycle(signed_in(a.support), shared, "view_case").status_code == 403
    shared.refresh_from_db()
    assert shared.view_case == before
    superuser = UserFactory(is_staff=True, is_superuser=True)
    assert cycle(signed_in(superuser), shared, "view_case").status_code == 200
    shared.refresh_from_db()
    assert shared.view_case == next_grant(before)


def test_another_tenants_role_answers_404_and_bad_requests_change_nothing(world):
    a, b = world
    client = signed_in(a.support)
    before = CaseRole.objects.get(pk=b.role.pk).grid
    assert cycle(client, b.role, "view_case").status_code == 404
    assert client.get(reverse("case_roles_grid_cycle", args=[b.role.pk])).status_code == 404
    assert client.get(reverse("case_roles_grid_cycle", args=[a.role.pk])).status_code == 405
    assert cycle(client, a.role, "drop_table").status_code == 400
    assert CaseRole.objects.get(pk=b.role.pk).grid == before


def test_csrf_is_required(world):
    a, _b = world
    client = signed_in(a.support, enforce_csrf_checks=True)
    before = a.role.view_case
    assert cycle(client, a.role, "view_case").status_code == 403
    a.role.refresh_from_db()
    assert a.role.view_case == before


def test_customers_and_marketing_cannot_use_it(world):
    a, _b = world
    marketing = staff_user(a, StaffRole.MARKETING, email="marketing@qxalpha.example.com")
    customer = a.objects["portal_models.contact"].user
    for user in (marketing, customer):
        client = signed_in(user)
        assert client.get(GRID).status_code in (302, 403)
        assert cycle(client, a.role, "view_case").status_code in (302, 403)


def test_nested_rights_cycle_with_history_and_only_the_tenants_collections(world):
    a, b = world
    client = signed_in(a.support)
    html = client.get(GRID).content.decode()
    own_collection = a.objects["wagtailcore.collection"]
    other_collection = b.objects["wagtailcore.collection"]
    assert f'data-testid="right-{a.role.pk}-view_documents-collection-{own_collection.pk}"' in html
    assert f"collection-{other_collection.pk}" not in html
    assert f'data-testid="right-{a.role.pk}-view_case-notes-internal"' in html

    url = reverse("case_roles_grid_cycle", args=[a.role.pk])
    headers = {"HTTP_ACCEPT": "application/json"}
    target = f"collection:{own_collection.pk}"
    response = client.post(url, {"permission": "view_documents", "target": target, "shown": "none"}, **headers)
    assert response.status_code == 200 and response.json()["cell"]["value"] == "deny"  # none → deny → allow
    response = client.post(url, {"permission": "view_documents", "target": target, "shown": "deny"}, **headers)
    assert response.json()["cell"]["value"] == "allow"
    assert CaseRoleRight.objects.get(role=a.role, permission="view_documents", target=target).grant == "allow"
    entries = ModelLogEntry.objects.filter(action=ACTION_GRANT, object_id=str(a.role.pk)).order_by("pk")
    assert [e.data for e in entries] == [
        {"permission": "view_documents", "target": target, "old": "none", "new": "deny"},
        {"permission": "view_documents", "target": target, "old": "deny", "new": "allow"},
    ]
    # stale, another tenant's collection, a target of another permission: refused, nothing changes
    stale = client.post(url, {"permission": "view_documents", "target": target, "shown": "none"}, **headers)
    assert stale.status_code == 409
    for permission, bad in (
        ("view_documents", f"collection:{other_collection.pk}"),
        ("view_invoices", "notes:internal"),
    ):
        assert client.post(url, {"permission": permission, "target": bad}, **headers).status_code == 400
    assert CaseRoleRight.objects.filter(role=a.role).count() == 1
