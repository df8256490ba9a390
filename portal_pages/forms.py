from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal_models import access
from portal_models.models import SecurityEventType
from portal_models.services.audit import security_event_record


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
