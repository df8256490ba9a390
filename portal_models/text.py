"""Bounds and sanitising of user text before it is stored or put into an email.

A subject is one line: every line break, tab or other control or separator character becomes one space, and it
is cut to its bound. Email headers are only ever built through :func:`header_text`.
"""

from __future__ import annotations

import re
import unicodedata

# control characters (C0, DEL, C1) and the Unicode line/paragraph separators: never inside one line
_LINE_BREAKERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")
_SPACES = re.compile(r"\s+")

HEADER_MAX_LENGTH = 250


def single_line(value, max_length: int | None = None) -> str:
    """``value`` as one trimmed line, runs of white space collapsed, at most ``max_length`` characters."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = _LINE_BREAKERS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if max_length is not None and len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def header_text(value) -> str:
    """Text safe for an email header (a subject): one line, bounded."""
    return single_line(value, HEADER_MAX_LENGTH)
