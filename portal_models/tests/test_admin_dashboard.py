"""The staff dashboard: one panel per tenant the staff member administers, figures in a constant number of
queries, another tenant's figures never shown."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal_models.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    RequirementKind,
    RequirementStatus,
    StaffRole,
    TicketStatus,
)
from portal_models.selectors.admin_dashboard import tenant_figures
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.tests.factories import (
    AccountFactory,
    RequirementFactory,
    ServiceFactory,
    TenantFactory,
    TicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def invoice(account, number, *, days_overdue, amount, status=InvoiceStatus.OPEN):
    today = timezone.localdate()
    due = today - timedelta(days=days_overdue)
    return Invoice.objects.create(
        account=account,
        number=number,
        status=status,
        invoice_date=due - timedelta(days=30),
        due_date=due,
        total=Decimal(amount),
        amount_due=Decimal(amount),
    )


def payment(account, amount, *, days_ago=0, status=Payment.Status.SUCCEEDED):
    return Payment.objects.create(
        account=account,
        tenant=account.tenant,
        method=Payment.Method.CHECK,
        amount=Decimal(amount),
        status=status,
        received_at=timezone.now() - timedelta(days=days_ago),
    )


def populate(tenant, *, scale: int = 1):
    """Records of one tenant: ``scale`` multiplies what counts, and there are always records that must not."""
    account = AccountFactory(tenant=tenant)
    for i in range(2 * scale):
        invoice(account, f"{tenant.slug}-od-{i}", days_overdue=5, amount="100.00")
    invoice(account, f"{tenant.slug}-due", days_overdue=-10, amount="999.00")  # not yet due
    invoice(account, f"{tenant.slug}-paid", days_overdue=40, amount="0.00", status=InvoiceStatus.PAID)
    invoice(account, f"{tenant.slug}-draft", days_overdue=40, amount="50.00", status=InvoiceStatus.DRAFT)
    for _ in range(scale):
        payment(account, "250.00")
    payment(account, "75.00", days_ago=3)  # not today
    payment(account, "80.00", status=Payment.Status.FAILED)
    for _ in range(scale):
        TicketFactory(account=account, status=TicketStatus.NEW)
        TicketFactory(account=account, status=TicketStatus.WAITING_ON_CUSTOMER)
    TicketFactory(account=account, status=TicketStatus.CLOSED)
    for _ in range(scale):
        service = ServiceFactory(account=account)
        RequirementFactory(service=service, kind=RequirementKind.EULA, status=RequirementStatus.MISSING)
        RequirementFactory(service=service, kind=RequirementKind.PURCHASE_ORDER, status=RequirementStatus.ACCEPTED)
    return account


def staff_of(tenant, role=StaffRole.BILLING):
    user = UserFactory(is_staff=True)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[role])
    return user


@pytest.fixture
def tenants():
    acme = TenantFactory(name="Acme Billing", slug="acme")
    borealis = TenantFactory(name="Borealis Power", slug="borealis")
    populate(acme)
    populate(borealis, scale=3)
    return acme, borealis


def test_figures_per_tenant(tenants):
    acme, borealis = tenants
    superuser = UserFactory(is_staff=True, is_superuser=True)
    figures = {row.tenant.slug: row for row in tenant_figures(user=superuser)}
    assert list(figures) == ["acme", "borealis"]
    a, b = figures["acme"], figures["borealis"]
    assert (a.overdue_count, a.overdue_amount) == (2, Decimal("200.00"))
    assert (a.payments_today_count, a.payments_today_amount) == (1, Decimal("250.00"))
    assert (a.open_tickets, a.missing_files) == (2, 1)
    assert (b.overdue_count, b.overdue_amount) == (6, Decimal("600.00"))
    assert (b.payments_today_count, b.payments_today_amount) == (3, Decimal("750.00"))
    assert (b.open_tickets, b.missing_files) == (6, 3)


def test_a_tenant_without_records_shows_zeros():
    quiet = TenantFactory(name="Quiet Co", slug="quiet")
    [row] = tenant_figures(user=staff_of(quiet))
    assert row.tenant == quiet
    assert (row.overdue_count, row.overdue_amount, row.payments_today_amount, row.open_tickets) == (
        0,
        Decimal("0.00"),
        Decimal("0.00"),
        0,
    )


def test_staff_see_only_their_tenants_panel(client, tenants):
    acme, borealis = tenants
    client.force_login(staff_of(acme, StaffRole.BILLING))
    body = client.get("/admin/").content.decode()
    assert 'data-tenant="acme"' in body
    assert "2 overdue invoices ($200.00)" in body
    assert "1 payment today ($250.00)" in body
    assert "1 missing service file" in body
    assert "Borealis Power" not in body and 'data-tenant="borealis"' not in body
    assert "$600.00" not in body and "$750.00" not in body


def test_each_role_sees_the_figures_it_may_open(client, tenants):
    acme, borealis = tenants
    client.force_login(staff_of(borealis, StaffRole.SUPPORT))
    body = client.get("/admin/").content.decode()
    assert 'data-tenant="borealis"' in body and "6 open tickets" in body
    assert "overdue invoice" not in body and "payments today" not in body and "missing service file" not in body
    assert "2 open tickets" not in body  # Acme's

    client.force_login(staff_of(acme, StaffRole.BILLING))
    assert "open ticket" not in client.get("/admin/").content.decode()

    client.force_login(staff_of(acme, StaffRole.MARKETING))
    assert 'data-testid="tenant-figures"' not in client.get("/admin/").content.decode()


def test_the_panels_link_to_the_filtered_listings(client, tenants):
    acme, borealis = tenants
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    body = client.get("/admin/").content.decode()
    overdue = f"/admin/portal_models/invoice/?overdue=yes&amp;tenant={acme.pk}"
    assert overdue in body
    listing = client.get(overdue.replace("&amp;", "&")).content.decode()
    assert "acme-od-0" in listing and "acme-od-1" in listing
    assert "acme-due" not in listing and "borealis-od-0" not in listing
    tickets = client.get(f"/admin/portal_models/ticket/?tenant={borealis.pk}&status__in=new,open,waiting_on_customer")
    assert tickets.status_code == 200 and tickets.context["view"].queryset.count() == 6
    files = client.get(
        f"/admin/portal_models/servicerequirement/?service__account__tenant={acme.pk}&status__in=missing,rejected"
    )
    assert files.status_code == 200 and files.context["view"].queryset.count() == 1
    assert f"/admin/portal_models/servicerequirement/?service__account__tenant={acme.pk}" in body


def test_the_figures_take_one_query_however_many_tenants_and_records(django_assert_num_queries):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    first = TenantFactory(name="Tenant One", slug="one")
    populate(first)
    with django_assert_num_queries(1):
        assert len(tenant_figures(user=superuser)) == 1
    for slug, scale in (("two", 2), ("three", 4)):
        populate(TenantFactory(name=f"Tenant {slug}", slug=slug), scale=scale)
    with django_assert_num_queries(1):
        assert len(tenant_figures(user=superuser)) == 3

    staff = staff_of(first)
    staff.groups.add(tenant_staff_groups_ensure(tenant=TenantFactory(slug="two"))[StaffRole.SUPPORT])
    with django_assert_num_queries(2):  # which tenants the staff member administers, then their figures
        assert len(tenant_figures(user=staff)) == 2


def test_the_dashboard_page_query_count_does_not_grow_with_tenants(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    populate(TenantFactory(name="Tenant One", slug="one"))
    with CaptureQueriesContext(connection) as one:
        assert client.get("/admin/").status_code == 200
    for slug in ("two", "three"):
        populate(TenantFactory(name=f"Tenant {slug}", slug=slug), scale=2)
    with CaptureQueriesContext(connection) as three:
        body = client.get("/admin/").content.decode()
    assert body.count('data-testid="tenant-figures"') == 3
    assert len(three) == len(one)
