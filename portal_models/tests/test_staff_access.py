"""Staff belong to tenants through their tenants' staff groups; staff_scope shows them those tenants only."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from portal_models.models import Account, Contact, Invoice, StaffRole, Tenant, TenantStaffGroup, User
from portal_models.services.tenants import tenant_staff_groups_ensure
from portal_models.staff_access import staff_scope, staff_tenants, tenant_path
from portal_models.tests.factories import AccountFactory, ContactFactory, TenantFactory, UserFactory, seed_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tenants():
    acme, borealis = TenantFactory(name="Acme", slug="acme"), TenantFactory(name="Borealis", slug="borealis")
    seed_invoice(AccountFactory(tenant=acme), number="A-1")
    seed_invoice(AccountFactory(tenant=borealis), number="B-1")
    return acme, borealis


def staff_of(tenant, role=StaffRole.BILLING, **extra):
    user = UserFactory(is_staff=True, **extra)
    user.groups.add(tenant_staff_groups_ensure(tenant=tenant)[role])
    return user


def test_role_template_groups_are_shipped_with_their_permissions():
    billing = Group.objects.get(name="Billing staff")
    support = Group.objects.get(name="Support staff")
    marketing = Group.objects.get(name="Marketing")
    assert billing.permissions.filter(codename="change_invoice").exists()
    assert not support.permissions.filter(codename="change_invoice").exists()
    assert support.permissions.filter(codename="view_contact").exists()
    assert not support.permissions.filter(codename="change_contact").exists()
    # marketing's only records are the portal's words: announcements and email wording (no customer's record)
    marketing_models = set(
        marketing.permissions.filter(content_type__app_label="portal_models").values_list(
            "content_type__model", flat=True
        )
    )
    assert marketing_models == {"announcement", "emailwording"}
    assert billing.permissions.filter(codename="add_apikey").exists()  # the ERP's API keys are billing's
    assert not support.permissions.filter(codename="add_apikey").exists()
    assert marketing.permissions.filter(codename="access_admin").exists()


def test_tenant_groups_copy_the_templates_and_are_created_once(two_tenants):
    acme, _ = two_tenants
    first = tenant_staff_groups_ensure(tenant=acme)
    again = tenant_staff_groups_ensure(tenant=acme)
    assert first == again
    assert TenantStaffGroup.objects.filter(tenant=acme).count() == 3
    assert first[StaffRole.BILLING].name == "Acme · Billing staff"
    template = Group.objects.get(name="Billing staff")
    assert set(first[StaffRole.BILLING].permissions.all()) == set(template.permissions.all())


def test_marketing_group_gets_the_portal_subtree_and_collection(two_tenants):
    acme, _ = two_tenants
    root = Page.get_first_root_node()
    collection = Collection.get_first_root_node().add_child(name="Acme")
    groups = tenant_staff_groups_ensure(tenant=acme, home_page=root, collection=collection)
    marketing = groups[StaffRole.MARKETING]
    assert GroupPagePermission.objects.filter(group=marketing, page=root, permission__codename="publish_page").exists()
    assert GroupCollectionPermission.objects.filter(
        group=marketing, collection=collection, permission__codename="add_document"
    ).exists()
    assert not GroupPagePermission.objects.filter(group=groups[StaffRole.BILLING]).exists()


def test_staff_see_only_their_tenants_records(two_tenants):
    acme, borealis = two_tenants
    user = staff_of(acme)
    assert list(staff_scope(user=user, queryset=Invoice.objects.all()).values_list("number", flat=True)) == ["A-1"]
    assert list(staff_scope(user=user, queryset=Tenant.objects.all())) == [acme]
    assert list(staff_tenants(user)) == [acme]
    assert set(staff_scope(user=user, queryset=Account.objects.all())) == set(Account.objects.filter(tenant=acme))


def test_staff_of_two_tenants_see_both_and_superusers_see_all(two_tenants):
    acme, borealis = two_tenants
    both = staff_of(acme)
    both.groups.add(tenant_staff_groups_ensure(tenant=borealis)[StaffRole.SUPPORT])
    assert staff_scope(user=both, queryset=Invoice.objects.all()).count() == 2
    superuser = UserFactory(is_staff=True, is_superuser=True)
    assert staff_scope(user=superuser, queryset=Invoice.objects.all()).count() == 2


def test_staff_without_a_tenant_group_see_nothing(two_tenants):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Billing staff"))
    assert not staff_scope(user=user, queryset=Invoice.objects.all()).exists()
    assert not staff_scope(user=user, queryset=Tenant.objects.all()).exists()


def test_users_are_scoped_through_their_contacts_without_duplicates(two_tenants):
    acme, borealis = two_tenants
    customer = UserFactory()
    ContactFactory(account=AccountFactory(tenant=acme), user=customer)
    ContactFactory(account=AccountFactory(tenant=acme), user=customer)
    ContactFactory(account=AccountFactory(tenant=borealis), user=UserFactory())
    staff = staff_of(acme)
    assert list(staff_scope(user=staff, queryset=User.objects.filter(contacts__isnull=False))) == [customer]


def test_tenant_paths_are_inferred_and_unknown_models_fail_loudly():
    assert tenant_path(Invoice) == "tenant"
    assert tenant_path(Contact) == "account__tenant"
    with pytest.raises(ImproperlyConfigured):
        tenant_path(Group)


def test_tenants_with_the_same_name_get_their_own_groups_and_collections():
    from portal_models.services.documents import tenant_collection

    first, second = TenantFactory(name="Acme", slug="acme"), TenantFactory(name="Acme", slug="acme-eu")
    first_groups, second_groups = tenant_staff_groups_ensure(tenant=first), tenant_staff_groups_ensure(tenant=second)
    assert first_groups[StaffRole.BILLING] != second_groups[StaffRole.BILLING]
    assert second_groups[StaffRole.BILLING].name == "Acme (acme-eu) · Billing staff"
    assert tenant_collection(tenant=first) != tenant_collection(tenant=second)


def test_shared_rows_are_seen_but_not_changed_by_staff(two_tenants):
    from portal_models.models import CaseRole
    from portal_models.staff_access import staff_may_change

    acme, borealis = two_tenants
    shared = CaseRole.objects.create(name="Everyone's role", tenant=None)
    mine = CaseRole.objects.create(name="Acme role", tenant=acme)
    theirs = CaseRole.objects.create(name="Borealis role", tenant=borealis)
    user = staff_of(acme)
    assert set(staff_scope(user=user, queryset=CaseRole.objects.filter(pk__in=[shared.pk, mine.pk, theirs.pk]))) == {
        mine
    }
    listed = staff_scope(user=user, queryset=CaseRole.objects.all(), include_shared=True)
    assert shared in listed and mine in listed and theirs not in listed
    assert staff_may_change(user=user, instance=mine)
    assert not staff_may_change(user=user, instance=shared) and not staff_may_change(user=user, instance=theirs)
    assert staff_may_change(user=UserFactory(is_superuser=True), instance=shared)


def test_colleagues_are_staff_of_the_same_tenants_and_superusers(two_tenants):
    from portal_models.staff_access import staff_colleagues

    acme, borealis = two_tenants
    me, colleague, stranger = staff_of(acme), staff_of(acme, StaffRole.SUPPORT), staff_of(borealis)
    boss = UserFactory(is_staff=True, is_superuser=True)
    assert set(staff_colleagues(me)) == {me, colleague, boss}
    assert stranger in staff_colleagues(boss)


@pytest.mark.parametrize(
    ("role", "name"),
    [(StaffRole.BILLING, "Billing staff"), (StaffRole.SUPPORT, "Support staff"), (StaffRole.MARKETING, "Marketing")],
)
def test_a_deleted_role_template_is_recreated_with_its_shipped_permissions(two_tenants, role, name):
    acme, _ = two_tenants
    shipped = set(Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename"))
    Group.objects.filter(name=name).delete()
    groups = tenant_staff_groups_ensure(tenant=acme)
    assert set(groups[role].permissions.values_list("content_type__app_label", "codename")) == shipped
    assert Group.objects.filter(name=name).exists()
