"""The page editor's preview under the Content Security Policy, avatars and money in the admin (issue #26):
the live preview panel is an iframe of the admin's own preview URL, so the editor may frame it ('self') and only
the preview responses may be framed, by the admin only; every other response keeps frame-ancestors 'none'."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from portal_models.models import StaffRole
from portal_models.money import format_money
from portal_models.tests.factories import seed_invoice
from portal_models.tests.tenant_world import staff_user

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.fixture
def marketer(portal_a, client):
    from portal_models.tests.tenant_world import TenantRecords

    client.force_login(
        staff_user(TenantRecords(mark="a", tenant=portal_a.tenant), StaffRole.MARKETING, email="m@a.test")
    )
    return client


def home_form(home, **changes):
    return nested_form_data(
        {
            "title": home.title,
            "slug": home.slug,
            "tenant": home.tenant_id,
            "primary_color": home.primary_color,
            "accent_color": home.accent_color,
            "welcome": streamfield([("paragraph", rich_text("<p>Fresh welcome from the preview</p>"))]),
            "footer_links": streamfield([]),
            "navigation": streamfield([]),
            "dashboard": streamfield([]),
            **changes,
        }
    )


def test_editor_may_frame_its_preview_and_the_preview_only_its_editor(portal_a, marketer):
    edit = marketer.get(reverse("wagtailadmin_pages:edit", args=[portal_a.pk]))
    assert edit.status_code == 200
    assert "'self'" in policy(edit)["frame-src"]
    assert policy(edit)["frame-ancestors"] == ["'none'"]

    url = reverse("wagtailadmin_pages:preview_on_edit", args=[portal_a.pk])
    posted = marketer.post(url, home_form(portal_a))
    assert posted.status_code == 200 and posted.json()["is_valid"], posted.content
    preview = marketer.get(url)
    assert preview.status_code == 200
    assert "Fresh welcome from the preview" in preview.content.decode()
    assert policy(preview)["frame-ancestors"] == ["'self'"]
    assert preview["X-Frame-Options"] == "SAMEORIGIN"


def test_customer_pages_still_refuse_every_frame(portal_a, client):
    response = client.get(portal_a.login_page.url)
    assert policy(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def test_admin_avatars_come_from_our_own_origin(portal_a, marketer):
    html = marketer.get("/admin/").content.decode()
    assert "gravatar.com" not in html
    assert "wagtailadmin/images/default-user-avatar" in html


def test_money_in_admin_listings_is_formatted_in_the_records_currency(portal_a, client):
    from portal_models.tests.factories import AccountFactory
    from portal_models.tests.tenant_world import TenantRecords

    invoice = seed_invoice(AccountFactory(tenant=portal_a.tenant), number="INV-MONEY")
    client.force_login(
        staff_user(
            TenantRecords(mark="a", tenant=portal_a.tenant),
            StaffRole.BILLING,
            email="b@a.test",
            all_record_permissions=True,
        )
    )
    html = client.get("/admin/portal_models/invoice/").content.decode()
    assert format_money(invoice.total, invoice.currency) in html
    assert format_money(invoice.amount_due, invoice.currency) in html
    assert f">{invoice.total}<" not in html.replace(" ", "").replace("\n", "")
