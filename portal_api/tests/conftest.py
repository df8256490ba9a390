"""Two tenants with one record of every kind each (``tenant_world``), and API keys of tenant A."""

from __future__ import annotations

import pytest
from django.test import Client

from portal_models.models import ApiScope
from portal_models.services.api_keys import api_key_create, api_key_revoke
from portal_models.tests.factories import StaffUserFactory
from portal_models.tests.tenant_world import MARK_A, MARK_B, build_tenant_records

ALL_SCOPES = (ApiScope.READ, ApiScope.WRITE_BILLING, ApiScope.WRITE_SUPPORT)


class ApiClient:
    """Django's test client (the whole HTTP stack: middleware, URLs, DRF) with an API key's bearer header."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path, data=None, **headers):
        return self.client.get(path, data, headers={**self.headers, **headers})

    def post(self, path, data=None, *, key: str | None = None, multipart: bool = False, **headers):
        headers = {**self.headers, **headers}
        if key is not None:
            headers["Idempotency-Key"] = key
        if multipart:
            return self.client.post(path, data or {}, headers=headers)
        return self.client.post(path, data or {}, content_type="application/json", headers=headers)

    def patch(self, path, data=None, **headers):
        return self.client.patch(path, data or {}, content_type="application/json", headers={**self.headers, **headers})


@pytest.fixture
def world_a(db):
    return build_tenant_records(MARK_A, with_portal=False)


@pytest.fixture
def world_b(db):
    return build_tenant_records(MARK_B, with_portal=False)


@pytest.fixture
def key_owner(db):
    return StaffUserFactory(email="integrations@example.com")


def _key(tenant, scopes, owner, name="ERP sync"):
    key, token = api_key_create(tenant=tenant, name=name, scopes=scopes, by=owner)
    return key, token


@pytest.fixture
def api_a(world_a, key_owner):
    """A client with a key of tenant A with every scope."""
    key, token = _key(world_a.tenant, ALL_SCOPES, key_owner)
    api = ApiClient(token)
    api.key = key
    return api


@pytest.fixture
def api_b(world_b, key_owner):
    """A client with a key of tenant B with every scope."""
    key, token = _key(world_b.tenant, ALL_SCOPES, key_owner)
    api = ApiClient(token)
    api.key = key
    return api


@pytest.fixture
def api_read_only(world_a, key_owner):
    key, token = _key(world_a.tenant, [ApiScope.READ], key_owner, name="Reports")
    return ApiClient(token)


@pytest.fixture
def api_revoked(world_a, key_owner):
    key, token = _key(world_a.tenant, ALL_SCOPES, key_owner, name="Old ERP")
    api_key_revoke(key=key, by=key_owner)
    return ApiClient(token)


@pytest.fixture
def api_anonymous(db):
    return ApiClient(None)
