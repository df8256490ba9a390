"""Rate limit per API key on the shared cache (``portal_models.ratelimit``: fails closed without the cache)."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from portal_models import ratelimit

DEFAULT_RATE = (600, 60)  # requests per window of seconds


class ApiKeyRateThrottle(BaseThrottle):
    def _rate(self) -> tuple[int, int]:
        return tuple(getattr(settings, "PORTAL_API_RATE_LIMIT", DEFAULT_RATE))

    def allow_request(self, request, view):
        key = request.user
        limit, window = self._rate()
        return ratelimit.hit(scope="api", key=str(key.pk), limit=limit, window=window)

    def wait(self):
        return self._rate()[1]
