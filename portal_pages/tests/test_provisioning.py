"""A new portal in one step: the provisioning service and the admin's "New portal" form."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from portal_models.models import PortalCollection, StaffRole, Tenant, TenantStaffGroup
from portal_models.tests.factories import UserFactory
from portal_pages.admin.forms import NewPortalForm
from portal_pages.models import ContentPage, DocumentLibraryPage, PortalHomePage, PortalLoginPage
from portal_pages.provisioning import portal_provision
from portal_pages.tests.factories import make_portal, portal_root

pytestmark = pytest.mark.django_db


def png(name="logo.png", colour="#0b4f8a", size=(64, 64)) -> SimpleUploadedFile:
    buffer = BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def counts() -> tuple:
    return (
        Tenant.objects.count(),
        Page.objects.count(),
        Collection.objects.count(),
        Group.objects.count(),
        get_image_model().objects.count(),
        GroupPagePermission.objects.count(),
    )


@pytest.fixture
def root():
    return portal_root()


def provision(**overrides):
    values = {
        "name": "Globex Energy",
        "slug": "globex",
        "support_email": "help@globex.example.com",
        "primary_color": "#0B4F8A",
        "accent_color": "#16a34a",
        "card_fee_percent": Decimal("2.50"),
        "card_fee_threshold": Decimal("1000.00"),
        "card_only": False,
        "two_factor_policy": Tenant.TwoFactorPolicy.REQUIRED,
    }
    values.update(overrides)
    return portal_provision(**values)


# --- the service -----------------------------------------------------------------------------------
def test_provisioning_creates_the_tenant_and_its_live_pages(root):
    portal = provision(logo=png())
    tenant = Tenant.objects.get(slug="globex")
    assert (tenant.name, tenant.support_email, tenant.card_fee_percent, tenant.card_only) == (
        "Globex Energy",
        "help@globex.example.com",
        Decimal("2.50"),
        False,
    )
    assert tenant.two_factor_policy == "required"

    home = PortalHomePage.objects.get(tenant=tenant)
    assert home.get_parent().specific == root
    assert home.live and home.live_revision_id and home.url == "/globex/"
    assert (home.primary_color, home.accent_color) == ("#0b4f8a", "#16a34a")
    assert "Welcome to the Globex Energy customer portal" in str(home.welcome)
    children = {type(p.specific): p.specific for p in home.get_children()}
    assert set(children) == {PortalLoginPage, DocumentLibraryPage, ContentPage}
    assert all(page.live and page.live_revision_id for page in children.values())
    assert children[PortalLoginPage].url == "/globex/login/"
    assert children[PortalLoginPage].headline == "Sign in to Globex Energy"
    assert children[PortalLoginPage].help_links[0].value["page"].pk == children[ContentPage].pk
    help_text = str(children[ContentPage].body)
    assert "$1,000.00 carry a 2.5% convenience fee" in help_text
    assert "mailto:help@globex.example.com" in help_text
    assert portal.home == home and portal.library_page == children[DocumentLibraryPage]

    collection = PortalCollection.objects.get(tenant=tenant, product=None, account=None).collection
    assert collection == portal.collection and collection.name == "Globex Energy"
    assert home.logo is not None and home.logo.collection == collection and home.favicon == home.logo
    assert (home.logo.width, home.logo.height) == (64, 64)


def test_provisioning_creates_the_staff_groups_with_marketing_rights(root):
    portal = provision()
    links = TenantStaffGroup.objects.filter(tenant=portal.tenant)
    assert sorted(links.values_list("role", flat=True)) == sorted(StaffRole.values)
    marketing = links.get(role=StaffRole.MARKETING).group
    assert marketing.name == "Globex Energy · Marketing"
    page_perms = set(
        GroupPagePermission.objects.filter(group=marketing, page=portal.home).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_page", "change_page", "publish_page"} <= page_perms
    collection_perms = set(
        GroupCollectionPermission.objects.filter(group=marketing, collection=portal.collection).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_document", "choose_document", "add_image", "choose_image"} <= collection_perms
    billing = links.get(role=StaffRole.BILLING).group
    assert billing.permissions.filter(codename="change_invoice").exists()
    assert not GroupPagePermission.objects.filter(group=billing).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"slug": "Bad Slug!"}, "slug"),
        ({"slug": ""}, "slug"),
        ({"slug": "admin"}, "slug"),  # the site's own URLs
        ({"slug": "documents"}, "slug"),
        ({"primary_color": "blue"}, "primary_color"),
        ({"accent_color": "#12345"}, "accent_color"),
        ({"support_email": "not-an-email"}, "support_email"),
        ({"card_fee_percent": Decimal("25")}, "card_fee_percent"),
        ({"name": ""}, "name"),
        ({"logo": SimpleUploadedFile("logo.png", b"this is not an image", content_type="image/png")}, "logo"),
    ],
)
def test_bad_input_creates_nothing(root, overrides, field):
    before = counts()
    with pytest.raises(ValidationError) as error:
        provision(**overrides)
    assert field in error.value.message_dict
    assert counts() == before


def test_a_taken_slug_or_name_creates_nothing(root):
    make_portal(name="Acme Billing", slug="acme")
    before = counts()
    with pytest.raises(ValidationError) as error:
        provision(slug="acme")
    assert "slug" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        provision(name="ACME billing", slug="acme-2")
    assert error.value.message_dict["name"] == ["A portal with this name already exists."]
    assert counts() == before


def test_a_failure_late_in_provisioning_rolls_everything_back(root):
    """One transaction: pages, collection and tenant go away together if a later step fails."""
    Permission.objects.filter(codename="publish_page").delete()  # tenant_staff_groups_ensure fails last
    before = counts()
    with pytest.raises(Permission.DoesNotExist):
        provision()
    assert counts() == before


def test_new_portal_form_warns_about_hard_to_read_colours():
    form = NewPortalForm()
    form.cleaned_data = {"primary_color": "#ffeb3b", "accent_color": "#f5f5f5"}
    warnings = form.contrast_warnings()
    assert any("#ffeb3b" in w for w in warnings) and any("accent colour #f5f5f5" in w for w in warnings)


# --- the admin form ----------------------------------------------------------------------------------
URL = "/admin/portals/new/"


def form_data(**overrides):
    data = {
        "name": "Globex Energy",
        "slug": "globex",
        "support_email": "help@globex.example.com",
        "primary_color": "#0b4f8a",
        "accent_color": "#16a34a",
        "card_fee_percent": "3.00",
        "card_fee_threshold": "5000.00",
        "card_only": "on",
        "two_factor_policy": "optional",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, root):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_form_is_in_the_admin_menu_and_renders(admin_client):
    assert URL in admin_client.get("/admin/").content.decode()
    response = admin_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("Portal name", "Address", "Primary colour", "Logo", "card convenience fee", "Two factor policy"):
        assert label.lower() in body.lower()
    assert 'type="color"' in body and 'enctype="multipart/form-data"' in body


def test_posting_the_form_creates_the_portal_and_opens_its_editor(admin_client):
    response = admin_client.post(URL, form_data(logo=png()))
    home = PortalHomePage.objects.get(tenant__slug="globex")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{home.pk}/edit/"
    assert home.logo is not None and home.live
    assert home.tenant.card_only is True
    editor = admin_client.get(response["Location"])
    assert editor.status_code == 200
    assert "The Globex Energy portal is live at" in editor.content.decode()


def test_light_colours_are_created_with_a_warning(admin_client):
    response = admin_client.post(URL, form_data(primary_color="#ffeb3b"), follow=True)
    assert PortalHomePage.objects.filter(tenant__slug="globex").exists()
    assert "The primary colour #ffeb3b as link and text colour on white" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "bad slug!"}, "slug", "Use lower-case letters, digits and hyphens."),
        ({"slug": "x" * 61}, "slug", "at most 60 characters"),
        ({"slug": "admin"}, "slug", "is used by the site itself"),
        ({"primary_color": "blue"}, "primary_color", "Use a colour like #1d4ed8."),
        ({"logo": SimpleUploadedFile("logo.png", b"not an image")}, "logo", "Upload a valid image"),
        ({"support_email": ""}, "support_email", "This field is required."),
    ],
)
def test_invalid_input_shows_the_error_next_to_the_field_and_creates_nothing(admin_client, overrides, field, message):
    before = counts()
    response = admin_client.post(URL, form_data(**overrides))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert f'id="id_{field}"' in response.content.decode() or field == "logo"
    assert counts() == before


def test_a_taken_slug_is_refused_next_to_the_field(admin_client):
    make_portal(name="Acme Billing", slug="acme")
    before = counts()
    response = admin_client.post(URL, form_data(slug="acme"))
    assert response.status_code == 200
    assert response.context["form"].errors["slug"] == ["Tenant with this Slug already exists."]
    assert counts() == before


def test_staff_without_the_permission_cannot_create_portals(client, root):
    from portal_models.services.tenants import tenant_staff_groups_ensure

    tenant = make_portal(name="Acme Billing", slug="acme").tenant
    marketer = UserFactory(is_staff=True)
    marketer.groups.add(tenant_staff_groups_ensure(tenant=tenant)[StaffRole.MARKETING])
    client.force_login(marketer)
    assert client.get("/admin/").status_code == 200
    assert URL not in client.get("/admin/").content.decode()
    for response in (client.get(URL), client.post(URL, form_data())):  # Wagtail answers PermissionDenied so
        assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not Tenant.objects.filter(slug="globex").exists()


def test_staff_with_add_tenant_may_create_portals(client, root):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="add_tenant")
    )
    client.force_login(user)
    response = client.post(URL, form_data())
    home = PortalHomePage.objects.get(tenant__slug="globex")
    assert response["Location"] == f"/admin/pages/{home.pk}/edit/"
    # the creator joins the new tenant's marketing group, so that they can finish the portal in the editor
    assert user.groups.filter(tenant_role__tenant=home.tenant, tenant_role__role=StaffRole.MARKETING).exists()
    assert client.get(response["Location"]).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, root):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
