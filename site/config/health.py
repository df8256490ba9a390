"""Liveness and readiness for load balancers: the database and the file storage must answer."""

import logging

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
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
