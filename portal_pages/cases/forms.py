"""Customer forms of the case page: a note, a document upload."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal_models.services.cases import ALLOWED_UPLOADS, NOTE_MAX_LENGTH


class CaseNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Add a note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Write a message to the case team…")}),
    )
    internal = forms.BooleanField(
        label=_("Internal note (only roles allowed internal notes see it)"),
        required=False,
    )

    def __init__(self, *args, internal_allowed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not internal_allowed:  # the choice is offered only to who may read internal notes
            del self.fields["internal"]


class CaseDocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, Excel, images, text or CSV, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_UPLOADS)}),
    )
