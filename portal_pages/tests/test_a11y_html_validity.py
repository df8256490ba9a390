"""The Nu HTML checker (vnu.jar, https://validator.github.io/validator/) over the served HTML of every customer
screen: each signed-in route of PortalHomePage (a11y.customer_screens, so a new route is checked without a test
change), the signed-out screens and the registration form with its errors. One JVM start checks every page; 0
errors may remain, and no section without a heading.

vnu.jar comes from npm (`make vnu` installs the vnu-jar package into the git-ignored .tools/vnu/; VNU_JAR points
elsewhere) and runs on Debian's Java (`default-jre-headless`). `.ci/run` installs both and sets VNU_REQUIRED=1, so
in CI a missing checker fails the test instead of skipping it."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401

from . import a11y

pytestmark = pytest.mark.django_db

VNU_JAR = Path(
    os.environ.get("VNU_JAR", Path(settings.BASE_DIR) / ".tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar")
)


# Warnings that count as errors: a <section> is a region of the page's outline and needs its heading.
HEADING_WARNINGS = ("Section lacks heading",)


def vnu_command() -> list[str]:
    java = shutil.which("java")
    if java and VNU_JAR.is_file():
        return [java, "-Xss4m", "-jar", str(VNU_JAR)]
    reason = f"the Nu HTML checker needs Java and {VNU_JAR} (`make vnu`)"
    if os.environ.get("VNU_REQUIRED"):
        pytest.fail(reason)
    pytest.skip(reason)


def vnu_errors(pages: dict[str, bytes], folder: Path) -> list[str]:
    """Check every page in one run of vnu.jar; its errors (and HEADING_WARNINGS) as 'page: line N: message «…»'."""
    command = vnu_command()
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        path = folder / f"{number:03d}.html"
        path.write_bytes(html)
        files[path.name] = name
    result = subprocess.run(
        [*command, "--format", "json", *[str(folder / f) for f in files]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or "{}").get("messages", [])
    found = []
    for m in messages:
        error = m.get("type") in ("error", "non-document-error")
        if not error and not m.get("message", "").startswith(HEADING_WARNINGS):
            continue
        url = m.get("url") or ""
        name = files.get(url.rsplit("/", 1)[-1], url)
        extract = " ".join((m.get("extract") or "").split())[:120]
        found.append(f"{name}: line {m.get('lastLine')}: {m.get('message')} « {extract} »")
    return found


def served_html(client: Client, name: str, path: str) -> bytes:
    response = client.get(path, follow=True)
    expected = (404,) if name.startswith("404") else (200, 404) if name.startswith("set_password") else (200,)
    assert response.status_code in expected, f"{name} {path}: {response.status_code}"
    assert response["Content-Type"].startswith("text/html"), name
    return response.content


def test_every_customer_screen_has_no_html_errors(portal_a, localstripe, tmp_path):  # noqa: F811
    data = a11y.build_tenant(portal_a)
    pages = {}

    anonymous = Client()
    for name, path in a11y.anonymous_screens(data):
        pages[f"{name} (signed out)"] = served_html(anonymous, name, path)
    # the registration form with every field's error shown
    response = anonymous.post(data.registration.url, {"email": "not-an-email", "captcha_0": "x", "captcha_1": ""})
    assert response.status_code == 400
    pages["register (errors)"] = response.content

    signed_in = Client()
    signed_in.force_login(data.contact.user)
    for name, path in a11y.customer_screens(data):
        if name.endswith(("_export", "_pdf")):
            continue  # downloads (a new one may not be listed in a11y.NOT_SCANNED_SIGNED_IN yet)
        pages[name] = served_html(signed_in, name, path)

    assert len(pages) > 40
    errors = vnu_errors(pages, tmp_path)
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
