"""Announcements (a snippet marketing writes per tenant) and who dismissed them.

An announcement is shown on the dashboards of its tenant's accounts (all of them, or those with a service of one
product) between ``starts_at`` and ``ends_at``, by the dashboard's "announcement" block, until a user dismisses it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField

from .services import Product
from .tenants import Tenant


class Announcement(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(_("title"), max_length=160)
    body = RichTextField(_("text"), features=["bold", "italic", "link", "ol", "ul"], blank=True)
    starts_at = models.DateTimeField(_("shown from"), default=timezone.now)
    ends_at = models.DateTimeField(_("shown until"), null=True, blank=True, help_text=_("Empty: until you end it."))
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="announcements",
        verbose_name=_("audience: accounts with a service of"),
        help_text=_("Empty: every account of the portal."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [models.Index(fields=["tenant", "starts_at"], name="announcement_tenant_start")]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})
        if self.product_id and self.tenant_id and self.product.tenant_id != self.tenant_id:
            raise ValidationError({"product": _("Choose a product of this announcement's tenant.")})


class AnnouncementDismissal(models.Model):
    """A user closed an announcement: it is no longer shown to them (on any account)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="dismissals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="announcement_dismissed_once_per_user")
        ]

    def __str__(self):
        return f"{self.announcement} / {self.user}"
