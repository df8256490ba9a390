"""Every customer-facing string is translatable and translated.

1. ``makemessages -l es`` run on a temporary copy of the project must find no msgid that the committed
   Spanish catalogue (locale/es/LC_MESSAGES/django.po) lacks or leaves untranslated / fuzzy, and the
   committed .mo must carry the same translations (so runtime needs no gettext tools).
2. Customer templates have no bare text outside {% translate %} / {% blocktranslate %}: Django's template
   Lexer finds the TEXT tokens; tags, <script>/<style> and comments are removed, and the words left
   (plus aria-label / title / placeholder / alt attribute values) must be none.
"""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
SOURCES = ["manage.py", "portal_models", "portal_pages", "portal_api", "theme", "site"]
IGNORE = ["*/tests/*", "*/migrations/*", "test-artifacts/*", "media/*", "staticfiles/*"]
CUSTOMER_TEMPLATES = [
    "theme/templates/theme/base.html",
    "theme/templates/theme/blocks",
    "theme/templates/theme/email",
    "theme/templates/theme/emails",
    "theme/templates/theme/forms",
    "theme/templates/theme/portal",
    "theme/templates/two_factor",
]


def _key(message):
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(strings) and all(s.strip() for s in strings) and "fuzzy" not in message.flags


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The msgids makemessages finds today, extracted into a throw-away copy of the project."""
    if not shutil.which("xgettext") or not shutil.which("msgfmt"):
        pytest.fail("GNU gettext (xgettext, msgfmt) is needed: apt-get install gettext")
    copy = tmp_path_factory.mktemp("project")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        else:
            shutil.copy(source, copy / name)
    (copy / "locale").mkdir()
    command = [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete", "--no-location"]
    command += [f"--ignore={pattern}" for pattern in IGNORE]
    subprocess.run(command, cwd=copy, check=True, capture_output=True, text=True)
    with open(copy / "locale" / "es" / "LC_MESSAGES" / "django.po", "rb") as f:
        return [m for m in read_po(f) if m.id]


@pytest.fixture(scope="module")
def committed():
    with open(CATALOGUE, "rb") as f:
        return {_key(m): m for m in read_po(f) if m.id}


def test_every_extracted_msgid_is_in_the_spanish_catalogue_and_translated(extracted, committed):
    assert len(extracted) > 700
    missing = [m.id for m in extracted if _key(m) not in committed]
    assert not missing, f"msgids missing from {CATALOGUE.relative_to(ROOT)} (run makemessages -l es): {missing}"
    untranslated = [m.id for m in extracted if not _translated(committed[_key(m)])]
    assert not untranslated, f"untranslated or fuzzy msgids: {untranslated}"


def test_catalogue_has_no_fuzzy_or_empty_entries_and_placeholders_match(committed):
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for key, message in committed.items():
        assert _translated(message), key
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        assert set(placeholder.findall(ids[-1])) == set(placeholder.findall(strings[-1])), key


def test_compiled_catalogue_matches_the_po_file(committed):
    with open(COMPILED, "rb") as f:
        mo = gettext.GNUTranslations(f)
    for (context, msgid), message in committed.items():
        if isinstance(msgid, tuple):
            got = mo.npgettext(context, *msgid, 2) if context else mo.ngettext(*msgid, 2)
            assert got == message.string[1], msgid
        else:
            got = mo.pgettext(context, msgid) if context else mo.gettext(msgid)
            assert got == message.string, f"{msgid!r}: the .mo is stale — run compilemessages -l es"


# --- bare text in customer templates --------------------------------------------------------------

SKIP_OPEN = {"blocktrans", "blocktranslate", "comment", "verbatim"}
SKIP_CLOSE = {"endblocktrans", "endblocktranslate", "endcomment", "endverbatim"}
NON_TEXT_BLOCKS = {"body_class", "extra_head", "extra_js"}
READABLE_ATTRIBUTES = re.compile(r'\b(aria-label|title|placeholder|alt)\s*=\s*"([^"]*)"', re.I)


def bare_text(source: str, *, html: bool) -> list[str]:
    """Words a template shows outside translate tags."""
    parts, skip, non_text = [], 0, False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            bits = token.contents.split()
            name = bits[0] if bits else ""
            if name in SKIP_OPEN:
                skip += 1
            elif name in SKIP_CLOSE:
                skip -= 1
            elif name == "block" and len(bits) > 1 and bits[1] in NON_TEXT_BLOCKS:
                non_text = True
            elif name == "endblock":
                non_text = False
            parts.append("\x00")
        elif token.token_type == TokenType.TEXT and not skip and not non_text:
            parts.append(token.contents)
        else:
            parts.append("\x00")  # variables, comments and translated text
    text = "".join(parts)
    if html:
        text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
        text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.S | re.I)
        text = re.sub(r"<!DOCTYPE[^>]*>", " ", text, flags=re.I)
        text = re.sub(
            r"<[^>]*>", lambda m: " ".join(a.group(2) for a in READABLE_ATTRIBUTES.finditer(m.group(0))) or " ", text
        )
        text = re.sub(r"&[#a-zA-Z0-9]+;", " ", text)
    return [" ".join(chunk.split()) for chunk in re.split(r"\x00+", text) if re.search(r"[A-Za-z]{2,}", chunk)]


def customer_templates() -> list[Path]:
    files = []
    for entry in CUSTOMER_TEMPLATES:
        path = ROOT / entry
        files += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in (".html", ".txt"))
    return files


def test_the_bare_text_check_finds_untranslated_words():
    assert bare_text('<p>{% trans "Paid" %}</p><button aria-label="{% trans \'Close\' %}">×</button>', html=True) == []
    assert bare_text("<p>{% blocktrans %}Hello {{ name }}{% endblocktrans %}</p>", html=True) == []
    assert bare_text("<script>const label = 'Paid';</script><b>{{ value }}</b>", html=True) == []
    assert bare_text('<p class="muted">Balance due</p>', html=True) == ["Balance due"]
    assert bare_text('<input placeholder="Search">', html=True) == ["Search"]
    assert bare_text("{% if x %}Invoice {{ n }}{% endif %}", html=False) == ["Invoice"]


def test_customer_templates_have_no_untranslated_text():
    files = customer_templates()
    assert len(files) > 80
    found = {
        str(path.relative_to(ROOT)): words
        for path in files
        if (words := bare_text(path.read_text(), html=path.suffix == ".html"))
    }
    assert not found, f"wrap these in {{% translate %}} / {{% blocktranslate %}}: {found}"
