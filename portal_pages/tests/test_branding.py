"""Brand colour contrast (WCAG 2.x): the pure functions, the CSS the portal renders, and the page editor's warning."""

import pytest
from django.contrib.messages import get_messages
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from portal_models.tests.factories import UserFactory
from portal_pages.branding import (
    DARK_BACKGROUNDS,
    LIGHT_BACKGROUNDS,
    brand_contrast_warnings,
    brand_css_values,
    contrast_ratio,
    readable_text_on,
    text_colour,
)
from portal_pages.models import PortalHomePage
from portal_pages.modules import module_choices


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("#777777", "#ffffff", 4.48),  # the classic "just fails AA" grey
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
        ("#1d4ed8", "#ffffff", 6.70),
        ("#ff0000", "#ffffff", 4.00),
        ("#0d1117", "#e6edf3", 16.02),  # the dark theme's text on its background
    ],
)
def test_contrast_ratio_known_values(a, b, expected):
    assert contrast_ratio(a, b) == pytest.approx(expected, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(expected, abs=0.01)  # order does not matter


def test_contrast_ratio_accepts_short_hex_and_rejects_garbage():
    assert contrast_ratio("#fff", "#000") == pytest.approx(21.0)
    with pytest.raises(ValueError):
        contrast_ratio("blue", "#ffffff")


@pytest.mark.parametrize("colour", ["#0b4f8a", "#7c2d12", "#ffcc00", "#16a34a", "#d97706", "#777777", "#00ffff"])
def test_theme_shades_reach_aa(colour):
    assert contrast_ratio(colour, readable_text_on(colour)) >= 4.5
    assert min(contrast_ratio(text_colour(colour), bg) for bg in LIGHT_BACKGROUNDS) >= 4.5
    dark = text_colour(colour, on=DARK_BACKGROUNDS)
    assert min(contrast_ratio(dark, bg) for bg in DARK_BACKGROUNDS) >= 4.5


def test_text_colour_keeps_a_colour_that_already_passes():
    assert text_colour("#1D4ED8") == "#1d4ed8"
    assert text_colour("#ffcc00") != "#ffcc00"  # yellow on white is darkened


def test_mid_tone_primary_only_needs_the_dark_mode_shade():
    # no primary reads at 4.5:1 both on white and on the dark background; a mid blue passes everything else
    (warning,) = brand_contrast_warnings(primary="#2563eb", accent="#0f766e")
    assert warning.startswith("In dark mode, the primary colour #2563eb")
    (warning,) = brand_contrast_warnings(primary="#8ab4f8", accent="#0f766e")
    assert warning.startswith("The primary colour #8ab4f8 as link and text colour on white")


def test_warnings_for_light_colours():
    warnings = brand_contrast_warnings(primary="#ffcc00", accent="#eeeeee")
    assert len(warnings) == 2, warnings
    assert "#ffcc00" in warnings[0] and "1.51:1" in warnings[0] and "4.5:1" in warnings[0]
    assert "accent colour #eeeeee" in warnings[1] and "3:1" in warnings[1]


def test_warning_for_dark_primary_in_dark_mode():
    (warning,) = brand_contrast_warnings(primary="#0b4f8a", accent="#16a34a")
    assert "dark mode" in warning and "#0b4f8a" in warning and "2.25:1" in warning


def test_invalid_colours_give_no_warning():
    assert brand_contrast_warnings(primary="nope", accent="#ffffff") == []


def test_brand_style_carries_aa_text_shades(client, portal_a, customer_a):
    portal_a.primary_color = "#ffcc00"
    portal_a.save_revision().publish()
    client.force_login(customer_a.user)
    html = client.get("/acme/dashboard/").content.decode()
    values = brand_css_values(primary="#ffcc00", accent=portal_a.accent_color)
    assert "--brand-primary:#ffcc00;" in html
    assert f"--brand-link:{values['--brand-link']};" in html and values["--brand-link"] != "#ffcc00"
    assert "--brand-on-primary:#111827;" in html


def edit_form_data(home: PortalHomePage, **changes) -> dict:
    data = {
        "title": home.title,
        "slug": home.slug,
        "tenant": home.tenant_id,
        "welcome": streamfield([("paragraph", rich_text("<p>Welcome.</p>"))]),
        "footer_links": streamfield([]),
        "navigation": streamfield([]),
        "dashboard": streamfield([]),
        "modules_off": [key for key, _label in module_choices()],  # the boxes of the modules offered: all ticked
        "logo": "",
        "favicon": "",
        "primary_color": home.primary_color,
        "accent_color": home.accent_color,
        "website_url": "",
        "support_phone": "",
        "seo_title": "",
        "search_description": "",
        "comments": inline_formset([]),
    }
    data.update(changes)
    return nested_form_data(data)


@pytest.mark.django_db
def test_page_editor_warns_after_saving_low_contrast_colours(client, portal_a):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/pages/{portal_a.pk}/edit/"
    response = client.post(url, edit_form_data(portal_a, primary_color="#ffcc00", accent_color="#eeeeee"))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    portal_a.refresh_from_db()
    assert portal_a.get_latest_revision_as_object().primary_color == "#ffcc00"  # saved, not blocked
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert any("#ffcc00" in w and "4.5:1" in w for w in warnings), warnings
    assert any("#eeeeee" in w for w in warnings), warnings
    # the warning is shown on the page the editor lands on
    page = client.get(response.url)
    assert "The primary colour #ffcc00 as link and text colour on white" in page.content.decode()


@pytest.mark.django_db
def test_page_editor_no_contrast_warning_for_readable_colours(client, portal_a):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        f"/admin/pages/{portal_a.pk}/edit/", edit_form_data(portal_a, primary_color="#8ab4f8", accent_color="#0f766e")
    )
    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert len(warnings) == 1 and "on white" in warnings[0], warnings  # light blue: too pale on white only
    client.get(response.url)  # the editor sees (and so consumes) the messages
    response = client.post(
        f"/admin/pages/{portal_a.pk}/edit/", edit_form_data(portal_a, primary_color="#1d4ed8", accent_color="#0f766e")
    )
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert all("on white" not in w for w in warnings)
