"""Two clicks at once on the same cell of the roles grid (PostgreSQL, real transactions, two threads): the role
row is locked (select_for_update) and the value the screen showed is checked, so one click applies and the
other answers 409 with the fresh value; never a lost update, exactly one history entry per applied change."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from portal_models.models import CaseRole, CaseRoleRight, Grant, StaffRole
from portal_models.services.cases import ACTION_GRANT, StaleGrant, case_role_cycle_grant, next_grant

from .factories import default_case_roles
from .tenant_world import MARK_A, build_tenant_records, staff_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def grid(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    default_case_roles()
    records = build_tenant_records(MARK_A, with_portal=False)
    support = staff_user(records, StaffRole.SUPPORT, email="support@a.example.com")
    return support, records.objects["portal_models.caserole"], records.objects["wagtailcore.collection"]


def at_once(work, n=2):
    """Run ``work(i)`` in ``n`` threads released together; return their results (or exceptions)."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as error:  # collected and asserted by the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def entries(role):
    return list(ModelLogEntry.objects.filter(action=ACTION_GRANT, object_id=str(role.pk)).order_by("pk"))


def test_two_services_calls_on_one_cell_apply_once_and_the_other_is_stale(grid):
    support, role, _collection = grid
    for _round in range(4):
        role.refresh_from_db()
        shown = role.view_case
        before = len(entries(role))
        results = at_once(
            lambda i, shown=shown: case_role_cycle_grant(role=role, permission="view_case", shown=shown, by=support)
        )
        applied = [r for r in results if isinstance(r, tuple)]
        stale = [r for r in results if isinstance(r, StaleGrant)]
        assert len(applied) == 1 and len(stale) == 1, results
        role.refresh_from_db()
        assert applied[0] == (shown, next_grant(shown)) == (shown, role.view_case)
        assert stale[0].current == role.view_case
        new_entries = entries(role)[before:]
        assert [e.data for e in new_entries] == [{"permission": "view_case", "old": shown, "new": role.view_case}]


def test_without_a_shown_value_both_clicks_apply_in_turn_and_none_is_lost(grid):
    support, role, _collection = grid
    start = CaseRole.objects.get(pk=role.pk).view_case
    results = at_once(lambda i: case_role_cycle_grant(role=role, permission="view_case", shown=None, by=support))
    assert all(isinstance(r, tuple) for r in results), results
    role.refresh_from_db()
    assert role.view_case == next_grant(next_grant(start))  # two steps, not one step twice
    assert sorted((r[0], r[1]) for r in results) == sorted(
        [(start, next_grant(start)), (next_grant(start), next_grant(next_grant(start)))]
    )
    assert len(entries(role)) == 2


def test_two_browsers_clicking_one_right_get_200_and_409_with_the_fresh_value(grid):
    support, role, collection = grid
    target = f"collection:{collection.pk}"
    url = reverse("case_roles_grid_cycle", args=[role.pk])
    clients = []
    for _ in range(2):
        client = Client()
        client.force_login(support)
        clients.append(client)

    def click(i):
        response = clients[i].post(
            url,
            {"permission": "view_documents", "target": target, "shown": Grant.NONE},
            HTTP_ACCEPT="application/json",
        )
        return response.status_code, response.json()

    results = at_once(click)
    assert sorted(status for status, _body in results) == [200, 409], results
    grant = CaseRoleRight.objects.get(role=role, permission="view_documents", target=target).grant
    assert grant == next_grant(Grant.NONE)
    for status, body in results:
        assert body["cell"]["value"] == grant  # both screens repaint the cell with what it now holds
        if status == 409:
            assert "changed meanwhile" in body["message"]
    assert [e.data for e in entries(role)] == [
        {"permission": "view_documents", "target": target, "old": Grant.NONE, "new": grant}
    ]
    assert CaseRoleRight.objects.filter(role=role, permission="view_documents", target=target).count() == 1
