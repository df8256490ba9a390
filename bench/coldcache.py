"""Cold mode for the benchmark: a request sent with ``X-Bench-Cold: 1`` gets no hit from the page, fragment and
account-data caches, while routing, sessions and rate limits stay warm (issue 29: "cold = no page or fragment
cache hit; routing and sessions may be warm").

Used only by ``config.settings.bench``: the default cache's backend is wrapped (LocMem or Redis, whichever the
production settings chose), and ``ColdSwitchMiddleware`` (first in the chain) sets the switch per request.
Nothing in the portal knows about it: every read of the default cache goes through ``get``/``get_many``, so
on a cold request every key outside WARM_PREFIXES is a miss and the page is computed, rendered and stored
exactly as on a real miss.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.core.cache.backends.locmem import LocMemCache

from portal_models.caching import ResilientRedisCache

COLD: ContextVar[bool] = ContextVar("bench_cold", default=False)
HEADER = "HTTP_X_BENCH_COLD"
# What may stay warm on a cold request: routing (sites, portal pages, tenants, restrictions, and Wagtail's own
# table of site root paths, which every page URL reads), sessions, limits.
WARM_PREFIXES = ("routing:", "wagtail_site_root_paths", "django.contrib.sessions.", "ratelimit", "rl:", "axes")
_MISS = object()


def _warm(key) -> bool:
    return isinstance(key, str) and key.startswith(WARM_PREFIXES)


class _ColdMixin:
    def get(self, key, default=None, version=None):
        if COLD.get() and not _warm(key):
            return default
        return super().get(key, default, version)

    def get_many(self, keys, version=None):
        if COLD.get():
            keys = [k for k in keys if _warm(k)]
        return super().get_many(keys, version) if keys else {}

    def has_key(self, key, version=None):
        if COLD.get() and not _warm(key):
            return False
        return super().has_key(key, version)


class ColdLocMemCache(_ColdMixin, LocMemCache):
    pass


class ColdRedisCache(_ColdMixin, ResilientRedisCache):
    pass


class ColdSwitchMiddleware:
    """``X-Bench-Cold: 1`` → this request reads no page, fragment or account-data cache entry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = COLD.set(request.META.get(HEADER) == "1")
        try:
            return self.get_response(request)
        finally:
            COLD.reset(token)
