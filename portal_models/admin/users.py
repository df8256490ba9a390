"""Staff users in the Wagtail admin, by invitation: the add form has no password (the new staff member chooses it
from the emailed one-time link), the edit form neither; giving a user admin access sends the invitation at once
(services.staff). Registered as Wagtail's users viewset by ``PortalUsersAppConfig`` (admin/users_app.py)."""

from django.contrib import messages
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import CreateView, EditView, UserViewSet

from portal_models.models import User
from portal_models.services import identity, staff


class StaffUserCreationForm(UserCreationForm):
    """No password fields: the new user gets a one-time link to choose theirs."""

    password_enabled = False
    password_required = False


class StaffUserEditForm(UserEditForm):
    password_enabled = False
    password_required = False


class StaffUserCreateView(CreateView):
    def save_instance(self):
        user = self.form.save(commit=False)
        user.set_unusable_password()
        user.save()
        self.form.save_m2m()
        return user

    def form_valid(self, form):
        response = super().form_valid(form)
        try:
            staff.staff_invite(user=self.object, invited_by=self.request.user)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
        else:
            if staff.user_has_admin_access(self.object):
                messages.success(
                    self.request,
                    _("We emailed %(email)s a link to choose their password.") % {"email": self.object.email},
                )
        return response


class StaffUserEditView(EditView):
    def form_valid(self, form):
        had_access = staff.user_has_admin_access(User.objects.get(pk=self.object.pk))
        response = super().form_valid(form)
        user = User.objects.get(pk=self.object.pk)
        if not had_access and staff.user_has_admin_access(user):
            try:
                staff.staff_invite(user=user, invited_by=self.request.user)
            except ValidationError as error:
                messages.error(self.request, " ".join(error.messages))
            else:
                messages.success(self.request, _("We emailed %(email)s their invitation.") % {"email": user.email})
        return response


class StaffUserViewSet(UserViewSet):
    add_view_class = StaffUserCreateView
    edit_view_class = StaffUserEditView

    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm


def _user_of_link(uidb64: str, token: str) -> User | None:
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    if not user.is_active or not identity.set_password_tokens.check_token(user, token):
        return None
    return user


@never_cache
def staff_set_password(request, uidb64, token):
    """The one-time link of a staff invitation: choose a password, then sign in (two-factor enrolment follows)."""
    template = "portal_models/admin/staff/set_password.html"
    user = _user_of_link(uidb64, token)
    if user is None:
        return TemplateResponse(request, template, {"form": None}, status=404)
    form = SetPasswordForm(user, request.POST or None)
    for name in ("new_password1", "new_password2"):
        form.fields[name].widget.attrs["autocomplete"] = "new-password"
    if request.method == "POST" and form.is_valid():
        identity.user_set_password(user=user, password=form.cleaned_data["new_password1"], from_link=True)
        messages.success(request, _("Your password is set. Sign in with your email and new password."))
        return redirect("two_factor:login")
    return TemplateResponse(
        request,
        template,
        {"form": form, "link_user": user, "password_rules": password_validation.password_validators_help_texts()},
        status=400 if form.errors else 200,
    )
