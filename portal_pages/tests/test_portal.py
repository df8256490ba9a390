import pytest
from wagtail.models import Page, Site
from wagtail.test.utils import WagtailPageTestCase

from portal_models.tests.factories import PASSWORD, AccountFactory, LoginContactFactory
from portal_pages.models import ContentPage, PortalHomePage, PortalLoginPage, PortalRootPage

from .factories import make_portal


def sign_in(client, home, email, password=PASSWORD, **extra):
    login = PortalLoginPage.objects.child_of(home).get()
    return client.post(
        login.url,
        {
            f"portal_login_{home.tenant_id}-current_step": "auth",
            "auth-username": email,
            "auth-password": password,
        },
        **extra,
    )


INVALID = "Please enter a correct email and password"


@pytest.mark.django_db
class TestTenantResolution:
    def test_path_based_portal_redirects_anonymous_to_its_login(self, client, portal_a):
        response = client.get("/acme/")
        assert response.status_code == 302
        assert response["Location"] == "/acme/login/"
        page = client.get("/acme/login/")
        assert page.status_code == 200
        assert b"Sign in to Acme Billing" in page.content

    def test_own_hostname_serves_the_portal_at_its_root(self, client, portal_a):
        Site.objects.create(hostname="portal.acme.test", port=80, root_page=portal_a)
        response = client.get("/login/", HTTP_HOST="portal.acme.test")
        assert response.status_code == 200
        assert b"Sign in to Acme Billing" in response.content
        assert client.get("/", HTTP_HOST="portal.acme.test")["Location"] == "/login/"

    def test_unknown_slug_is_404(self, client, portal_a):
        assert client.get("/nope/").status_code == 404
        assert client.get("/nope/login/").status_code == 404

    def test_unpublished_portal_is_404(self, client, portal_a):
        portal_a.unpublish()
        assert client.get("/acme/").status_code == 404
        assert client.get("/acme/dashboard/").status_code == 404


@pytest.mark.django_db
class TestSignIn:
    def test_contact_with_login_rights_reaches_dashboard(self, client, portal_a, customer_a):
        response = sign_in(client, portal_a, customer_a.user.email)
        assert response.status_code == 302
        assert response["Location"] == "/acme/dashboard/"
        dashboard = client.get("/acme/dashboard/")
        assert dashboard.status_code == 200
        assert customer_a.account.name.encode() in dashboard.content
        assert b"Welcome to Acme Billing." in dashboard.content

    def test_wrong_password_gets_generic_error(self, client, portal_a, customer_a):
        response = sign_in(client, portal_a, customer_a.user.email, "wrong-password")
        assert response.status_code == 200
        assert INVALID.encode() in response.content
        assert "_auth_user_id" not in client.session

    def test_contact_without_login_rights_gets_the_same_error(self, client, portal_a, customer_a):
        customer_a.can_login = False
        customer_a.save()
        response = sign_in(client, portal_a, customer_a.user.email)
        assert INVALID.encode() in response.content
        assert "_auth_user_id" not in client.session

    def test_contact_of_another_tenant_gets_the_same_error(self, client, portal_a, portal_b, customer_a):
        response = sign_in(client, portal_b, customer_a.user.email)
        assert INVALID.encode() in response.content
        assert "_auth_user_id" not in client.session

    def test_signed_in_elsewhere_does_not_open_another_tenant(self, signed_in_client, portal_b):
        response = signed_in_client.get("/borealis/dashboard/")
        assert response.status_code == 302
        assert response["Location"].startswith("/borealis/login/")

    def test_next_is_honoured_only_for_our_host(self, client, portal_a, customer_a):
        login = "/acme/login/?next=https://evil.example.com/"
        response = client.post(
            login,
            {
                f"portal_login_{portal_a.tenant_id}-current_step": "auth",
                "auth-username": customer_a.user.email,
                "auth-password": PASSWORD,
            },
        )
        assert response["Location"] == "/acme/dashboard/"

    def test_sign_out_requires_post_and_ends_session(self, signed_in_client, portal_a):
        assert signed_in_client.get("/acme/logout/").status_code == 405
        response = signed_in_client.post("/acme/logout/")
        assert response["Location"] == "/acme/login/"
        assert signed_in_client.get("/acme/dashboard/").status_code == 302


@pytest.mark.django_db
class TestShell:
    def test_theme_choice_is_saved_on_the_user(self, signed_in_client, customer_a):
        signed_in_client.post("/acme/account/theme/", {"theme": "dark"})
        customer_a.user.refresh_from_db()
        assert customer_a.user.theme == "dark"
        assert b'data-theme="dark"' in signed_in_client.get("/acme/dashboard/").content
        signed_in_client.post("/acme/account/theme/", {"theme": "neon"})
        customer_a.user.refresh_from_db()
        assert customer_a.user.theme == "dark"

    def test_switch_between_companies_of_one_login(self, signed_in_client, customer_a):
        other = LoginContactFactory(
            account=AccountFactory(tenant=customer_a.account.tenant, name="Second Co"), user=customer_a.user
        )
        page = signed_in_client.get("/acme/dashboard/")
        assert b"Second Co" in page.content  # in the switcher
        signed_in_client.post("/acme/account/switch/", {"account": other.account_id})
        assert b'<p class="eyebrow">Second Co</p>' in signed_in_client.get("/acme/dashboard/").content

    def test_cannot_switch_to_an_account_of_another_tenant(self, signed_in_client, portal_b):
        foreign = LoginContactFactory(account=AccountFactory(tenant=portal_b.tenant))
        response = signed_in_client.post("/acme/account/switch/", {"account": foreign.account_id})
        assert response.status_code == 404

    def test_branding_reaches_the_page(self, client, portal_a, portal_b):
        a = client.get("/acme/login/").content.decode()
        b = client.get("/borealis/login/").content.decode()
        assert "--brand-primary:#0b4f8a" in a and "--brand-primary:#7c2d12" in b
        assert "#7c2d12" not in a and "#0b4f8a" not in b

    def test_staff_admin_login_goes_through_two_factor(self, client, db):
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")
        assert client.get("/account/login/").status_code == 200


class TestPageTree(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_portal(name="Tree Co", slug="tree")
        cls.root = PortalRootPage.objects.get()

    def setUp(self):
        from portal_models.models import User

        self.client.force_login(User.objects.create_superuser(email="editor@example.com", password="x"))

    def test_allowed_parents(self):
        self.assertAllowedParentPageTypes(PortalHomePage, {PortalRootPage, Page})
        self.assertAllowedParentPageTypes(PortalLoginPage, {PortalHomePage})
        self.assertAllowedParentPageTypes(ContentPage, {PortalHomePage, ContentPage})
        self.assertAllowedSubpageTypes(PortalRootPage, {PortalHomePage})

    def test_can_create_content_page_under_portal(self):
        from wagtail.test.utils.form_data import nested_form_data, streamfield

        self.assertCanCreate(
            self.home,
            ContentPage,
            nested_form_data({"title": "FAQ", "slug": "faq", "summary": "", "body": streamfield([])}),
        )

    def test_cannot_create_at_wrong_places(self):
        self.assertCanNotCreateAt(PortalRootPage, PortalLoginPage)
        self.assertCanNotCreateAt(PortalRootPage, ContentPage)
        self.assertCanNotCreateAt(ContentPage, PortalLoginPage)
        self.assertCanNotCreateAt(PortalLoginPage, ContentPage)
        # one sign-in page per portal
        self.assertCanNotCreateAt(PortalHomePage, PortalHomePage)
        self.assertFalse(PortalLoginPage.can_create_at(self.home))
