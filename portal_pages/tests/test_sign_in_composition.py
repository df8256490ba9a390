"""The sign-in page composed in the page editor (issue #26): headline, image, help links and notice blocks,
rendered on the branded sign-in screen in the order marketing placed them; the demo composes every tenant's."""

from __future__ import annotations

import pytest
from django.utils.html import escape
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from portal_pages import demo
from portal_pages.models import ContentPage, PortalLoginPage

pytestmark = pytest.mark.django_db


def test_the_sign_in_screen_shows_the_composed_blocks(portal_a, portal_b, client):
    login = portal_a.login_page
    help_page = ContentPage.objects.child_of(portal_a).get(slug="help")
    image = Image.objects.create(title="Sign-in photo", file=get_test_image_file())
    login.content = [
        ("notice", {"tone": "warning", "title": "Heads up", "text": "<p>Maintenance on <b>Sunday</b>.</p>"}),
        ("headline", {"text": "Welcome back to Acme", "intro": "<p>Your bills, one place.</p>"}),
        ("image", {"image": image, "alt": "Our service team"}),
        (
            "help_links",
            {
                "heading": "Need a hand?",
                "links": [
                    {"label": "Help centre", "page": help_page, "url": ""},
                    {"label": "Status page", "page": None, "url": "https://status.example.com/"},
                ],
            },
        ),
        ("notice", {"tone": "info", "title": "", "text": "<p>New: pay by bank transfer.</p>"}),
    ]
    login.save_revision().publish()

    html = client.get(login.url).content.decode()
    assert "<h1>Welcome back to Acme</h1>" in html and "<title>Welcome back to Acme" in html
    assert "Your bills, one place." in html and 'alt="Our service team"' in html
    assert html.index("Maintenance on <b>Sunday</b>.") < html.index("New: pay by bank transfer.")
    assert 'class="alert alert--warning auth-notice"' in html and 'class="alert alert--info auth-notice"' in html
    assert html.index("auth-notice") < html.index('data-testid="sign-in"') < html.index("Need a hand?")
    assert f'href="{help_page.url}">Help centre</a>' in html and 'href="https://status.example.com/"' in html
    assert 'name="auth-username"' in html  # the sign-in form itself is still the two-factor wizard's

    other = client.get(portal_b.login_page.url).content.decode()  # another tenant's sign-in page is its own
    assert "Welcome back to Acme" not in other and "auth-notice" not in other


def test_without_blocks_the_fields_speak(portal_a, client):
    html = client.get(portal_a.login_page.url).content.decode()
    assert f"<h1>{portal_a.login_page.headline}</h1>" in html and "auth-notice" not in html


def test_the_demo_composes_every_tenants_sign_in_page(client):
    demo.load()
    for spec in demo.tenants.TENANTS:
        login = PortalLoginPage.objects.live().filter(url_path__contains=f"/{spec['slug']}/").first()
        assert login is not None and login.content, spec["slug"]
        html = client.get(login.url).content.decode()
        assert spec["notice"] in html and "Need a hand?" in html, spec["slug"]
        help_link = ">" + escape(login.get_parent().get_children().filter(slug="help").first().title) + "</a>"
        assert html.count(help_link) == 1, spec["slug"]  # the composed help links replace the older list
