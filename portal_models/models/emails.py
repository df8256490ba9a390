"""A tenant's own words for a customer email in one language (see portal_models/email_wording.py)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import PreviewableMixin

from ..email_branding import branding_for
from ..email_wording import WORDED_EMAILS, email_choices, render_wording, unknown_variables, wording_html
from .tenants import Tenant


class EmailWording(PreviewableMixin, models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="email_wordings")
    email = models.CharField(_("email"), max_length=60, choices=email_choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("text"), help_text=_("Blank lines start a new paragraph. The button, figures and legal lines stay.")
    )

    class Meta:
        ordering = ["email", "language"]
        verbose_name = _("email wording")
        verbose_name_plural = _("email wording")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email", "language"], name="email_wording_once_per_language")
        ]

    def __str__(self):
        return f"{self.get_email_display()} ({self.language}): {self.subject}"

    def clean(self):
        super().clean()
        if self.email not in WORDED_EMAILS:
            return
        errors = {}
        for field in ("subject", "body"):
            unknown = unknown_variables(self.email, getattr(self, field))
            if unknown:
                offered = ", ".join(f"{{{{ {name} }}}}" for name in WORDED_EMAILS[self.email].variables)
                errors[field] = _("Unknown variable: %(names)s. This email offers %(offered)s.") % {
                    "names": ", ".join(unknown),
                    "offered": offered,
                }
        if errors:
            raise ValidationError(errors)

    # --- the editor's preview: the email's own HTML template with sample data --------------------------------

    def get_preview_template(self, request, mode_name):
        return "theme/emails/wording_preview.html"

    def get_preview_context(self, request, mode_name):
        context = super().get_preview_context(request, mode_name)
        tenant = self.tenant if self.tenant_id else None
        context.update(
            tenant=tenant,
            brand=branding_for(tenant=tenant) if tenant else {"primary": "#1d4ed8", "accent": "#0f766e"},
            subject=render_wording(self.email, self.subject, sample=True) if self.email in WORDED_EMAILS else "",
            wording_html=wording_html(render_wording(self.email, self.body, sample=True))
            if self.email in WORDED_EMAILS
            else "",
        )
        return context
