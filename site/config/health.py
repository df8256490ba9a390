"""Liveness and readiness for load balancers: the database, the file storage and the cache must answer."""

import logging
import uuid

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # any driver error means "not ready"
        logger.exception("health check: database unreachable")
        checks["database"] = "error"
    try:
        default_storage.exists("healthz-probe")
        checks["storage"] = "ok"
    except Exception:
        logger.exception("health check: storage unreachable")
        checks["storage"] = "error"
    try:
        probe = f"healthz-probe:{uuid.uuid4().hex}"  # one key per check: app servers probe at the same time
        cache.add(probe, 1, 10)  # add, not set: it raises when the cache does not answer (set degrades)
        checks["cache"] = "ok" if cache.get(probe) == 1 else "error"
        cache.delete(probe)
    except Exception:  # Redis stopped: pages degrade to cache misses, but this server is not healthy
        logger.exception("health check: cache unreachable")
        checks["cache"] = "error"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
