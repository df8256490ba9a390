"""Identity screens of a portal: sign in (django-two-factor-auth's wizard, branded), change password (user menu),
two-factor enrolment, forgot password, set-password links, the owner's System access settings, and the lockout
page of django-axes."""

from functools import cached_property

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.utils import default_device
from two_factor.views import LoginView, SetupView

from portal_models import access, ratelimit
from portal_models.languages import offered_languages
from portal_models.models import Branch, Contact
from portal_models.observability import client_ip
from portal_models.selectors.identity import system_access_contacts, user_from_set_password_link
from portal_models.services import identity, invitations, team
from portal_models.services.users import user_set_language

from ..screen import base_context, customer_screen, render_screen
from .forms import (
    ChangePasswordForm,
    ConfirmIdentityForm,
    ConfirmPasswordForm,
    ForgotPasswordForm,
    GrantLoginForm,
    NewPasswordForm,
    PhoneSetupForm,
    PortalAuthenticationForm,
)


def _backup_count(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def render_auth(page, request, template: str, context: dict | None = None, *, status: int = 200):
    """An anonymous screen in the look of the tenant's sign-in page."""
    login_page = page.login_page
    base = base_context(page, request, page=login_page or page)
    base.update(
        login_page=login_page,
        login_url=login_page.get_url(request) if login_page else page.get_url(request),
        forgot_url=page.route_url("password_forgot", request=request),
        password_rules=password_validation.password_validators_help_texts(),
    )
    base.update(context or {})
    return TemplateResponse(request, template, base, status=status)


# --- signed in -------------------------------------------------------------------------------


@customer_screen(name="change_password")
def change_password(page, request, portal):
    temporary = request.user.must_change_password
    form_class = NewPasswordForm if temporary else ChangePasswordForm
    form = form_class(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        identity.user_set_password(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your password has been changed."))
        return redirect(page.route_url("dashboard", request=request))
    return render_screen(
        page,
        request,
        "theme/portal/identity/change_password.html",
        {
            "form": form,
            "temporary": temporary,
            "password_rules": password_validation.password_validators_help_texts(),
        },
        status=400 if form.errors else 200,
    )


@customer_screen(name="system_access", nav="settings")
def system_access(page, request, portal):
    """The owner's System access (also shown on Settings): add a login, and per contact a toggle for each right."""
    portal.require(access.PortalPermission.MANAGE_CONTACTS)
    back = page.route_url("settings" if request.POST.get("from") == "settings" else "system_access", request=request)
    form = None
    if request.method == "POST":
        action = request.POST.get("action", "grant")
        if action == "disable_all":
            count = identity.account_disable_logins(
                account=portal.account, keep=portal.contact, revoked_by=request.user
            )
            messages.success(request, _("Sign-in disabled for %(count)d contact(s).") % {"count": count})
            return redirect(back)
        if action == "resend":
            contact = access.get_object_or_404(
                Contact.objects.all(), portal=portal, pk=request.POST.get("contact"), can_login=True
            )
            try:
                identity.contact_grant_login(contact=contact, invited_by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Invitation sent again to %(email)s.") % {"email": contact.email})
            return redirect(back)
        if action == "set_branches":
            contact = access.get_object_or_404(Contact.objects.all(), portal=portal, pk=request.POST.get("contact"))
            try:
                team.contact_set_branches(contact=contact, branches=request.POST.getlist("branches"), by=request.user)
            except (ValidationError, ValueError):
                messages.error(request, _("Choose branches of %(account)s.") % {"account": portal.account.name})
            else:
                messages.success(request, _("%(name)s: branches saved.") % {"name": contact.full_name})
            return redirect(back)
        if action in ("set_right", "revoke"):
            contact = access.get_object_or_404(Contact.objects.all(), portal=portal, pk=request.POST.get("contact"))
            right = "can_login" if action == "revoke" else request.POST.get("right", "")
            value = action != "revoke" and request.POST.get("value") == "1"
            try:
                team.contact_set_right(contact=contact, right=right, value=value, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                label = invitations.right_label(right)
                if right == "can_login" and value:
                    messages.success(
                        request,
                        _("%(name)s can now sign in; we emailed them an invitation.") % {"name": contact.full_name},
                    )
                elif value:
                    messages.success(
                        request, _("%(name)s: “%(right)s” given.") % {"name": contact.full_name, "right": label}
                    )
                else:
                    messages.success(
                        request, _("%(name)s: “%(right)s” taken away.") % {"name": contact.full_name, "right": label}
                    )
            return redirect(back)
        form = GrantLoginForm(request.POST, contacts=_grantable(portal))
        if form.is_valid():
            contact = access.get_object_or_404(
                Contact.objects.all(), portal=portal, pk=form.cleaned_data["contact"], can_login=False
            )
            try:
                team.contact_set_right(contact=contact, right="can_login", value=True, by=request.user)
            except ValidationError as error:
                form.add_error("contact", error.message_dict.get("contact", error.messages))
            else:
                messages.success(
                    request,
                    _("%(name)s can now sign in; we emailed them an invitation.") % {"name": contact.full_name},
                )
                return redirect(back)
        if request.POST.get("from") == "settings" and form.errors:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(back)
    return render_screen(
        page,
        request,
        "theme/portal/identity/system_access.html",
        system_access_context(portal, form=form),
        status=400 if form is not None and form.errors else 200,
    )


def _grantable(portal):
    return [c for c in system_access_contacts(account=portal.account) if not c.can_login and c.email]


def system_access_context(portal, *, form=None) -> dict:
    """What the System access section shows (its own screen and the Settings tab): the contacts and their rights."""
    contacts = list(system_access_contacts(account=portal.account))
    grantable = [c for c in contacts if not c.can_login and c.email]
    rights = invitations.contact_rights()
    branches = list(Branch.objects.filter(account=portal.account).order_by("name", "pk"))
    limits = {}
    for contact_id, branch_id in Contact.branches.through.objects.filter(contact__in=contacts).values_list(
        "contact_id", "branch_id"
    ):
        limits.setdefault(contact_id, set()).add(branch_id)
    rows = [
        {
            "contact": c,
            "rights": [{"name": name, "label": label, "on": getattr(c, name)} for name, label in rights],
            "branches": [{"branch": b, "on": b.pk in limits.get(c.pk, ())} for b in branches],
            "limited": bool(limits.get(c.pk)),
        }
        for c in contacts
    ]
    return {
        "access_form": form or GrantLoginForm(contacts=grantable),
        "contacts": contacts,
        "rows": rows,
        "rights": rights,
        "limit_branches": branches,
        "grantable": grantable,
    }


@customer_screen(name="two_factor")
def two_factor(page, request, portal):
    """The user's second factor: their methods (add another, remove one), turn off and new backup codes (each after
    the password or a current code)."""
    template = "theme/portal/identity/two_factor.html"
    prefixes = {"disable": "disable", "backup_codes": "backup", "remove_method": "remove"}
    forms = {prefix: ConfirmIdentityForm(request, request.user, prefix=prefix) for prefix in prefixes.values()}
    required = page.tenant.two_factor_policy == page.tenant.TwoFactorPolicy.REQUIRED
    action = request.POST.get("action") if request.method == "POST" else None

    def status(extra: dict | None = None, *, status: int = 200):
        methods = identity.user_two_factor_methods(user=request.user)
        context = {
            "device": default_device(request.user),
            "methods": methods,
            "can_add": bool(PortalTwoFactorSetupView.methods_to_add(request.user)),
            "can_remove": len(methods) > 1 or not required,
            "backup_count": _backup_count(request.user),
            "enabled_now": "enabled" in request.GET,
            "added_now": "added" in request.GET,
            "confirm": forms,
        }
        return render_screen(page, request, template, {**context, **(extra or {})}, status=status)

    if action in prefixes:
        if not user_has_device(request.user):
            return redirect(page.route_url("two_factor", request=request))
        prefix = prefixes[action]
        forms[prefix] = ConfirmIdentityForm(request, request.user, request.POST, prefix=prefix)
        if not forms[prefix].is_valid():
            return status({"failed": action, "failed_device": request.POST.get("device", "")}, status=400)
        if action == "disable":
            if required:
                messages.error(request, _("%(tenant)s requires two-factor authentication.") % {"tenant": page.tenant})
            else:
                identity.user_two_factor_disable(user=request.user)
                messages.success(request, _("Two-factor authentication is off."))
            return redirect(page.route_url("two_factor", request=request))
        if action == "remove_method":
            try:
                identity.user_two_factor_method_remove(
                    user=request.user, persistent_id=request.POST.get("device", ""), required=required
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("That sign-in method is removed."))
            return redirect(page.route_url("two_factor", request=request))
        return status({"codes": identity.user_backup_codes_generate(user=request.user)})
    if default_device(request.user) is None or (
        "add" in request.GET and PortalTwoFactorSetupView.methods_to_add(request.user)
    ):
        return PortalTwoFactorSetupView.as_view(home=page)(request)
    return status()


# --- anonymous -------------------------------------------------------------------------------


def password_forgot(page, request):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = ForgotPasswordForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            identity.password_reset_request(
                tenant=page.tenant, email=form.cleaned_data["email"], ip_address=client_ip(request)
            )
        except ratelimit.RateLimited:
            return render_auth(
                page, request, "theme/portal/identity/forgot_password.html", {**context, "limited": True}, status=429
            )
        context["sent"] = True
    return render_auth(page, request, "theme/portal/identity/forgot_password.html", context)


def set_password(page, request, uidb64, token):
    user = user_from_set_password_link(tenant=page.tenant, uidb64=uidb64, token=token)
    if user is None:
        return render_auth(page, request, "theme/portal/identity/set_password.html", {"form": None}, status=404)
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        identity.user_set_password(user=user, password=form.cleaned_data["new_password1"], from_link=True)
        messages.success(request, _("Your password is set. Sign in with your email and new password."))
        return redirect(page.login_url(request))
    return render_auth(
        page,
        request,
        "theme/portal/identity/set_password.html",
        {"form": form, "link_user": user},
        status=400 if form.errors else 200,
    )


def invitation(page, request, token):
    """An existing user's invitation to join a company (the signed link emailed to them).

    Accepting needs the user themselves: signed in as them, or their password (a user who has none yet chooses it
    here: the link came to their address). Until then the company is not theirs.
    """
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    found = invitations.invitation_from_token(tenant=page.tenant, token=token)
    template = "theme/portal/identity/invitation.html"
    if found is None:
        return render_auth(page, request, template, {"invitation": None}, status=404)
    user = found.user
    signed_in = request.user.is_authenticated and request.user.pk == user.pk
    form = None
    if not user.has_usable_password():
        form = NewPasswordForm(user, request.POST or None)
    elif not signed_in:
        form = ConfirmPasswordForm(request, user, request.POST or None)
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("accept", "decline") and (form is None or form.is_valid()):
        if isinstance(form, NewPasswordForm):
            identity.user_set_password(user=user, password=form.cleaned_data["new_password1"], from_link=True)
        try:
            if action == "decline":
                invitations.invitation_decline(invitation=found, user=user)
                messages.info(request, _("You declined the invitation."))
                return redirect(page.login_url(request))
            contact = invitations.invitation_accept(invitation=found, user=user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(page.login_url(request))
        if signed_in:
            access.switch_account(
                request, portal=access.portal_context(request, tenant=page.tenant), account_id=contact.account_id
            )
            messages.success(request, _("You are now working for %(name)s") % {"name": contact.account.name})
            return redirect(page.route_url("dashboard", request=request))
        messages.success(request, _("You joined %(name)s. Sign in to continue.") % {"name": contact.account.name})
        return redirect(page.login_url(request))
    return render_auth(
        page,
        request,
        template,
        {
            "invitation": found,
            "form": form,
            "signed_in": signed_in,
            "other_user": request.user.is_authenticated and not signed_in,
        },
        status=400 if form is not None and form.errors else 200,
    )


# --- third-party flows in the tenant's branding ------------------------------------------------


class PortalLoginView(LoginView):
    """django-two-factor-auth's login wizard on a tenant's branded PortalLoginPage."""

    page = None  # the PortalLoginPage, given to as_view()
    template_name = "theme/portal/login.html"
    form_list = (
        (LoginView.AUTH_STEP, PortalAuthenticationForm),
        (LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (LoginView.BACKUP_STEP, BackupTokenForm),
    )

    def dispatch(self, request, *args, **kwargs):
        self.home = self.page.portal_home
        request.portal_tenant = self.home.tenant
        return super().dispatch(request, *args, **kwargs)

    def done(self, form_list, **kwargs):
        response = super().done(form_list, **kwargs)
        self.save_language_choice()
        return response

    def must_choose_method(self) -> bool:
        """A user with several methods (email and phone, say) chooses which one gets the code, before any is
        sent."""
        if self.request.POST.get("challenge_device") or self.storage.data.get("challenge_device"):
            return False
        return len(identity.user_two_factor_methods(user=self.get_user())) > 1

    def render(self, form=None, **kwargs):
        if self.steps.current == self.TOKEN_STEP and self.must_choose_method():
            context = self.get_context_data(form=form or self.get_form(), **kwargs)
            context["choose_method"] = identity.user_two_factor_methods(user=self.get_user())
            return self.render_to_response(context)
        return super().render(form, **kwargs)

    def save_language_choice(self):
        """A language chosen on the sign-in page (the language cookie) becomes the user's language."""
        user = self.request.user
        if user.is_authenticated and self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            offered = [code for code, _name in offered_languages(self.home.tenant)]
            user_set_language(user=user, language=translation.get_language(), allowed=offered)

    def get_prefix(self, request, *args, **kwargs):
        # One wizard state per tenant, so that two portals open in one browser do not mix.
        return f"portal_login_{self.home.tenant_id}"

    def get_success_url(self):
        return self.get_redirect_url() or self.home.route_url("dashboard", request=self.request)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        context.update(base_context(self.home, self.request, page=self.page.localized_content(self.request)))
        return context


class PortalTwoFactorSetupView(SetupView):
    """django-two-factor-auth's enrolment wizard inside a tenant's portal shell: the first method, or another one
    (``?add=1``: only the kinds the user has not got yet; the first stays the default). Phone numbers are typed as
    people write them and read in the tenant's region."""

    home = None  # the PortalHomePage, given to as_view()
    template_name = "theme/portal/identity/two_factor_setup.html"

    @staticmethod
    def methods_to_add(user) -> list:
        from two_factor.plugins.registry import registry

        return [m for m in registry.get_methods() if not list(m.get_devices(user))]

    @cached_property
    def adding(self) -> bool:
        """Whether the user had a method when this request began (then this one is another)."""
        return default_device(self.request.user) is not None

    def get_prefix(self, request, *args, **kwargs):
        return "two_factor_setup_add" if self.adding else "two_factor_setup"

    def get(self, request, *args, **kwargs):
        # the portal screen shows the status once a device exists; here we always start the wizard
        return super(SetupView, self).get(request, *args, **kwargs)

    def get_available_methods(self):
        return self.methods_to_add(self.request.user)

    def get_form(self, step=None, **kwargs):
        form = super().get_form(step=step, **kwargs)
        if (step or self.steps.current) == "method" and "method" in form.fields:
            form.fields["method"].choices = [(m.code, m.verbose_name) for m in self.get_available_methods()]
            form.fields["method"].initial = form.fields["method"].choices[0][0]
        return form

    def get_form_list(self):
        form_list = super().get_form_list()
        for step in ("sms", "call"):
            if step in form_list:
                form_list[step] = PhoneSetupForm
        return form_list

    def get_form_initial(self, step):
        initial = super().get_form_initial(step)
        if step in ("sms", "call") and self.request.user.phone:
            initial = {**initial, "number": self.request.user.phone.as_international}
        return initial

    def done(self, form_list, **kwargs):
        adding = self.adding
        method = self.get_method()
        response = super().done(form_list, **kwargs)
        device = self.get_device() if method.code in ("sms", "call") else None
        if device is not None:
            identity.user_set_phone(user=self.request.user, number=device.number)
        if adding:
            # the new method is another choice at sign-in; the one the user had stays the default
            for new in method.get_devices(self.request.user):
                if new.name == "default":
                    new.name = method.code
                    new.save(update_fields=["name"])
        return response

    def get_success_url(self):
        return self.home.route_url("two_factor", request=self.request) + ("?added=1" if self.adding else "?enabled=1")

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        context.update(base_context(self.home, self.request, portal=self.request.portal))
        context["adding"] = self.adding
        context["cancel_url"] = self.home.route_url("two_factor" if self.adding else "dashboard", request=self.request)
        if "QR_URL" in context:
            context["QR_URL"] = reverse("two_factor:qr")
        return context


def lockout_response(request, original_response=None, credentials=None):
    """django-axes lockout: a clear, branded message on the sign-in page (status 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = dict(getattr(original_response, "context_data", None) or {})
    keep = {k: context[k] for k in ("page", "self", "portal_home", "tenant") if k in context}
    if "portal_home" in keep:
        keep["login_page"] = keep["portal_home"].login_page
        template = "theme/portal/identity/locked.html"
    else:
        template = "theme/portal/identity/locked_staff.html"
    return TemplateResponse(request, template, {**keep, "minutes": minutes}, status=429).render()
