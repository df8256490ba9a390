"""Staff make and revoke their tenants' API keys in the Wagtail admin: the secret is shown once and stored
hashed; another tenant's keys are neither listed nor revocable (404)."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from portal_models.models import ApiKey, ApiScope, SecurityEvent, SecurityEventType, StaffRole
from portal_models.services.api_keys import api_key_create
from portal_models.tests.tenant_world import staff_user

from .conftest import ApiClient

LIST = "/admin/api-keys/"


@pytest.fixture
def staff_a(world_a):
    user = staff_user(world_a, StaffRole.BILLING, email="billing.a@example.com", all_record_permissions=True)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.django_db
def test_staff_make_a_key_see_its_secret_once_and_revoke_it(world_a, world_b, staff_a, key_owner):
    other, _token = api_key_create(tenant=world_b.tenant, name="Bravo ERP", scopes=[ApiScope.READ], by=key_owner)
    page = staff_a.get(LIST)
    assert page.status_code == 200 and b"Bravo ERP" not in page.content
    assert list(page.context["form"].fields["tenant"].queryset) == [world_a.tenant]

    refused = staff_a.post(LIST, {"tenant": world_a.tenant.pk, "name": "", "scopes": []})
    assert refused.status_code == 200 and refused.context["form"].errors.keys() == {"name", "scopes"}
    foreign = staff_a.post(LIST, {"tenant": world_b.tenant.pk, "name": "Sneaky", "scopes": ["read"]})
    assert "tenant" in foreign.context["form"].errors
    assert not ApiKey.objects.filter(name__in=["", "Sneaky"]).exists()

    made = staff_a.post(LIST, {"tenant": world_a.tenant.pk, "name": "NetSuite", "scopes": ["read", "write_billing"]})
    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    secret = made.context["secret"]
    assert secret.startswith("ptk_") and secret.encode() in made.content
    key = ApiKey.objects.get(name="NetSuite")
    assert key.tenant == world_a.tenant and key.created_by == staff_a.user
    assert key.scopes == {"read", "write_billing"} and secret not in key.secret_hash
    assert key.secret_hash == hashlib.sha256(secret.split("_", 2)[2].encode()).hexdigest()
    assert secret.encode() not in staff_a.get(LIST).content  # shown once
    assert SecurityEvent.objects.filter(event=SecurityEventType.API_KEY_CREATED, actor=staff_a.user).exists()

    api = ApiClient(secret)
    assert api.get("/api/v1/accounts/").status_code == 200

    assert staff_a.post(LIST, {"revoke": other.pk}).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    assert staff_a.post(LIST, {"revoke": key.pk}).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == staff_a.user
    assert api.get("/api/v1/accounts/").status_code == 401


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_see_keys(world_a):
    user = staff_user(world_a, StaffRole.SUPPORT, email="support.a@example.com")
    client = Client()
    client.force_login(user)
    assert client.get(LIST).status_code in (302, 403)
