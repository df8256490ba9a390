"""Benchmark: production settings plus the bench-only URLs (the bare floor view). Used only by `make bench`."""

import os

from .production import *  # noqa: F401,F403
from .production import BASE_DIR

ROOT_URLCONF = "config.urls_bench"

# The benchmark keeps its built files apart from the demo's.
_cache = os.environ.get("BENCH_CACHE_DIR")
if _cache:
    STATIC_ROOT = os.path.join(_cache, "static")
    MEDIA_ROOT = os.environ.get("BENCH_MEDIA_DIR") or os.path.join(_cache, "media")
else:  # pragma: no cover
    STATIC_ROOT = BASE_DIR / "bench" / ".cache" / "static"
    MEDIA_ROOT = BASE_DIR / "bench" / ".cache" / "media"

# gunicorn's access log would cost as much as some pages; the figures are wrk's.
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405

# Cold mode (bench/coldcache.py): a request with "X-Bench-Cold: 1" misses every page, fragment and account-data
# cache entry; routing, sessions and rate limits stay warm. The default cache's backend is wrapped as it is.
CACHES = {**CACHES}  # noqa: F405
_default = dict(CACHES["default"])
_default["BACKEND"] = {
    "django.core.cache.backends.locmem.LocMemCache": "bench.coldcache.ColdLocMemCache",
    "portal_models.caching.ResilientRedisCache": "bench.coldcache.ColdRedisCache",
}[_default["BACKEND"]]
CACHES["default"] = _default
MIDDLEWARE = ["bench.coldcache.ColdSwitchMiddleware", *MIDDLEWARE]  # noqa: F405

# The load generator is one client with one key: the integration API's per-key limit would answer 429.
PORTAL_API_RATE_LIMIT = (10**9, 60)
