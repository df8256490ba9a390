"""Fixed-window rate limits on Django's cache (shared across app servers when the cache is Redis)."""

import hashlib

from django.core.cache import cache


class RateLimited(Exception):
    """Too many attempts from this address or for this email; try again later."""


def hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one attempt; True while the count within ``window`` seconds stays within ``limit``."""
    digest = hashlib.sha256(f"{scope}:{key}".lower().encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count <= limit


def check(*, scope: str, limits: list[tuple[str, int, int]]) -> None:
    """Count one attempt against every (key, limit, window); raise RateLimited when one is exceeded."""
    allowed = [hit(scope=scope, key=key, limit=limit, window=window) for key, limit, window in limits if key]
    if not all(allowed):
        raise RateLimited
