"""Tenant isolation, generated from the URL configuration.

Every route of PortalHomePage (found through RoutablePageMixin, see world.portal_routes) is called
- anonymously and by a user of another tenant: it sends to this portal's sign-in page;
- by a signed-in customer with the ids of another account of the same tenant and of another tenant: 404;
with GET and POST, and nothing in the database changes. The owner of those objects reaches the same URL
(so a 404 is the access check at work, not a broken URL).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse

from portal_models.tests.factories import PDF_BYTES
from portal_pages.models import DocumentLibraryPage

from .conftest import assert_unchanged, db_state
from .world import CHILD_PAGE_ACCESS, CUSTOMER_ROUTES, PUBLIC_ROUTES, ROUTES, child_page_types

pytestmark = pytest.mark.django_db


def hostile_post_data():
    """What a form on any route might accept: if a check were missing, these would change something."""
    return {
        "body": "hostile note",
        "subject": "hostile",
        "description": "hostile",
        "category": "question",
        "severity": "2",
        "reason": "hostile",
        "title": "hostile",
        "first_name": "Mallory",
        "last_name": "Hostile",
        "email": "mallory@example.com",
        "action": "remove",
        "file": SimpleUploadedFile("x.pdf", PDF_BYTES, content_type="application/pdf"),
    }


def assert_sends_to_sign_in(response, home, what):
    login = home.login_page.url
    assert response.status_code == 302, f"{what}: answered {response.status_code}, expected a sign-in redirect"
    assert response["Location"].startswith(login + "?next="), f"{what}: went to {response['Location']}"


# --- every route is either behind the access check or declared public -------------------------------


def test_the_enumeration_finds_the_routes():
    names = {r.name for r in ROUTES}
    assert len(ROUTES) >= 45
    assert {"dashboard", "invoice", "ticket_attachment", "case_document", "upload_download", "pay_result"} <= names


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_every_route_goes_through_the_access_check(route):
    if route.name in PUBLIC_ROUTES:
        assert not route.is_customer_route, f"{route.name} is declared public but is a customer_route"
    else:
        assert route.is_customer_route, (
            f"route {route.name} is not declared with @customer_route (portal_pages/routes/base.py): "
            "it skips the access check. Use customer_route, or list it in PUBLIC_ROUTES with the reason."
        )
        assert getattr(route.callback, "customer_route", None) == route.name


def test_public_routes_all_exist():
    assert set(PUBLIC_ROUTES) <= {r.name for r in ROUTES}, "PUBLIC_ROUTES names a route that no longer exists"


# --- the matrix ------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", CUSTOMER_ROUTES, ids=lambda r: r.name)
def test_route_isolation(route, make_world):
    world = make_world(stripe="intent" in route.params)
    home = world.home_a
    # URLs naming another account's objects (same tenant) and another tenant's objects, on tenant A's portal
    targets = {"another account": route.url(world.neighbour, home), "another tenant": route.url(world.foreigner, home)}
    own_url = route.url(world.attacker, home)
    anonymous = world.client_for()
    stranger = world.client_for(world.foreigner)  # signed in, but only at tenant B
    attacker = world.client_for(world.attacker)
    before = db_state()

    for method in ("get", "post"):
        for who, client in (("anonymous", anonymous), ("a user of another tenant", stranger)):
            data = hostile_post_data() if method == "post" else None
            response = getattr(client, method)(own_url, data)
            assert_sends_to_sign_in(response, home, f"{method.upper()} {route.name} by {who}")

    if route.params:
        for method in ("get", "post"):
            for whose, url in targets.items():
                data = hostile_post_data() if method == "post" else None
                response = getattr(attacker, method)(url, data)
                if response.status_code == 405:  # the method is refused whatever the id: reveals nothing
                    assert getattr(attacker, method)(own_url, data).status_code == 405
                    continue
                assert response.status_code == 404, (
                    f"{method.upper()} {url} ({route.name} with the ids of {whose}) answered "
                    f"{response.status_code}, expected 404"
                )

    assert_unchanged(before, db_state(), f"hostile requests to {route.name}")

    if route.params:  # control: the owners reach the very same objects
        for owner in (world.neighbour, world.foreigner):
            response = world.client_for(owner).get(route.url(owner))
            assert response.status_code != 404, f"{route.name}: the owner gets 404 too, the URL is broken"


# --- another branch's contact: a contact limited to branches, the records of another branch of their company -------

BRANCH_SEGMENTS = ("orders", "quotes", "deliveries", "invoices", "payments", "credit-memos")
BRANCH_ROUTES = [r for r in CUSTOMER_ROUTES if r.params and r.segment in BRANCH_SEGMENTS]


def test_every_branch_record_route_is_in_the_branch_matrix():
    names = {r.name for r in BRANCH_ROUTES}
    assert {"order", "delivery", "invoice", "payment"} <= names, names


@pytest.mark.parametrize("route", BRANCH_ROUTES, ids=lambda r: r.name)
def test_route_isolation_other_branchs_contact(route, world):
    from portal_models import caching
    from portal_models.models import CreditMemo, Delivery, Invoice, Order, Quote
    from portal_models.services import team
    from portal_models.tests.factories import LoginContactFactory
    from portal_models.tests.order_factories import BranchFactory

    holder, home = world.attacker, world.home_a
    north = BranchFactory(account=holder.account, name="North", code="N")
    south = BranchFactory(account=holder.account, name="South", code="S")
    url = route.url(holder, home)  # makes the holder's records the route names
    for model in (Order, Quote, Delivery, Invoice):
        model.objects.filter(account=holder.account).update(branch=south)
    caching.bump_accounts(holder.account.pk)  # a queryset update: the cached pages' version by hand
    assert not CreditMemo.objects.filter(account=holder.account).exclude(invoice__branch=south).exists()
    clerk = LoginContactFactory(
        account=holder.account, can_pay=True, can_order=True, can_see_documents=True, is_billing=True
    )
    team.contact_set_branches(contact=clerk, branches=[north])
    world.client_for(holder).get(url)  # the owner first: nothing they saw (cached) leaks to the clerk
    limited = world.client_for()
    limited.force_login(clerk.user)
    before = db_state()
    for method in ("get", "post"):
        data = hostile_post_data() if method == "post" else None
        response = getattr(limited, method)(url, data)
        if response.status_code == 405:
            continue
        assert response.status_code == 404, (
            f"{method.upper()} {url} ({route.name}, another branch's record) answered {response.status_code}"
        )
    assert_unchanged(before, db_state(), f"requests of another branch's contact to {route.name}")
    # control: the company's owner (all branches) reaches it, and so does the clerk once it is their branch's
    assert world.client_for(holder).get(url).status_code != 404, f"{route.name}: the owner gets 404 too"
    for model in (Order, Quote, Delivery, Invoice):
        model.objects.filter(account=holder.account).update(branch=north)
    caching.bump_accounts(holder.account.pk)
    assert limited.get(url).status_code != 404, f"{route.name}: the branch's own contact gets 404"


# --- body ids: forms that name an object in their POST data -----------------------------------------


def test_ids_in_post_data_of_another_account_or_tenant_are_404(world):
    attacker = world.client_for(world.attacker)
    home = world.home_a
    for victim in (world.neighbour, world.foreigner):
        victim.other_contact, victim.invoice  # noqa: B018  (made before the snapshot)
        before = db_state()
        cases = [
            ("switch_account", {"account": victim.account.pk}),
            ("system_access", {"action": "revoke", "contact": victim.contact.pk}),
            ("system_access", {"action": "grant", "contact": victim.other_contact.pk}),
        ]
        for name, data in cases:
            url = home.url + home.reverse_subpage(name).lstrip("/")
            response = attacker.post(url, data)
            assert response.status_code in (400, 404), f"{name} with {data}: {response.status_code}"
        for action in ("remove", "default"):
            response = attacker.post(home.url + "payments/methods/", {"action": action, "method": 10**6})
            assert response.status_code == 404
        response = attacker.get(home.url + f"pay/?invoice={victim.invoice.pk}")
        assert response.status_code == 404
        assert_unchanged(before, db_state(), "POST ids of another account")
        victim.contact.refresh_from_db()
        assert victim.contact.can_login


# --- page types a portal may contain --------------------------------------------------------------


def test_every_child_page_type_is_classified():
    for name in child_page_types():
        assert name in CHILD_PAGE_ACCESS, f"classify page type {name} in CHILD_PAGE_ACCESS (customer or public)"


def test_customer_page_types_check_access(world):
    assert [n for n, a in CHILD_PAGE_ACCESS.items() if a == "customer"] == ["documentlibrarypage"], (
        "a new customer page type needs its case here"
    )
    home = world.home_a
    library = DocumentLibraryPage(title="Library", slug="library")
    home.add_child(instance=library)
    mine, theirs = world.attacker.account_document, world.neighbour.account_document
    for method in ("get", "post"):
        assert_sends_to_sign_in(getattr(world.client_for(), method)(library.url), home, "library, anonymous")
        stranger = world.client_for(world.foreigner)
        assert_sends_to_sign_in(getattr(stranger, method)(library.url), home, "library, other tenant")
    page = world.client_for(world.attacker).get(library.url + "?q=Contract")
    assert page.status_code == 200
    assert mine.title in page.content.decode() and theirs.title not in page.content.decode()


def test_public_page_types_are_open(world):
    from portal_pages.models import PortalRegistrationPage

    home = world.home_a
    home.add_child(instance=PortalRegistrationPage(title="Register", slug="register"))
    for page in home.get_children().live().specific():
        if CHILD_PAGE_ACCESS.get(page._meta.model_name) == "public":
            assert world.client_for().get(page.url).status_code == 200, page


# --- downloads outside the routes: Wagtail's document serve view ------------------------------------


def test_wagtail_document_serve_is_scoped(world):
    for owner in (world.neighbour, world.foreigner):
        document = owner.account_document
        url = document.url
        assert url.startswith("/documents/")
        assert world.client_for(world.attacker).get(url).status_code == 404
        anonymous = world.client_for().get(url)
        assert_sends_to_sign_in(anonymous, owner.home, "document serve, anonymous")
        response = world.client_for(owner).get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and body.startswith(b"%PDF")


def test_case_documents_are_not_served_by_wagtail_to_customers(world):
    """A case file is a Wagtail document too: only the case route (with its role check) may hand it out."""
    document = world.neighbour.case_document
    assert world.client_for(world.attacker).get(document.url).status_code == 404
    assert world.client_for(world.foreigner).get(document.url).status_code == 404


def test_private_files_are_not_under_media(world, client):
    for field_file in (world.neighbour.upload.file, world.neighbour.ticket_comment.attachment):
        assert client.get("/media/" + field_file.name).status_code == 404


# --- the project's URL configuration: every top-level entry is classified --------------------------

ROOT_URLS = {
    "admin/login/": "staff: redirects to the two-factor login",
    "admin/": "staff: Wagtail admin (checked below)",
    "documents/": "documents: served after the access check (before_serve_document)",
    "captcha/": "public: image codes for registration",
    "": "two_factor: acts on the signed-in user only / wagtail: pages (the portal routes above)",
    "i18n/": "public: Django's set_language (a language cookie; POST with CSRF)",
    "healthz": "public: health check, no data",
    "stripe/webhook/": "Stripe: signed webhook (test_webhook_faults)",
    "staff/password/set/<uidb64>/<token>/": "staff: the signed one-time link of an invitation (test_staff_invitations)",
    "api/v1/": "integration API: API keys of one tenant (portal_api/tests/test_isolation.py)",
    r"^((?:[\w\-]+/)*)$": "wagtail: pages (Wagtail's serve with the cached site; the portal routes above)",
}


def test_every_root_url_is_classified():
    for entry in get_resolver().url_patterns:
        pattern = str(entry.pattern)
        assert pattern in ROOT_URLS, f"classify URL {pattern!r} of site/config/urls.py in ROOT_URLS"


def test_document_urls_are_known():
    docs = next(e for e in get_resolver().url_patterns if str(e.pattern) == "documents/")
    names = {p.name for p in docs.url_patterns}
    assert names == {"wagtaildocs_serve", "wagtaildocs_authenticate_with_password"}, names


def test_customers_cannot_use_the_admin(world):
    """Every listing of our records in the admin refuses a signed-in customer."""
    admin = next(e for e in get_resolver().url_patterns if str(e.pattern) == "admin/")
    ours = []

    def walk(resolver):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry)
            elif (entry.name or "").endswith("_modeladmin_index"):
                ours.append(reverse(entry.name))

    walk(admin)
    assert len(ours) >= 5, ours
    client = world.client_for(world.attacker)
    for url in ["/admin/", *ours]:
        response = client.get(url)
        assert response.status_code in (302, 403), f"{url} answered {response.status_code} to a customer"
        if response.status_code == 302:
            assert "/login/" in response["Location"]
