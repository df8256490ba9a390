"""Customer forms of the ticket screens. Validation messages appear next to their field."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from portal_models.models import TicketCategory, TicketSeverity
from portal_models.models.tickets import ATTACHMENT_EXTENSIONS, attachment_max_bytes, validate_ticket_attachment
from portal_models.services.tickets import SUBJECT_MAX_LENGTH, TEXT_MAX_LENGTH
from portal_models.text import single_line


class TicketOpenForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX_LENGTH,
        error_messages={"required": _("Please enter a subject.")},
        widget=forms.TextInput(attrs={"placeholder": _("A short summary of the request")}),
    )
    category = forms.ChoiceField(label=_("Category"), choices=TicketCategory.choices, initial=TicketCategory.QUESTION)
    severity = forms.TypedChoiceField(
        label=_("Severity"), choices=TicketSeverity.choices, coerce=int, initial=TicketSeverity.NORMAL
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=TEXT_MAX_LENGTH,
        error_messages={"required": _("Please describe the request.")},
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("What happened, what did you expect, and when?")}),
    )

    def clean_subject(self):
        value = single_line(self.cleaned_data["subject"])
        if not value:
            raise forms.ValidationError(_("Please enter a subject."))
        return value


def _attachment_help() -> str:
    return _("Up to %(limit)s. Allowed: %(types)s.") % {
        "limit": filesizeformat(attachment_max_bytes()),
        "types": ", ".join(ATTACHMENT_EXTENSIONS),
    }


class TicketNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Add a note"),
        max_length=TEXT_MAX_LENGTH,
        error_messages={"required": _("Please write a note.")},
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("Write a note for our team")}),
    )
    attachment = forms.FileField(label=_("Attachment"), required=False, validators=[validate_ticket_attachment])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].help_text = _attachment_help()
        accept = ",".join(f".{ext}" for ext in ATTACHMENT_EXTENSIONS)
        self.fields["attachment"].widget.attrs["accept"] = accept


class TicketReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you reopening it?"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Optional")}),
    )
