"""The admin's document form (``WAGTAILDOCS_DOCUMENT_FORM_BASE``): a document uploaded in the admin — one at a
time, several at once, or from a chooser — goes through the same rule as customers' uploads
(:func:`portal_models.services.documents.check_upload`: a plain name, an allowed extension, content that is what the
extension says, the size limit), so an ``.exe`` or a renamed file never reaches a portal's customers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from wagtail.documents.forms import BaseDocumentForm

from ..services.documents import check_upload


class PortalDocumentForm(BaseDocumentForm):
    def clean_file(self):
        file = self.cleaned_data.get("file")
        if isinstance(file, UploadedFile):  # a new file (editing a document without replacing it keeps its file)
            try:
                checked = check_upload(file=file)
            except ValidationError as error:
                raise ValidationError(error.messages, code=error.code) from error
            file.name = checked.name
        return file
