"""Errors of the API as JSON: Django's ValidationError (raised by the services) is a 400 with field errors, like
DRF's own; ``Http404`` stays a 404 without details."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler

from portal_models.services.idempotency import IdempotencyKeyReused


def _messages(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): [str(m) for e in errors for m in e.messages]
            for field, errors in error.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_messages(exc))
    elif isinstance(exc, IdempotencyKeyReused):
        exc = exceptions.ValidationError(
            {"Idempotency-Key": [_("This key was used for a different request. Use a new key for a new request.")]}
        )
    return exception_handler(exc, context)
