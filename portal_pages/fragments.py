"""Cached HTML of signed-in pages that still carries per-request values.

A cached header or page may hold forms and an inline ``<style>``: the CSRF token, the CSP nonce and the current
path ("come back here" fields) differ on every request and must never be served to anyone else. They are rendered
as *holes*, placeholders derived from SECRET_KEY (the same in every worker, unguessable, so no customer can type
one into a name that ends up in the cache), and :func:`fill` puts each request's own values in.

What a cached block shows must be covered by its key: ``caching.fragment_key`` (the account's and tenant's data,
rights, page, language, day) and ``caching.header_key`` (branding and URLs, the user, their companies, the screen).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.html import escape

from portal_models import caching


@lru_cache
def hole(name: str) -> str:
    return "h" + salted_hmac("portal-fragment-hole", name).hexdigest()[:40]


def holes() -> dict:
    """Template context that renders the per-request values as holes (``{% csrf_token %}``, ``{{ next_path }}``,
    and the nonce of ``{% brand_style %}``)."""
    return {"csrf_token": hole("csrf"), "next_path": hole("next"), "csp_nonce": hole("nonce"), "holes_open": True}


def fill(html: str, request) -> str:
    """``html`` with the holes filled in with this request's values."""
    if (h := hole("csrf")) in html:
        html = html.replace(h, get_token(request))
    if (h := hole("nonce")) in html:
        html = html.replace(h, str(request.csp_nonce))  # read here, so django-csp puts it in this response's header
    if (h := hole("next")) in html:
        html = html.replace(h, escape(request.get_full_path()))
    return html


def page_cacheable(request) -> bool:
    """Whole signed-in pages are cached for plain GETs only: never when a message (a flash) is waiting to be shown."""
    return request.method == "GET" and not len(messages.get_messages(request))


def page_response(request, template: str, key_parts: tuple, context: Callable[[], dict]) -> HttpResponse:
    """A whole signed-in page from the cache (``key_parts`` must cover everything it shows), rendered from
    ``context()`` only when missing. The caller has run the access check and :func:`page_cacheable`."""
    key = "page:" + hashlib.sha256("\x1f".join(map(str, (template, *key_parts))).encode()).hexdigest()
    html = caching.cached(key, lambda: str(render_to_string(template, {**context(), **holes()}, request)))
    return HttpResponse(fill(html, request))
