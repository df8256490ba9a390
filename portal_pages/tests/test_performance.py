"""What the benchmark's fixes promise: signed-in pages whose queries do not grow with the account, routing from
the cache, and per-account data caches that are never stale (no page or fragment of a signed-in page is cached)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal_models.models import Account
from portal_models.services import billing
from portal_models.tests.factories import AccountFactory, LoginContactFactory, bulk_invoices, seed_invoice

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    return measured(client, url)[0]


def measured(client, url) -> tuple[int, str]:
    """The queries of a successful request, and the page it served."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response.content.decode()


@pytest.mark.parametrize(
    ("url", "budget"),
    # cold: an empty cache (routing and session too); warm: the account's data and the routing from the cache
    [("/acme/dashboard/", 21), ("/acme/invoices/", 14), ("/acme/invoices/{pk}/", 17)],
)
def test_signed_in_pages_make_the_same_queries_whatever_the_accounts_size(signed_in_client, customer_a, url, budget):
    """Rendered for each request, a signed-in page reads a fixed number of queries: 300 more invoices and a payment
    add none, cold or with the account's data cached."""
    from django.core.cache import cache

    invoice = seed_invoice(customer_a.account)
    url = url.format(pk=invoice.pk)
    cache.clear()
    small_cold, html = measured(signed_in_client, url)
    small_warm = queries(signed_in_client, url)
    assert customer_a.account.name in html and invoice.number in html
    bulk_invoices(customer_a.account, 300, start=70000)
    billing.payment_record(account=customer_a.account, method="check", amount=Decimal("10"), reference="#1")
    cache.clear()
    big_cold, html = measured(signed_in_client, url)
    big_warm = queries(signed_in_client, url)
    assert (big_cold, big_warm) == (small_cold, small_warm) and customer_a.account.name in html
    assert small_warm <= small_cold <= budget, (small_warm, small_cold)


def test_portal_home_is_found_with_its_tenant_and_then_from_the_routing_cache(client, portal_a):
    """PortalRootPage.route loads the portal page with its tenant and logo (one query), then the routing cache
    serves it: a warm request reads only the routing version."""
    from wagtail.models import Site

    from portal_pages.models import PortalRootPage

    root = PortalRootPage.objects.get()
    site = Site.objects.select_related("root_page").get(is_default_site=True)
    for expected in (2, 1):  # cold: routing version + the page; warm: the routing version
        request = client.get("/acme/login/").wsgi_request
        # the language of the request is read from the site's root page (portal_pages/localization.py)
        request._wagtail_site = site
        for attr in ("_portal_routing_version",):
            request.__dict__.pop(attr, None)
        if expected == 2:
            from django.core.cache import cache

            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            page, _args, _kwargs = root.route(request, ["acme"])
            assert page.pk == portal_a.pk and page.tenant.slug == "acme" and page.logo_id == portal_a.logo_id
            page.logo  # noqa: B018  (loaded with the page)
        assert len(ctx) == expected, [q["sql"][-300:] for q in ctx.captured_queries]


def test_dashboard_shows_a_payment_recorded_after_it_was_cached(signed_in_client, customer_a):
    invoice = seed_invoice(customer_a.account)
    html = signed_in_client.get("/acme/dashboard/").content.decode()
    assert "$6,100.00" in html
    signed_in_client.get("/acme/dashboard/")  # served from the cache
    billing.payment_record(account=customer_a.account, method="check", amount=Decimal("1000"), invoices=[invoice])
    html = signed_in_client.get("/acme/dashboard/").content.decode()
    assert "$5,100.00" in html and "$6,100.00" not in html


def test_invoice_list_count_and_detail_follow_changes(signed_in_client, customer_a):
    invoice = seed_invoice(customer_a.account)
    signed_in_client.get("/acme/invoices/")  # count cached
    bulk_invoices(customer_a.account, 25, start=80000)  # bulk inserts send no signals ...
    Account.objects.get(pk=customer_a.account.pk).save()  # ... and a plain save must not hide that either
    billing.payment_record(account=customer_a.account, method="check", amount=Decimal("1000"), invoices=[invoice])
    assert "26 items" in signed_in_client.get("/acme/invoices/").content.decode()
    detail = signed_in_client.get(f"/acme/invoices/{invoice.pk}/").content.decode()
    assert "$5,100.00" in detail


def test_saving_an_account_never_moves_its_data_version_back(customer_a):
    stale = Account.objects.get(pk=customer_a.account.pk)
    seed_invoice(customer_a.account)  # bumps the version in the database
    bumped = Account.objects.get(pk=stale.pk).data_version
    assert bumped > stale.data_version
    stale.name = "Renamed Inc."
    stale.save()
    fresh = Account.objects.get(pk=stale.pk)
    assert fresh.name == "Renamed Inc." and fresh.data_version == bumped


# --- what each signed-in request shows is its own (the per-account data caches follow rights, accounts, changes) --


def test_pages_follow_the_rights_of_the_contact(client, customer_a):
    """A contact who may not pay never gets the fragment, with its Pay buttons, that a payer warmed."""
    seed_invoice(customer_a.account)
    viewer = LoginContactFactory(account=customer_a.account, can_pay=False)
    client.force_login(customer_a.user)
    assert 'data-testid="pay-balance"' in client.get("/acme/dashboard/").content.decode()
    assert 'data-testid="pay-balance"' in client.get("/acme/invoices/").content.decode()
    client.force_login(viewer.user)
    assert 'data-testid="pay-balance"' not in client.get("/acme/dashboard/").content.decode()
    assert 'data-testid="pay-balance"' not in client.get("/acme/invoices/").content.decode()


def test_pages_of_another_account_are_never_served(client, customer_a):
    other = LoginContactFactory(account=AccountFactory(tenant=customer_a.account.tenant, name="Other Ltd."))
    seed_invoice(customer_a.account, number="INV-A-1")
    seed_invoice(other.account, number="INV-B-1")
    client.force_login(customer_a.user)
    assert "INV-A-1" in client.get("/acme/invoices/").content.decode()
    client.force_login(other.user)
    html = client.get("/acme/invoices/").content.decode()
    assert "INV-B-1" in html and "INV-A-1" not in html


def test_invoice_list_follows_the_query_string(signed_in_client, customer_a):
    seed_invoice(customer_a.account, number="INV-FIND-1")
    seed_invoice(customer_a.account, number="INV-OTHER-2")
    assert "INV-OTHER-2" in signed_in_client.get("/acme/invoices/").content.decode()
    html = signed_in_client.get("/acme/invoices/?number=FIND").content.decode()
    assert "INV-FIND-1" in html and "INV-OTHER-2" not in html


def test_pages_follow_the_language_and_the_account_name(signed_in_client, customer_a):
    from wagtail.models import Locale

    tenant = customer_a.account.tenant
    tenant.languages = ["en", "es"]
    tenant.save()
    Locale.objects.get_or_create(language_code="es")
    invoice = seed_invoice(customer_a.account)
    assert "Recent payments" in signed_in_client.get("/acme/dashboard/").content.decode()
    assert "Invoice date" in signed_in_client.get(f"/acme/invoices/{invoice.pk}/").content.decode()
    customer_a.user.language = "es"
    customer_a.user.save()
    assert "Pagos recientes" in signed_in_client.get("/acme/dashboard/").content.decode()
    assert "Recent payments" not in signed_in_client.get("/acme/dashboard/").content.decode()
    assert "Invoice date" not in signed_in_client.get(f"/acme/invoices/{invoice.pk}/").content.decode()
    Account.objects.filter(pk=customer_a.account.pk).update(name="Renamed Corp.")
    assert "Renamed Corp." in signed_in_client.get(f"/acme/invoices/{invoice.pk}/").content.decode()


# --- the header and the per-request values (token, nonce, path) ------------------------------------------------

SIGNED_IN_PAGES = ("/acme/dashboard/", "/acme/invoices/", "/acme/invoices/{pk}/")


def _csrf_field(html: str) -> str:
    import re

    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_each_request_of_a_page_carries_its_own_token_and_nonce(client, customer_a, url):
    """Loaded twice, a page's forms carry a token that this session can post with, and its <style> carries the
    nonce of that response's Content-Security-Policy."""
    import re

    from django.test import Client

    url = url.format(pk=seed_invoice(customer_a.account).pk)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer_a.user)
    first = browser.get(url)
    second = browser.get(url)
    for response in (first, second):
        html = response.content.decode()
        nonce = re.search(r'<style nonce="([^"]+)"', html).group(1)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert _csrf_field(first.content.decode()) != _csrf_field(second.content.decode())  # masked per request
    signed_out = browser.post("/acme/logout/", {"csrfmiddlewaretoken": _csrf_field(second.content.decode())})
    assert signed_out.status_code == 302
    assert browser.get("/acme/dashboard/").status_code == 302  # really signed out


def test_pages_are_not_shared_between_users_of_one_account(client, customer_a):
    colleague = LoginContactFactory(account=customer_a.account, email="grace@example.com")
    invoice = seed_invoice(customer_a.account)
    for url in SIGNED_IN_PAGES:
        url = url.format(pk=invoice.pk)
        client.force_login(customer_a.user)
        assert customer_a.user.email in client.get(url).content.decode()
        client.force_login(colleague.user)
        html = client.get(url).content.decode()
        assert "grace@example.com" in html and customer_a.user.email not in html


def test_pages_follow_the_users_name_and_email(signed_in_client, customer_a):
    from portal_models.models import User

    invoice = seed_invoice(customer_a.account)
    for url in SIGNED_IN_PAGES:
        signed_in_client.get(url.format(pk=invoice.pk))
    users = User.objects.filter(pk=customer_a.user.pk)
    users.update(email="ada.new@example.com")  # an update sends no signal
    for url in SIGNED_IN_PAGES:
        assert "ada.new@example.com" in signed_in_client.get(url.format(pk=invoice.pk)).content.decode()
    users.update(first_name="Ada")
    assert "Welcome, Ada" in signed_in_client.get("/acme/dashboard/").content.decode()


def test_the_header_follows_the_theme_the_screen_and_the_company(signed_in_client, customer_a):
    other = AccountFactory(tenant=customer_a.account.tenant, name="Zeta Holdings")
    LoginContactFactory(account=other, user=customer_a.user, email=customer_a.user.email)
    html = signed_in_client.get("/acme/dashboard/").content.decode()
    assert 'data-theme="auto"' in html and 'value="dark"' in html  # the device's preference until chosen
    assert 'class="tab is-active" aria-current="page">Home' in html
    signed_in_client.post("/acme/account/theme/", {"theme": "dark", "next": "/acme/invoices/"})
    html = signed_in_client.get("/acme/invoices/").content.decode()
    assert 'data-theme="dark"' in html and 'value="light"' in html
    assert 'class="tab is-active" aria-current="page">Invoices' in html
    assert '<input type="hidden" name="next" value="/acme/invoices/">' in html  # this page's path
    # switching company: the message is shown once, then the other company's pages
    html = signed_in_client.post("/acme/account/switch/", {"account": other.pk}, follow=True).content.decode()
    assert "You are now working for Zeta Holdings" in html
    html = signed_in_client.get("/acme/dashboard/").content.decode()
    assert "You are now working for" not in html
    assert re_selected(html) == "Zeta Holdings"


def re_selected(html: str) -> str:
    import re

    return re.search(r"<option value=\"\d+\" selected>([^<]+)</option>", html).group(1)


def test_a_revoked_login_right_applies_to_the_next_request(signed_in_client, customer_a):
    assert signed_in_client.get("/acme/invoices/").status_code == 200
    assert signed_in_client.get("/acme/invoices/").status_code == 200  # the account's data cached now
    type(customer_a).objects.filter(pk=customer_a.pk).update(can_login=False)  # no signal, no cache change
    assert signed_in_client.get("/acme/invoices/").status_code == 302


def test_the_header_reads_branches_and_cases_only_when_there_are_some(signed_in_client, customer_a):
    """The sign-in query tells whether the company has branches and the user a case: a customer with neither
    reads no branches and no cases; once there are some, the header shows them (one query each, fresh)."""
    from portal_models.models import Branch
    from portal_models.services.cases import case_assign, case_create
    from portal_models.tests.factories import CaseRoleFactory

    url = "/acme/invoices/"
    signed_in_client.get(url)  # routing and the account's data in the cache
    bare, html = measured(signed_in_client, url)
    assert 'data-testid="branch-switch"' not in html and 'data-testid="case-selector"' not in html
    Branch.objects.create(account=customer_a.account, code="N", name="North yard")
    signed_in_client.get(url)  # the account's data cached again (a new branch is a change to the account)
    with_branches, html = measured(signed_in_client, url)
    assert with_branches == bare + 1 and "North yard" in html
    case = case_create(account=customer_a.account, number="H-1", title="Header matter")
    case_assign(case=case, users=[customer_a.user], role=CaseRoleFactory(name="Viewer", view_case="allow"))
    assert "Header matter" in measured(signed_in_client, url)[1]
    with_cases = queries(signed_in_client, url)  # the user's case list is cached like the account's data
    assert with_cases == with_branches
    Branch.objects.update(is_active=False)
    assert 'data-testid="branch-switch"' not in measured(signed_in_client, url)[1]


def test_a_screen_that_answers_a_file_does_not_ask_what_the_header_needs(signed_in_client, customer_a):
    """The invoice PDF is not drawn in the shell: its sign-in query leaves out the branches and cases the header
    would show; the invoice's page asks for them."""
    invoice = seed_invoice(customer_a.account)
    for url, header in ((f"/acme/invoices/{invoice.pk}/pdf/", False), (f"/acme/invoices/{invoice.pk}/", True)):
        with CaptureQueriesContext(connection) as ctx:
            response = signed_in_client.get(url)
        assert response.status_code == 200
        sign_in = next(q["sql"] for q in ctx.captured_queries if 'FROM "portal_models_contact"' in q["sql"])
        assert ('"portal_models_caseassignment"' in sign_in) is header, url
