"""Forms of the identity screens: sign in, passwords, registration, forgot password, system access."""

from captcha.conf import settings as captcha_settings
from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _
from two_factor.plugins.phonenumber.forms import PhoneNumberForm

from portal_models import access
from portal_models.models import SecurityEventType
from portal_models.phones import phone_e164
from portal_models.services.audit import security_event_record


def _autocomplete(form):
    """Password managers' hints; the rules are listed once, in the screen's rules box the new password points to."""
    for name in ("new_password1", "new_password2"):
        if name in form.fields:
            form.fields[name].widget.attrs["autocomplete"] = "new-password"
    if "new_password1" in form.fields:
        form.fields["new_password1"].help_text = ""
        form.fields["new_password1"].widget.attrs["aria-describedby"] = "password-rules"
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


class ConfirmPasswordForm(forms.Form):
    """The password of a known user, to prove it is them (accepting an invitation, turning two-factor off)."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if authenticate(self.request, username=self.user.email, password=password) is None:
            raise forms.ValidationError(_("That is not your password."))
        return password


class ConfirmIdentityForm(forms.Form):
    """Before turning two-factor off or replacing backup codes: the password, or a current code (app, phone,
    email or backup code)."""

    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Or a current sign-in code"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = user

    def clean(self):
        from django_otp import match_token

        password = self.cleaned_data.get("password")
        code = (self.cleaned_data.get("code") or "").strip()
        if password:
            if authenticate(self.request, username=self.user.email, password=password) is None:
                self.add_error("password", _("That is not your password."))
        elif code:
            if match_token(self.user, code) is None:
                self.add_error("code", _("That code is wrong or has expired."))
        else:
            self.add_error("password", _("Enter your password or a current code to confirm it is you."))
        return self.cleaned_data


class AccessibleCaptchaInput(CaptchaTextInput):
    """django-simple-captcha's widget with an alternative to the image: the code read aloud (flite, when
    CAPTCHA_FLITE_PATH is set) as a player and a link, the image at its size, and valid HTML (the hidden key carries
    no required, autocomplete or aria attributes)."""

    template_name = "theme/forms/captcha.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["width"], context["height"] = captcha_settings.CAPTCHA_IMAGE_SIZE
        key, answer = context["widget"]["subwidgets"]
        key["attrs"] = {"id": key["attrs"].get("id")}
        answer["attrs"]["aria-describedby"] = "captcha-help"
        return context


class RegistrationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    company = forms.CharField(label=_("Company"), max_length=200)
    captcha = CaptchaField(
        label=_("Type the code you see or hear"),
        widget=AccessibleCaptchaInput(),
        help_text=_("Five letters. Cannot read them? Play the code as audio, or generate a new image."),
    )

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


class PortalAuthenticationForm(AuthenticationForm):
    """Email and password, accepted only for contacts with login rights at this portal's tenant.

    Anyone else gets exactly the error of a wrong password, so the form tells nothing
    about which accounts exist where.
    """

    error_messages = {
        "invalid_login": _("Please enter a correct email and password. Both may be case-sensitive."),
        "inactive": _("Please enter a correct email and password. Both may be case-sensitive."),
    }

    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        tenant = getattr(self.request, "portal_tenant", None)
        if tenant is None or not access.can_sign_in(user=user, tenant=tenant):
            security_event_record(
                event=SecurityEventType.SIGN_IN_FAILED,
                request=self.request,
                user=user,
                details={"reason": "no_login_rights_on_this_portal"},
            )
            raise self.get_invalid_login_error()


class PhoneSetupForm(PhoneNumberForm):
    """The phone of an SMS or voice sign-in method, typed as people write it (``1(520)360-7987``,
    ``+1 520 360 7987``, ``520-360-7987``) and read in the tenant's region; kept in E.164."""

    number = forms.CharField(
        label=_("Mobile phone number"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        portal = getattr(request, "portal", None)
        self.region = portal.tenant.phone_region if portal is not None else None
        if self.region:
            self.fields["number"].help_text = _("Without a country code, a number in %(region)s.") % {
                "region": self.region
            }

    def clean_number(self):
        return phone_e164(self.cleaned_data["number"], region=self.region)
