"""The 404 page: branded on a tenant's portal, with the way back to it, and silent about what was not found."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from wagtail.models import Site

from portal_models.services import billing
from portal_models.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_an_unknown_page_of_a_portal_is_branded_and_leads_to_sign_in(client, portal_a):
    page = body(client.get("/acme/no-such-page/"))
    assert 'data-testid="not-found"' in page and "Acme Billing" in page
    assert "--brand-primary" in page  # the tenant's colours
    assert 'href="/acme/"' in page and "Go to sign in" in page


def test_another_accounts_invoice_is_the_branded_404_and_names_nothing(signed_in_client, portal_a):
    other = AccountFactory(tenant=portal_a.tenant, name="Other Co")
    invoice = billing.invoice_create(
        account=other,
        number="SECRET-77",
        lines=[{"description": "Hidden work", "unit_price": Decimal("10")}],
        due_date=billing.timezone.localdate(),
    )
    page = body(signed_in_client.get(f"/acme/invoices/{invoice.pk}/"))
    assert "Acme Billing" in page and "Go to your dashboard" in page and 'href="/acme/"' in page
    assert "SECRET-77" not in page and "Other Co" not in page and "Hidden work" not in page


def test_a_portal_on_its_own_domain_is_branded_too(client, portal_a):
    Site.objects.create(hostname="portal.acme.test", port=80, root_page=portal_a)
    page = body(client.get("/no-such-page/", HTTP_HOST="portal.acme.test"))
    assert "Acme Billing" in page and 'href="/"' in page


def test_outside_any_portal_the_page_is_plain(client, portal_a, portal_b):
    page = body(client.get("/no-such-tenant/invoices/"))
    assert 'data-testid="not-found"' in page
    assert "Acme Billing" not in page and "Borealis Power" not in page


def test_an_unpublished_portal_is_not_shown_on_its_404(client, portal_a):
    portal_a.unpublish()
    page = body(client.get("/acme/dashboard/"))
    assert "Acme Billing" not in page


@pytest.mark.parametrize(("language", "heading"), [("en", "Something went wrong"), ("es", "Algo salió mal")])
def test_the_500_page_renders_without_a_request_in_the_active_language(language, heading):
    """Django renders it with no context; it runs no script (the CSP would block an inline one)."""
    from django.utils import translation

    with translation.override(language):
        page = render_to_string("500.html")
    assert heading in page and f'lang="{language}"' in page and "theme/portal" in page
    assert "<script" not in page and "javascript:" not in page


def test_signed_in_the_404_keeps_the_header_and_the_navigation(signed_in_client, portal_a, portal_b):
    page = body(signed_in_client.get("/acme/no-such-screen/"))
    assert 'data-testid="not-found"' in page and 'class="tabs"' in page and 'aria-label="Portal"' in page
    assert 'href="/acme/invoices/"' in page  # a tab
    assert '<meta name="robots" content="noindex' in page
    # signed in, but not a customer of this portal: the signed-out 404, nothing of the other portal's shell
    page = body(signed_in_client.get("/borealis/no-such-screen/"))
    assert 'data-testid="not-found"' in page and 'class="tabs"' not in page
