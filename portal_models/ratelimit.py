"""Fixed-window rate limits on Django's cache (shared across app servers when the cache is Redis)."""

import hashlib
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


class RateLimited(Exception):
    """Too many attempts from this address or for this email; try again later."""


def hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one attempt; True while the count within ``window`` seconds stays within ``limit``.

    Fails closed: when the cache does not answer (Redis stopped), no attempt can be counted, so none is allowed
    (sign-in, registration and password resets wait for the cache rather than go unlimited)."""
    digest = hashlib.sha256(f"{scope}:{key}".lower().encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}"
    try:
        cache.add(cache_key, 0, timeout=window)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window)
            count = 1
    except Exception:  # the cache's client errors (redis.ConnectionError, timeouts): not counted, not allowed
        logger.exception("rate limit %s: the cache does not answer; attempt refused", scope)
        return False
    return count <= limit


def check(*, scope: str, limits: list[tuple[str, int, int]]) -> None:
    """Count one attempt against every (key, limit, window); raise RateLimited when one is exceeded."""
    allowed = [hit(scope=scope, key=key, limit=limit, window=window) for key, limit, window in limits if key]
    if not all(allowed):
        raise RateLimited
