"""File storage failures (S3 unreachable, access refused, disk full) become a clear message for the
customer instead of a server error. The file is stored before its database row is written (FileField
pre_save), so a storage failure leaves no row behind; inside a transaction everything is rolled back."""

import logging
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    except ImportError:  # boto3 is only needed with S3 storage
        pass
    return tuple(errors)


STORAGE_ERRORS = _storage_errors()


def storage_unavailable_message() -> str:
    return _("We could not store your file right now. Nothing was saved; please try again in a few minutes.")


@contextmanager
def storage_guard(field: str = "file"):
    """Run a write that stores a file; a storage failure raises ValidationError on ``field``.

    The write runs in its own savepoint, so that a failure leaves the surrounding transaction usable.
    """
    try:
        with transaction.atomic():
            yield
    except STORAGE_ERRORS as exc:
        logger.error("File storage failed: %s", exc)
        raise ValidationError({field: storage_unavailable_message()}, code="storage_unavailable") from exc
