"""The reconciliation report in the admin (Billing › Reconcile payments): the gateway's charges of a period
against the recorded payments, for the staff member's tenants only; against a real localstripe."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portal_models.models import StaffRole
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import AccountFactory, LoginContactFactory, TenantFactory, UserFactory

from .test_payments import make_invoice, start_payment

pytestmark = pytest.mark.django_db

URL = reverse("portal_payment_reconcile")


def staff_of(tenant, role, email):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[role])
    return user


@pytest.fixture
def two_lost_charges(client, localstripe, customer_a):
    """A charge of tenant A and one of tenant B that succeeded in localstripe; no webhook reached us."""
    other = LoginContactFactory(account=AccountFactory(tenant=TenantFactory(slug="zeta"), name="Zeta Lost Corp"))
    mine = start_payment(localstripe, make_invoice(customer_a.account, "R1", amount=Decimal("41.00")), nonce="a")
    theirs = start_payment(localstripe, make_invoice(other.account, "R2", amount=Decimal("42.00")), nonce="b")
    return customer_a.account, mine.intent.id, other.account, theirs.intent.id


def period():
    today = timezone.localdate()
    return {"since": (today - timedelta(days=1)).isoformat(), "until": today.isoformat()}


def test_billing_staff_see_their_tenants_lost_charge_and_not_another_tenants(client, two_lost_charges):
    account, mine, other_account, theirs = two_lost_charges
    client.force_login(staff_of(account.tenant, StaffRole.BILLING, "billing.a@example.com"))
    response = client.get(URL, period())
    assert response.status_code == 200
    html = response.content.decode()
    assert mine in html and "Charged but not recorded" in html and account.name in html and "$41.00" in html
    assert theirs not in html and other_account.name not in html


def test_superusers_see_every_tenant(client, admin_user, two_lost_charges):
    _account, mine, other_account, theirs = two_lost_charges
    client.force_login(admin_user)
    html = client.get(URL, period()).content.decode()
    assert mine in html and theirs in html and other_account.name in html


def test_the_billing_menu_offers_the_report(client, customer_a):
    client.force_login(staff_of(customer_a.account.tenant, StaffRole.BILLING, "billing.m@example.com"))
    assert URL in client.get(reverse("wagtailadmin_home")).content.decode()


def test_marketing_may_not_open_it(client, customer_a):
    client.force_login(staff_of(customer_a.account.tenant, StaffRole.MARKETING, "marketing.a@example.com"))
    response = client.get(URL, period())  # Wagtail turns PermissionDenied into a redirect to the dashboard
    assert (response.status_code, response.get("Location")) == (302, reverse("wagtailadmin_home"))


@pytest.mark.parametrize(
    "query, message",
    [
        ({"since": "yesterday"}, "Enter a valid date."),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "The period must start on or before its last day."),
        ({"since": "2025-01-01", "until": "2026-01-01"}, "Reconcile at most three months at a time."),
    ],
)
def test_a_bad_period_is_explained_next_to_the_field(client, customer_a, query, message):
    client.force_login(staff_of(customer_a.account.tenant, StaffRole.BILLING, "billing.b@example.com"))
    response = client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unreachable_payment_service_is_said_not_a_500(client, customer_a, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    client.force_login(staff_of(customer_a.account.tenant, StaffRole.BILLING, "billing.c@example.com"))
    response = client.get(URL, period())
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
