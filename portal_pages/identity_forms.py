"""Forms of the identity screens: passwords, registration, forgot password, system access."""

from captcha.fields import CaptchaField
from django import forms
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _


def _autocomplete(form):
    for name in ("new_password1", "new_password2"):
        if name in form.fields:
            form.fields[name].widget.attrs["autocomplete"] = "new-password"
    if "old_password" in form.fields:
        form.fields["old_password"].widget.attrs["autocomplete"] = "current-password"


class NewPasswordForm(SetPasswordForm):
    """Choose a new password (temporary password, invitation or reset link). Lists the rules."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        _autocomplete(self)

    def save(self, commit=True):  # the service saves; the form only validates
        raise NotImplementedError("Use portal_models.services.identity.user_set_password")


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        _autocomplete(self)

    def save(self, commit=True):
        raise NotImplementedError("Use portal_models.services.identity.user_set_password")


class RegistrationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    company = forms.CharField(label=_("Company"), max_length=200)
    captcha = CaptchaField(label=_("Type the code from the image"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["company"].widget.attrs["autocomplete"] = "organization"


class VerificationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class ForgotPasswordForm(forms.Form):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class GrantLoginForm(forms.Form):
    contact = forms.TypedChoiceField(label=_("Contact"), coerce=int, choices=())

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", _("— Please select —"))] + [
            (c.pk, f"{c.full_name} <{c.email}>") for c in contacts
        ]
