"""Benchmark: production settings plus the bench-only URLs (the bare floor view). Used only by `make bench`."""

import os

from .production import *  # noqa: F401,F403
from .production import BASE_DIR

ROOT_URLCONF = "config.urls_bench"

# The benchmark keeps its built files apart from the demo's.
_cache = os.environ.get("BENCH_CACHE_DIR")
if _cache:
    STATIC_ROOT = os.path.join(_cache, "static")
    MEDIA_ROOT = os.path.join(_cache, "media")
else:  # pragma: no cover
    STATIC_ROOT = BASE_DIR / "bench" / ".cache" / "static"
    MEDIA_ROOT = BASE_DIR / "bench" / ".cache" / "media"

# gunicorn's access log would cost as much as some pages; the figures are wrk's.
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
