"""What every endpoint of ``/api/v1/`` shares: key authentication, scopes, the per-key rate limit, cursor
pagination, the tenant scoping of ``staff_access.staff_scope``, and for writes one transaction with their audit
event, behind an ``Idempotency-Key`` for every POST."""

from __future__ import annotations

import json

from django.db import transaction
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from portal_models.models import SecurityEventType
from portal_models.services.audit import security_event_record
from portal_models.services.idempotency import MAX_KEY_LENGTH, idempotent_call, request_fingerprint
from portal_models.staff_access import staff_scope

from .authentication import ApiKeyAuthentication
from .exceptions import api_exception_handler
from .pagination import SyncCursorPagination
from .permissions import HasScope
from .throttling import ApiKeyRateThrottle

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per intended write (e.g. a UUID, or the ERP's record key and version). A retry with "
    "the same key and body returns the first response (header Idempotent-Replayed: true) and writes nothing again.",
)
WRITE_METHODS = ("post", "put", "patch", "delete")


class SyncFilterSet(filters.FilterSet):
    updated_since = filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after (ISO 8601)"
    )
    external_id = filters.CharFilter(field_name="external_id", label="The ERP's key")


class ApiViewSet(viewsets.GenericViewSet):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiKeyRateThrottle]
    pagination_class = SyncCursorPagination
    renderer_classes = [JSONRenderer]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SyncFilterSet
    # The scope a write of this endpoint needs (None: no writes).
    write_scope: str | None = None

    def get_exception_handler(self):
        return api_exception_handler

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        """The records of the key's tenant only, through the admin's one scoping function."""
        return staff_scope(user=self.request.user, queryset=self.base_queryset())

    @property
    def tenant(self):
        return self.request.user.tenant

    # --- writes -------------------------------------------------------------------------------------------------

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        method = request.method.lower()
        if method in WRITE_METHODS and hasattr(self, method):
            setattr(self, method, self._write(getattr(self, method)))

    def _write(self, handler):
        def run(request, *args, **kwargs):
            if request.method != "POST":
                with transaction.atomic():
                    status_code, data = self._audited(handler, request, *args, **kwargs)
                return Response(data, status=status_code)
            key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
            if not key or len(key) > MAX_KEY_LENGTH:
                raise exceptions.ValidationError(
                    {
                        IDEMPOTENCY_HEADER: [
                            _("Send an Idempotency-Key header (at most 255 characters) with every POST.")
                        ]
                    }
                )
            answer = idempotent_call(
                api_key=request.user,
                key=key,
                fingerprint=request_fingerprint(method="POST", path=request.path, payload=_payload(request)),
                path=request.path,
                call=lambda: self._audited(handler, request, *args, **kwargs),
            )
            response = Response(answer.data, status=answer.status_code)
            if answer.replayed:
                response["Idempotent-Replayed"] = "true"
            return response

        return run

    def _audited(self, handler, request, *args, **kwargs) -> tuple[int, object]:
        response = handler(request, *args, **kwargs)
        data = json.loads(JSONRenderer().render(response.data) or b"null")
        if 200 <= response.status_code < 300:
            key = request.user
            security_event_record(
                event=SecurityEventType.API_WRITE,
                request=request._request,
                tenant=key.tenant,
                details={
                    "api_key_id": key.pk,
                    "api_key": key.name,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "id": data.get("id") if isinstance(data, dict) else None,
                    "external_id": data.get("external_id", "") if isinstance(data, dict) else "",
                },
            )
        return response.status_code, data


def _payload(request) -> object:
    """The body as JSON-able data, uploaded files by name, size and content type (for the fingerprint)."""
    data = request.data
    if hasattr(data, "lists"):  # form or multipart
        fields = {key: values for key, values in data.lists() if key not in request.FILES}
        files = {
            key: [[f.name, f.size, getattr(f, "content_type", "")] for f in request.FILES.getlist(key)]
            for key in request.FILES
        }
        return {"fields": fields, "files": files}
    return data
