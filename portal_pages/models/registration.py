"""The self-registration page of a tenant's portal."""

from django.contrib import messages
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from portal_models import ratelimit
from portal_models.models import RegistrationRequest
from portal_models.observability import client_ip
from portal_models.services import identity

from ..identity.forms import RegistrationForm, VerificationCodeForm
from ..localization import LocalizedPortalPageMixin
from ..routing_cache import CachedViewRestrictionsMixin
from ..screen import base_context
from .home import portal_home_of


class PortalRegistrationPage(CachedViewRestrictionsMixin, LocalizedPortalPageMixin, RoutablePageMixin, Page):
    """Register on the portal: name, email, company and an image code → emailed code → temporary password."""

    headline = models.CharField(max_length=200, default="Customer portal registration")
    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        default="<p>Tell us who you are. If we find your company's account, we email you a code to continue.</p>",
    )
    not_found_text = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        default=(
            "<p>An email was sent to our support team to review the information you entered. "
            "They will reach out to you once they have verified it.</p>"
        ),
    )

    parent_page_types = ["portal_pages.PortalHomePage"]
    subpage_types = []
    max_count_per_parent = 1
    template = "theme/portal/identity/register.html"

    content_panels = Page.content_panels + [FieldPanel("headline"), FieldPanel("intro"), FieldPanel("not_found_text")]

    class Meta:
        verbose_name = gettext_lazy("portal registration page")

    @cached_property
    def portal_home(self):
        return portal_home_of(self)

    @property
    def session_key(self) -> str:
        return f"portal_registration:{self.portal_home.tenant_id}"

    def _render(self, request, template: str, context: dict | None = None, *, status: int = 200):
        home = self.portal_home
        login_page = home.login_page
        base = base_context(home, request, page=self.localized_content(request))
        base.update(
            login_page=login_page, login_url=login_page.get_url(request) if login_page else home.get_url(request)
        )
        base.update(context or {})
        return TemplateResponse(request, template, base, status=status)

    def _registration(self, request, status: str) -> RegistrationRequest | None:
        pk = request.session.get(self.session_key)
        if not pk:
            return None
        return RegistrationRequest.objects.filter(pk=pk, tenant=self.portal_home.tenant_id, status=status).first()

    def _step_url(self, request, name: str) -> str:
        return self.get_url(request) + self.reverse_subpage(name)

    @path("", name="register")
    def register(self, request):
        form = RegistrationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                registration = identity.registration_start(
                    tenant=self.portal_home.tenant,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    company=data["company"],
                    ip_address=client_ip(request),
                )
            except ratelimit.RateLimited:
                form.add_error(None, _("Too many registrations from here. Please wait an hour and try again."))
            else:
                request.session[self.session_key] = registration.pk
                if registration.status == RegistrationRequest.Status.NOT_FOUND:
                    return redirect(self._step_url(request, "not_found"))
                messages.success(request, _("Authentication code sent, please check your email."))
                return redirect(self._step_url(request, "verify"))
        return self._render(request, self.template, {"form": form}, status=400 if form.errors else 200)

    @path("verify/", name="verify")
    def verify(self, request):
        registration = self._registration(request, RegistrationRequest.Status.CODE_SENT)
        if registration is None:
            return redirect(self.get_url(request))
        form = VerificationCodeForm(request.POST or None)
        if request.method == "POST" and request.POST.get("action") == "resend":
            try:
                identity.registration_resend(registration=registration)
            except ratelimit.RateLimited:
                messages.error(request, _("No more codes can be sent right now. Please start again later."))
            else:
                messages.success(request, _("A new code is on its way; the previous one no longer works."))
            return redirect(self._step_url(request, "verify"))
        if request.method == "POST" and form.is_valid():
            result = identity.registration_verify(registration=registration, code=form.cleaned_data["code"])
            if result is identity.VerifyResult.OK:
                return redirect(self._step_url(request, "done"))
            if result is identity.VerifyResult.INVITED:
                messages.success(
                    request,
                    _(
                        "You already have a login with this email: we emailed you an invitation. Open it and sign "
                        "in with your own password to join."
                    ),
                )
                return redirect(self.portal_home.login_url(request))
            errors = {
                identity.VerifyResult.WRONG: _("That code is not right. Check the email and try again."),
                identity.VerifyResult.EXPIRED: _("That code has expired. Use “Resend code” to get a new one."),
                identity.VerifyResult.LOCKED: _("Too many wrong tries. Use “Resend code” to get a new code."),
            }
            form.add_error("code", errors[result])
        return self._render(
            request,
            "theme/portal/identity/register_verify.html",
            {"form": form, "registration": registration},
            status=400 if form.errors else 200,
        )

    @path("not-found/", name="not_found")
    def not_found(self, request):
        if self._registration(request, RegistrationRequest.Status.NOT_FOUND) is None:
            return redirect(self.get_url(request))
        return self._render(request, "theme/portal/identity/register_not_found.html")

    @path("done/", name="done")
    def done(self, request):
        registration = self._registration(request, RegistrationRequest.Status.VERIFIED)
        if registration is None:
            return redirect(self.get_url(request))
        return self._render(request, "theme/portal/identity/register_done.html", {"registration": registration})

    def serve_preview(self, request, mode_name):
        return self._render(request, self.template, {"form": RegistrationForm()})
