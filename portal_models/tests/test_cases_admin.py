"""Staff admin: role assignment screen (several users in one step), case roles grid editor, case creation."""

import pytest
from django.urls import reverse

from portal_models.models import Case, CaseAssignment, CaseRole
from portal_models.services.cases import case_assign, case_create

from .factories import (
    AccountFactory,
    ContactFactory,
    LoginContactFactory,
    TenantFactory,
    UserFactory,
    default_case_roles,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _case_roles(request):
    """Seeded roles, also after a transactional (browser) test flushed the data migration's rows."""
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        default_case_roles()


@pytest.fixture
def staff_client(client):
    admin = UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


@pytest.fixture
def case():
    account = AccountFactory(tenant=TenantFactory(slug="acme"), name="Test Inc.")
    return case_create(account=account, number="C-7", title="Lease dispute")


def test_assigns_several_users_in_one_step_and_lists_them(staff_client, case):
    john = LoginContactFactory(account=case.account, first_name="John").user
    jane = LoginContactFactory(account=case.account, first_name="Jane").user
    role = CaseRole.objects.get(name="Client", tenant=None)
    url = reverse("case_role_assignment")
    page = staff_client.get(url, {"case": case.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert john.email in html and jane.email in html and staff_client.admin.email in html
    response = staff_client.post(url, {"case": case.pk, "users": [john.pk, jane.pk], "role": role.pk})
    assert response.status_code == 302
    assert set(CaseAssignment.objects.filter(case=case, role=role).values_list("user", flat=True)) == {
        john.pk,
        jane.pk,
    }
    listing = staff_client.get(response["Location"]).content.decode()
    assert listing.count("Remove</button>") == 2
    # assigning again is idempotent
    staff_client.post(url, {"case": case.pk, "users": [john.pk], "role": role.pk})
    assert CaseAssignment.objects.filter(case=case).count() == 2


def test_outsiders_cannot_be_assigned_and_nothing_changes(staff_client, case):
    insider = LoginContactFactory(account=case.account).user
    outsider = LoginContactFactory(account=AccountFactory(tenant=case.tenant)).user
    role = CaseRole.objects.get(name="Client", tenant=None)
    response = staff_client.post(
        reverse("case_role_assignment"), {"case": case.pk, "users": [insider.pk, outsider.pk], "role": role.pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not CaseAssignment.objects.exists()


def test_no_user_selected_gets_message(staff_client, case):
    role = CaseRole.objects.get(name="Client", tenant=None)
    response = staff_client.post(reverse("case_role_assignment"), {"case": case.pk, "role": role.pk})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_role_of_another_tenant_is_refused(staff_client, case):
    user = LoginContactFactory(account=case.account).user
    foreign = CaseRole.objects.create(name="Other tenant role", tenant=TenantFactory(slug="other"), view_case="allow")
    response = staff_client.post(
        reverse("case_role_assignment"), {"case": case.pk, "users": [user.pk], "role": foreign.pk}
    )
    assert response.status_code == 400
    assert not CaseAssignment.objects.exists()


def test_remove_assignment(staff_client, case):
    user = LoginContactFactory(account=case.account).user
    [assignment] = case_assign(case=case, users=[user], role=CaseRole.objects.get(name="Staff", tenant=None))
    url = reverse("case_role_unassign", args=[case.pk, assignment.pk])
    assert staff_client.get(url).status_code == 405
    assert staff_client.post(url).status_code == 302
    assert not CaseAssignment.objects.exists()


def test_customer_cannot_open_assignment_screen(client, case):
    customer = ContactFactory(account=case.account, user=UserFactory()).user
    client.force_login(customer)
    response = client.get(reverse("case_role_assignment"))
    assert response.status_code in (302, 403)


def test_case_roles_listing_and_grid_editor(staff_client):
    listing = staff_client.get(reverse("wagtailsnippets_portal_models_caserole:list"))
    assert listing.status_code == 200
    assert "grant-dot grant--deny" in listing.content.decode()  # Client role denies managing assignments
    client_role = CaseRole.objects.get(name="Client", tenant=None)
    edit = staff_client.get(reverse("wagtailsnippets_portal_models_caserole:edit", args=[client_role.pk]))
    html = edit.content.decode()
    assert html.count('<div class="grant-cell" data-grant-cell>') == 6, html.count("data-grant-cell")
    assert "theme/admin/grant-grid.js" in html


def test_case_created_in_admin_gets_its_collection(staff_client):
    account = AccountFactory()
    response = staff_client.post(
        reverse("portal_models_case_modeladmin_create"),
        {"account": account.pk, "number": "N-1", "status": "active", "title": "New", "opened_on": "2026-01-02"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(number="N-1")
    assert case.tenant == account.tenant
    assert case.collection.get_parent().name == "Cases"
    duplicate = staff_client.post(
        reverse("portal_models_case_modeladmin_create"),
        {"account": account.pk, "number": "N-1", "status": "active", "title": "Again", "opened_on": "2026-01-02"},
    )
    assert duplicate.status_code == 200
    assert "A case with this number already exists." in duplicate.content.decode()
    listing = staff_client.get(reverse("portal_models_case_modeladmin_index"))
    assert "case-dot--active" in listing.content.decode()
