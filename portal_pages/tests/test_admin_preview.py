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
from portal_pages.modules import module_choices

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
    ) | {"modules_off": [key for key, _label in module_choices()]}  # the ticks: the features offered


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


# --- the preview with a sample account ----------------------------------------------------------------------------


def preview_html(client, home) -> str:
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[home.pk])
    posted = client.post(url, home_form(home))
    assert posted.status_code == 200 and posted.json()["is_valid"], posted.content
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def may_see_accounts(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_account", content_type__app_label="portal_models"))
    return user


@pytest.mark.parametrize("side", ["a", "b"])
def test_the_preview_shows_a_sample_account_of_the_pages_own_tenant(side, portal_a, portal_b, client):
    from portal_models.tests.factories import AccountFactory, LoginContactFactory
    from portal_models.tests.tenant_world import TenantRecords

    homes = {"a": portal_a, "b": portal_b}
    for mark, home in homes.items():
        contact = LoginContactFactory(account=AccountFactory(tenant=home.tenant, name=f"Sample {mark.upper()} Co"))
        seed_invoice(contact.account, number=f"INV-{mark.upper()}1")
    own, other = homes[side], homes["b" if side == "a" else "a"]
    staff = staff_user(TenantRecords(mark=side, tenant=own.tenant), StaffRole.MARKETING, email=f"m@{side}.test")
    client.force_login(may_see_accounts(staff))

    html = preview_html(client, own)
    assert "Fresh welcome from the preview" in html  # the edited, unsaved page ...
    assert f"Sample {side.upper()} Co" in html and f"INV-{side.upper()}1" in html  # ... as its first customer sees it
    other_mark = "B" if side == "a" else "A"
    assert f"INV-{other_mark}1" not in html and f"Sample {other_mark} Co" not in html  # never the other tenant's
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[other.pk])
    assert client.post(url, home_form(other)).status_code in (302, 403, 404)  # nor the other tenant's page


def test_a_marketer_who_may_not_see_accounts_previews_a_fictional_customer_that_is_never_kept(portal_a, marketer):
    from portal_models.models import Account, Contact, Invoice, Payment, SecurityEvent, User, WebhookDelivery
    from portal_models.tests.factories import AccountFactory, LoginContactFactory

    contact = LoginContactFactory(account=AccountFactory(tenant=portal_a.tenant, name="Private Co"))
    seed_invoice(contact.account, number="INV-PRIVATE")
    counts = {
        model: model.objects.count()
        for model in (Account, Contact, User, Invoice, Payment, SecurityEvent, WebhookDelivery)
    }
    version = Account.objects.get(pk=contact.account_id).data_version

    html = preview_html(marketer, portal_a)
    assert "Fresh welcome from the preview" in html  # the edited, unsaved page ...
    assert "INV-PRIVATE" not in html and "Private Co" not in html  # ... without any customer's data ...
    assert 'data-testid="preview-notice"' in html and "Sample Company" in html  # ... but a fictional customer's
    assert "SAMPLE-1002" in html and "SAMPLE-1003" in html  # its overdue invoices, in the widgets
    # nothing of the sample was committed, and the real account's caches are untouched
    assert {model: model.objects.count() for model in counts} == counts
    assert not Account.objects.filter(name="Sample Company").exists()
    assert Account.objects.get(pk=contact.account_id).data_version == version
    assert preview_html(marketer, portal_a).count("SAMPLE-1003") >= 1  # a second preview builds it again
