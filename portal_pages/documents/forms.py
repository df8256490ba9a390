from django import forms
from django.utils.translation import gettext_lazy as _

from portal_models.models import UploadCategory
from portal_models.services.documents import ALLOWED_EXTENSIONS

ACCEPT = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)


class CustomerUploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=UploadCategory.choices, initial=UploadCategory.OTHER)
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class RequirementUploadForm(forms.Form):
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
