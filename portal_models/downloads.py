"""Send a private file after the access check: a signed, short-lived URL on S3, a streamed response otherwise."""

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseRedirect

SIGNED_URL_SECONDS = 60


def signed_url(field_file, *, filename: str, content_type: str = "") -> str | None:
    """A pre-signed URL (expiring within 60 s) when the file lives in S3; None for local storage."""
    storage = field_file.storage
    if not hasattr(storage, "bucket_name"):  # django-storages' S3Storage
        return None
    parameters = {"ResponseContentDisposition": f'attachment; filename="{filename}"'}
    if content_type:
        parameters["ResponseContentType"] = content_type
    return storage.url(field_file.name, parameters=parameters, expire=SIGNED_URL_SECONDS)


def file_download(field_file, *, filename: str, content_type: str = ""):
    url = signed_url(field_file, filename=filename, content_type=content_type)
    if url:
        return HttpResponseRedirect(url)
    return _streamed(field_file.open("rb"), filename=filename, content_type=content_type)


def stored_file_download(*, name: str, filename: str, content_type: str = "", storage=None):
    """:func:`file_download` of the file ``name`` of ``storage`` (the default storage) that no model field holds."""
    storage = storage or default_storage
    return file_download(_StoredFile(storage, name), filename=filename, content_type=content_type)


class _StoredFile:
    """What :func:`file_download` reads of a FieldFile: its storage, its name, and opening it."""

    def __init__(self, storage, name: str):
        self.storage, self.name = storage, name

    def open(self, mode: str = "rb"):
        return self.storage.open(self.name, mode)


def _streamed(handle, *, filename: str, content_type: str):
    response = FileResponse(handle, as_attachment=True, filename=filename)
    if content_type:
        response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
