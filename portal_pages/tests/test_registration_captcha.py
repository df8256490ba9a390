"""Registration's image code has an accessible alternative: the code read aloud (django-simple-captcha with
Debian's flite), a player and a link next to a larger, sized image, a label on the answer, the help text it refers
to, and a refresh that renews image and audio (checked in Chromium)."""

import shutil

import pytest
from bs4 import BeautifulSoup
from captcha.models import CaptchaStore

from .test_identity import add_registration_page

pytestmark = pytest.mark.django_db

needs_flite = pytest.mark.skipif(not shutil.which("flite"), reason="Debian's flite reads the code aloud")


def captcha_field(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one(".captcha-field")


@needs_flite
def test_the_code_is_offered_as_audio_next_to_a_sized_image(client, portal_a):
    field = captcha_field(client, add_registration_page(portal_a))
    image = field.select_one("img.captcha")
    assert (image["width"], image["height"]) == ("240", "80")  # no layout shift, larger than the library's
    assert image["alt"] and image["alt"] != "captcha"
    audio, link = field.select_one("audio[controls]"), field.select_one("a[data-captcha-audio-link]")
    assert audio["src"] == link["href"] and link["href"].endswith(".wav")
    assert audio["preload"] == "none"  # nothing is generated until asked for
    answer = field.select_one("input[type=text]")
    assert field.select_one("label")["for"] == answer["id"]
    assert answer["aria-describedby"] == "captcha-help" and field.select_one("#captcha-help").get_text(strip=True)
    key = field.select_one("input[type=hidden]")
    assert set(key.attrs) == {"type", "name", "value", "id"}  # no required/autocomplete/aria on a hidden input

    response = client.get(link["href"])
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"RIFF" and len(body) > 10_000  # five letters, spoken


@needs_flite
def test_the_audio_of_an_unknown_or_expired_code_is_gone(client, portal_a):
    add_registration_page(portal_a)
    assert client.get("/captcha/audio/" + "0" * 40 + ".wav").status_code == 410


def test_errors_stay_next_to_the_field_and_keep_the_alternative(client, portal_a):
    page = add_registration_page(portal_a)
    captcha_field(client, page)
    key = CaptchaStore.objects.latest("pk").hashkey
    response = client.post(page.url, {"first_name": "A", "captcha_0": key, "captcha_1": ""})
    assert response.status_code == 400
    field = BeautifulSoup(response.content, "html.parser").select_one(".captcha-field")
    assert "field--error" in field["class"] and field.select_one("[role=alert]")
    assert field.select_one("input[type=text]")["aria-invalid"] == "true"
    assert "aria-invalid" not in field.select_one("input[type=hidden]").attrs
