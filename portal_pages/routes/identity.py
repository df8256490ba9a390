"""Identity screens of a portal: change password (user menu), forgot password, set-password links,
and the owner's System access settings."""

from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.contrib.routable_page.models import path

from portal_models import access, ratelimit
from portal_models.models import Contact
from portal_models.observability import client_ip
from portal_models.selectors.identity import system_access_contacts, user_from_set_password_link
from portal_models.services import identity

from ..identity_forms import ChangePasswordForm, ForgotPasswordForm, GrantLoginForm, NewPasswordForm
from .base import PortalRoutesBase, customer_route


def _backup_count(user) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user).count()


class IdentityRoutes(PortalRoutesBase):
    def render_auth(self, request, template: str, context: dict | None = None, *, status: int = 200):
        """An anonymous screen in the look of the tenant's sign-in page."""
        login_page = self.login_page
        base = {
            "page": login_page or self,
            "self": self,
            "portal_home": self,
            "tenant": self.tenant,
            "login_page": login_page,
            "login_url": login_page.get_url(request) if login_page else self.get_url(request),
            "forgot_url": self.route_url("password_forgot", request=request),
            "password_rules": password_validation.password_validators_help_texts(),
        }
        base.update(context or {})
        return TemplateResponse(request, template, base, status=status)

    # --- signed in -------------------------------------------------------------------------------

    @customer_route(r"^account/password/$", name="change_password")
    def change_password(self, request, portal):
        temporary = request.user.must_change_password
        form_class = NewPasswordForm if temporary else ChangePasswordForm
        form = form_class(request.user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            identity.user_set_password(user=request.user, password=form.cleaned_data["new_password1"])
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect(self.route_url("dashboard", request=request))
        return self.render_portal(
            request,
            "theme/portal/identity/change_password.html",
            {
                "form": form,
                "temporary": temporary,
                "password_rules": password_validation.password_validators_help_texts(),
            },
            status=400 if form.errors else 200,
        )

    @customer_route(r"^settings/access/$", name="system_access", nav="settings")
    def system_access(self, request, portal):
        portal.require(access.PortalPermission.MANAGE_CONTACTS)
        contacts = list(system_access_contacts(account=portal.account))
        grantable = [c for c in contacts if not c.can_login and c.email]
        form = GrantLoginForm(request.POST or None, contacts=grantable)
        if request.method == "POST":
            action = request.POST.get("action", "grant")
            if action == "disable_all":
                count = identity.account_disable_logins(
                    account=portal.account, keep=portal.contact, revoked_by=request.user
                )
                messages.success(request, _("Sign-in disabled for %(count)d contact(s).") % {"count": count})
                return redirect(self.route_url("system_access", request=request))
            if action == "revoke":
                contact = access.get_object_or_404(
                    Contact.objects.all(), portal=portal, pk=request.POST.get("contact"), can_login=True
                )
                if contact.pk == portal.contact.pk:
                    raise Http404("You cannot revoke your own login here.")
                identity.contact_revoke_login(contact=contact, revoked_by=request.user)
                messages.success(request, _("%(name)s can no longer sign in.") % {"name": contact.full_name})
                return redirect(self.route_url("system_access", request=request))
            if form.is_valid():
                contact = access.get_object_or_404(
                    Contact.objects.all(), portal=portal, pk=form.cleaned_data["contact"], can_login=False
                )
                try:
                    identity.contact_grant_login(contact=contact, invited_by=request.user)
                except ValidationError as error:
                    form.add_error("contact", error.message_dict.get("contact", error.messages))
                else:
                    messages.success(
                        request,
                        _("%(name)s can now sign in; we emailed them a link to choose a password.")
                        % {"name": contact.full_name},
                    )
                    return redirect(self.route_url("system_access", request=request))
        return self.render_portal(
            request,
            "theme/portal/identity/system_access.html",
            {"form": form, "contacts": contacts, "grantable": grantable},
            status=400 if form.errors else 200,
        )

    @customer_route(r"^account/two-factor/$", name="two_factor")
    def two_factor(self, request, portal):
        from django_otp import user_has_device
        from two_factor.utils import default_device

        from ..identity_views import PortalTwoFactorSetupView

        if request.method == "POST" and request.POST.get("action") in ("disable", "backup_codes"):
            if not user_has_device(request.user):
                return redirect(self.route_url("two_factor", request=request))
            if request.POST["action"] == "disable":
                if self.tenant.two_factor_policy == self.tenant.TwoFactorPolicy.REQUIRED:
                    messages.error(
                        request, _("%(tenant)s requires two-factor authentication.") % {"tenant": self.tenant}
                    )
                else:
                    identity.user_two_factor_disable(user=request.user)
                    messages.success(request, _("Two-factor authentication is off."))
                return redirect(self.route_url("two_factor", request=request))
            codes = identity.user_backup_codes_generate(user=request.user)
            return self.render_portal(
                request,
                "theme/portal/identity/two_factor.html",
                {"device": default_device(request.user), "codes": codes},
            )
        device = default_device(request.user)
        if device is None:
            return PortalTwoFactorSetupView.as_view(home=self)(request)
        return self.render_portal(
            request,
            "theme/portal/identity/two_factor.html",
            {"device": device, "enabled_now": "enabled" in request.GET, "backup_count": _backup_count(request.user)},
        )

    def two_factor_enrolment_redirect(self, request, route_name: str):
        """Users of a tenant that requires two-factor authentication must enrol before anything else."""
        from django_otp import user_has_device

        if route_name in ("two_factor", "change_password"):
            return None
        if self.tenant.two_factor_policy != self.tenant.TwoFactorPolicy.REQUIRED or user_has_device(request.user):
            return None
        messages.warning(
            request,
            _("%(tenant)s requires two-factor authentication. Please set it up to continue.") % {"tenant": self.tenant},
        )
        return redirect(self.route_url("two_factor", request=request))

    # --- anonymous -------------------------------------------------------------------------------

    @path("password/forgot/", name="password_forgot")
    def password_forgot(self, request):
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        form = ForgotPasswordForm(request.POST or None)
        context = {"form": form}
        if request.method == "POST" and form.is_valid():
            try:
                identity.password_reset_request(
                    tenant=self.tenant, email=form.cleaned_data["email"], ip_address=client_ip(request)
                )
            except ratelimit.RateLimited:
                return self.render_auth(
                    request, "theme/portal/identity/forgot_password.html", {**context, "limited": True}, status=429
                )
            context["sent"] = True
        return self.render_auth(request, "theme/portal/identity/forgot_password.html", context)

    @path("password/set/<uidb64>/<token>/", name="set_password")
    def set_password(self, request, uidb64, token):
        user = user_from_set_password_link(tenant=self.tenant, uidb64=uidb64, token=token)
        if user is None:
            return self.render_auth(request, "theme/portal/identity/set_password.html", {"form": None}, status=404)
        form = NewPasswordForm(user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            identity.user_set_password(user=user, password=form.cleaned_data["new_password1"], from_link=True)
            messages.success(request, _("Your password is set. Sign in with your email and new password."))
            return redirect(self.login_url(request))
        return self.render_auth(
            request,
            "theme/portal/identity/set_password.html",
            {"form": form, "link_user": user},
            status=400 if form.errors else 200,
        )
