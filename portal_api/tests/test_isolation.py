"""Every endpoint of /api/v1/, found by walking its URL patterns, against: another tenant's key, no key, a revoked
key and a key without the scope. Another tenant's record answers 404 (never 403 with details) and never shows in a
list; a write that names another tenant's record is refused and writes nothing."""

from __future__ import annotations

import pytest
from django.urls import URLPattern

from portal_api.urls import router
from portal_models.models import Account, ApiScope, SecurityEvent, SecurityEventType
from portal_models.services.api_keys import api_key_create
from portal_models.staff_access import tenant_path

from .conftest import ApiClient

PREFIX = "/api/v1/"


def _routes():
    """(path template, HTTP method, viewset class, needs a pk) of every endpoint the router serves."""
    routes = []
    for pattern in router.urls:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if "format" in route:  # the ``.json`` suffix variants: the same views
            continue
        callback = pattern.callback
        for method in callback.actions:
            if method not in callback.cls.http_method_names:  # routed, but refused with 405 (no PUT)
                continue
            routes.append((route.lstrip("^").rstrip("$"), method.upper(), callback.cls, "<pk>" in route))
    return routes


ROUTES = _routes()


def _model_label(viewset) -> str:
    return viewset().base_queryset().model._meta.label_lower


def _path(route: str, pk=None) -> str:
    route = route.replace("(?P<pk>[^/.]+)", str(pk))
    return PREFIX + route


def _call(api: ApiClient, method: str, path: str, body: dict | None = None):
    if method == "GET":
        return api.get(path)
    if method == "PATCH":
        return api.patch(path, body or {})
    return api.post(path, body or {}, key=f"iso-{method}-{path}")


def test_the_walk_covers_every_endpoint():
    viewsets = {viewset.__name__ for _r, _m, viewset, _pk in ROUTES}
    assert len(viewsets) == 10
    methods = {(viewset.__name__, method, pk) for _r, method, viewset, pk in ROUTES}
    assert ("InvoiceViewSet", "POST", True) in methods  # issue, void
    assert ("TicketViewSet", "POST", True) in methods  # reply
    assert len(ROUTES) >= 30


def _counts(world) -> dict[str, int]:
    """How many records of every API-exposed kind ``world``'s tenant has."""
    counts = {}
    for _route, _method, viewset, _pk in ROUTES:
        model = viewset().base_queryset().model
        rows = model._default_manager.filter(**{f"{tenant_path(model)}": world.tenant})
        counts[model._meta.label_lower] = rows.count()
    return counts


def _foreign_body(world) -> dict:
    """A write body naming tenant ``world``'s records wherever a write takes a record."""
    objects = world.objects
    return {
        "account": objects["portal_models.account"].pk,
        "invoice": objects["portal_models.invoice"].pk,
        "invoices": [objects["portal_models.invoice"].pk],
        "order": objects["portal_models.order"].pk,
        "number": "X-1",
        "amount": "1.00",
        "method": "check",
        "reason": "test",
        "due_date": "2030-01-01",
        "lines": [{"description": "x", "unit_price": "1.00", "order_line": 1, "quantity": "1"}],
        "first_name": "Eve",
        "last_name": "Intruder",
        "name": "Intruder",
        "body": "Intruder",
    }


@pytest.mark.django_db
def test_another_tenants_key_sees_and_changes_nothing_of_this_tenant(world_a, world_b, api_b):
    counts_before = _counts(world_a)
    for route, method, viewset, needs_pk in ROUTES:
        label = _model_label(viewset)
        mine = world_a.object_for(label)
        if needs_pk:
            response = _call(api_b, method, _path(route, mine.pk), _foreign_body(world_a))
            assert response.status_code == 404, (route, method, response.content[:300])
            assert str(world_a.mark).encode() not in response.content
        elif method == "GET":
            response = api_b.get(_path(route))
            assert response.status_code == 200, (route, response.content[:300])
            ids = {row["id"] for row in response.json()["results"]}
            assert mine.pk not in ids, route
            assert ids == {world_b.object_for(label).pk}, route
        elif label == "portal_models.account":  # names no record: a new account, of the key's own tenant
            response = _call(api_b, method, _path(route), _foreign_body(world_a))
            assert response.status_code == 201, response.content[:300]
            assert Account.objects.get(pk=response.json()["id"]).tenant == world_b.tenant
        else:  # a create naming tenant A's records
            response = _call(api_b, method, _path(route), _foreign_body(world_a))
            assert response.status_code == 400, (route, response.content[:300])
            assert world_a.mark.encode() not in response.content
    assert _counts(world_a) == counts_before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["api_anonymous", "api_revoked"])
def test_without_a_live_key_every_endpoint_answers_401(request, world_a, who):
    api = request.getfixturevalue(who)
    for route, method, viewset, needs_pk in ROUTES:
        pk = world_a.object_for(_model_label(viewset)).pk if needs_pk else None
        response = _call(api, method, _path(route, pk))
        assert response.status_code == 401, (who, route, method, response.status_code)
        assert world_a.mark.encode() not in response.content
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_a_wrong_secret_or_header_is_refused(world_a, api_a):
    token = api_a.headers["Authorization"].split()[1]
    for header in (f"Bearer {token[:-2]}xx", f"Token {token}", "Bearer ", f"Bearer ptk_nothing_{token[-10:]}"):
        response = api_a.client.get(PREFIX + "accounts/", headers={"Authorization": header})
        assert response.status_code == 401, header


@pytest.mark.django_db
def test_a_key_without_the_scope_is_refused_403_and_writes_nothing(world_a, key_owner):
    _key, read_only = api_key_create(tenant=world_a.tenant, name="Reports", scopes=[ApiScope.READ], by=key_owner)
    _key, support_only = api_key_create(
        tenant=world_a.tenant, name="Help desk", scopes=[ApiScope.WRITE_SUPPORT], by=key_owner
    )
    _key, billing_only = api_key_create(
        tenant=world_a.tenant, name="ERP", scopes=[ApiScope.WRITE_BILLING], by=key_owner
    )
    clients = {"read": ApiClient(read_only), "support": ApiClient(support_only), "billing": ApiClient(billing_only)}
    writes = 0
    for route, method, viewset, needs_pk in ROUTES:
        pk = world_a.object_for(_model_label(viewset)).pk if needs_pk else None
        path = _path(route, pk)
        if method == "GET":
            for name in ("support", "billing"):  # writers without "read" may not read
                assert _call(clients[name], method, path).status_code == 403, (name, route)
            continue
        writes += 1
        scope = viewset.write_scope
        assert scope in (ApiScope.WRITE_BILLING, ApiScope.WRITE_SUPPORT), viewset
        others = ["read", "support" if scope == ApiScope.WRITE_BILLING else "billing"]
        for name in others:
            response = _call(clients[name], method, path, _foreign_body(world_a))
            assert response.status_code == 403, (name, route, method, response.content[:200])
    assert writes >= 12
    assert not SecurityEvent.objects.filter(event=SecurityEventType.API_WRITE).exists()
