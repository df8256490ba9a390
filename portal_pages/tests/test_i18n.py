"""Languages: the selector saves the user's language, tenants choose their languages, translated page
content (Wagtail localization), Spanish emails and es money formatting."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.utils import translation
from wagtail.models import Locale

from portal_models.money import format_money
from portal_models.services.emails import send_branded_email
from portal_models.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture
def bilingual(portal_a):
    portal_a.tenant.languages = ["en", "es"]
    portal_a.tenant.save()
    Locale.objects.get_or_create(language_code="es")
    return portal_a


def login_url(home):
    return home.login_page.url


def test_user_menu_selector_saves_language_and_sets_cookie(bilingual, signed_in_client, customer_a):
    response = signed_in_client.get(bilingual.url + "dashboard/")
    assert 'data-testid="language-es"' in response.content.decode()
    response = signed_in_client.post(
        bilingual.url + "account/language/", {"language": "es", "next": bilingual.url + "invoices/"}
    )
    assert response.status_code == 302 and response["Location"] == bilingual.url + "invoices/"
    customer_a.user.refresh_from_db()
    assert customer_a.user.language == "es"
    assert response.cookies[COOKIE].value == "es"
    page = signed_in_client.get(bilingual.url + "dashboard/").content.decode()
    assert '<html lang="es"' in page and "Saldo pendiente" in page


def test_saved_language_applies_on_every_request_without_cookie(bilingual, client, customer_a):
    customer_a.user.language = "es"
    customer_a.user.save()
    client.force_login(customer_a.user)
    assert "Cerrar sesión" in client.get(bilingual.url + "dashboard/").content.decode()


def test_tenant_languages_restrict_the_selector_and_the_language(portal_a, signed_in_client, customer_a):
    assert portal_a.tenant.languages == ["en"]
    # only one language: no selector, and a request for Spanish stays English
    signed_in_client.cookies[COOKIE] = "es"
    page = signed_in_client.get(portal_a.url + "dashboard/").content.decode()
    assert 'data-testid="language-select"' not in page
    assert '<html lang="en"' in page and "Sign out" in page
    signed_in_client.post(portal_a.url + "account/language/", {"language": "es"})
    customer_a.user.refresh_from_db()
    assert customer_a.user.language == ""


def test_sign_in_page_selector_shows_only_the_tenants_languages(bilingual, portal_b, client):
    page = client.get(login_url(bilingual)).content.decode()
    assert 'data-testid="language-en"' in page and 'data-testid="language-es"' in page
    assert 'action="/i18n/setlang/"' in page
    assert 'data-testid="language-select"' not in client.get(login_url(portal_b)).content.decode()


def test_anonymous_choice_by_cookie_via_set_language(bilingual, client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": login_url(bilingual)})
    assert response.status_code == 302
    page = client.get(login_url(bilingual)).content.decode()
    assert '<html lang="es"' in page and "¿Olvidó su contraseña?" in page


def test_translated_page_content_is_shown_when_live(bilingual, client):
    login = bilingual.login_page
    spanish = Locale.objects.get(language_code="es")
    translated = login.copy_for_translation(spanish, copy_parents=True).specific
    translated.headline = "Inicie sesión en Acme"
    translated.save_revision()  # a draft: not shown yet
    client.cookies[COOKIE] = "es"
    assert "Inicie sesión en Acme" not in client.get(login.url).content.decode()
    translated.get_latest_revision().publish()
    page = client.get(login.url).content.decode()
    assert "Inicie sesión en Acme" in page and "Sign in to Acme" not in page
    # the URL stays /<slug>/login/ and the default language keeps its own content
    client.cookies[COOKIE] = "en"
    page = client.get(login.url).content.decode()
    assert "Sign in to Acme" in page and "Inicie sesión en Acme" not in page
    # the translated home page carries no tenant; the portal is still routed through the default tree
    assert translated.get_parent().specific.tenant_id is None
    assert client.get(bilingual.url + "help/").status_code == 200


def test_email_in_the_recipients_language(bilingual):
    spanish_user = UserFactory(email="ana@example.com", first_name="Ana", language="es")
    english_user = UserFactory(email="bob@example.com", first_name="Bob", language="en")
    context = {"user": spanish_user, "link": "https://example.com/x", "days": 3}
    send_branded_email(
        tenant=bilingual.tenant, to=[spanish_user.email, english_user.email], template="password_reset", context=context
    )
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 2
    es = by_recipient["ana@example.com"]
    assert es.subject.startswith("Elija una contraseña nueva para el portal de clientes de")
    assert "Hola, Ana:" in es.body and "vence a los 3 días" in es.body
    assert 'lang="es"' in es.alternatives[0][0]
    assert by_recipient["bob@example.com"].subject.startswith("Choose a new password for the")


def test_spanish_user_gets_english_email_where_the_tenant_offers_only_english(portal_a):
    user = UserFactory(email="ana@example.com", language="es")
    send_branded_email(
        tenant=portal_a.tenant, to=[user.email], template="password_reset", context={"user": user, "days": 3}
    )
    assert mail.outbox[0].subject.startswith("Choose a new password")


def test_money_and_dates_per_language():
    amount = Decimal("6100")
    with translation.override("en"):
        assert format_money(amount, "USD") == "$6,100.00"
        assert Template('{% load portal_tags %}{{ a|money:"EUR" }}').render(Context({"a": amount})) == "€6,100.00"
    with translation.override("es"):
        assert format_money(amount, "USD") == "6.100,00\xa0US$"
        assert format_money(Decimal("-12.5"), "EUR") == "-12,50\xa0€"
        assert format_money(Decimal("1234"), "JPY") == "1.234\xa0JPY"
        rendered = Template('{{ d|date:"SHORT_DATE_FORMAT" }} · {{ d|date:"DATE_FORMAT" }}').render(
            Context({"d": __import__("datetime").date(2022, 8, 26)})
        )
        assert rendered == "26/08/2022 · 26 de agosto de 2022"
    assert format_money(amount, "USD", language="es") == "6.100,00\xa0US$"


def test_marketing_translates_its_portal_and_edits_the_translation(bilingual, portal_b, client):
    """A tenant's marketing group may translate its portal (Wagtail's Translate action) and then edit and publish
    the Spanish pages; another tenant's Spanish pages stay out of its reach."""
    from django.urls import reverse

    from portal_models.models import StaffRole, TenantStaffGroup

    spanish = Locale.objects.get(language_code="es")
    bilingual.get_parent().copy_for_translation(spanish)  # once per locale: the portal directory
    marketer = UserFactory(is_staff=True)
    marketer.groups.add(TenantStaffGroup.objects.get(tenant=bilingual.tenant, role=StaffRole.MARKETING).group)
    client.force_login(marketer)
    url = reverse("simple_translation:submit_page_translation", args=[bilingual.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"locales": [spanish.pk], "include_subtree": "on"})
    assert response.status_code == 302
    home_es = bilingual.get_translation(spanish)
    login_es = bilingual.login_page.get_translation(spanish)
    for page in (home_es, login_es):
        assert client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).status_code == 200
        assert page.permissions_for_user(marketer).can_publish()
    other_es = portal_b.copy_for_translation(spanish)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[other_es.pk])).status_code != 200
    assert not other_es.permissions_for_user(marketer).can_edit()
