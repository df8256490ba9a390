"""Cases, case roles (a permission grid with allow / not granted / deny) and who holds which role on a case."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tenants import Account, Tenant


class CasePermission(models.TextChoices):
    """What a user may do on a case. Each is a column of the case role grid."""

    VIEW_CASE = "view_case", _("View case")
    VIEW_DOCUMENTS = "view_documents", _("View case documents")
    UPLOAD_DOCUMENTS = "upload_documents", _("Upload case documents")
    VIEW_INVOICES = "view_invoices", _("View case invoices")
    POST_NOTES = "post_notes", _("Post notes")
    MANAGE_ASSIGNMENTS = "manage_assignments", _("Manage assignments")


class Grant(models.TextChoices):
    """One cell of the grid. A deny in any role overrides every allow."""

    ALLOW = "allow", _("Allow")
    NONE = "none", _("Not granted")
    DENY = "deny", _("Deny")


class CaseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class Case(models.Model):
    """A matter handled for an account, with its own document collection."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="cases", editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="cases")
    number = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    opened_on = models.DateField(_("opened"), default=timezone.localdate)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    collection = models.ForeignKey(
        "wagtailcore.Collection", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="case_number_unique_per_tenant")]

    def __str__(self):
        return f"{self.number} · {self.title}"

    def save(self, *args, **kwargs):
        if self.account_id and not self.tenant_id:
            self.tenant_id = self.account.tenant_id
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status == CaseStatus.ACTIVE

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.status == CaseStatus.ACTIVE and self.closed_on:
            raise ValidationError(
                {"closed_on": _("An active case has no closed date: clear the date or make the case inactive.")}
            )
        if self.closed_on and self.opened_on and self.closed_on < self.opened_on:
            raise ValidationError({"closed_on": _("A case cannot close before it opened.")})


def _grant_field(permission: CasePermission):
    return models.CharField(permission.label, max_length=10, choices=Grant.choices, default=Grant.NONE)


class CaseRole(models.Model):
    """A named set of grants over the case permissions (a snippet). Tenant empty: available to every tenant."""

    PERMISSIONS = tuple(CasePermission.values)

    name = models.CharField(max_length=100)
    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="case_roles",
        help_text=_("Leave empty for a role every tenant can use."),
    )
    description = models.CharField(max_length=255, blank=True)
    view_case = _grant_field(CasePermission.VIEW_CASE)
    view_documents = _grant_field(CasePermission.VIEW_DOCUMENTS)
    upload_documents = _grant_field(CasePermission.UPLOAD_DOCUMENTS)
    view_invoices = _grant_field(CasePermission.VIEW_INVOICES)
    post_notes = _grant_field(CasePermission.POST_NOTES)
    manage_assignments = _grant_field(CasePermission.MANAGE_ASSIGNMENTS)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="case_role_name_unique_per_tenant")]

    def __str__(self):
        return self.name

    @property
    def grid(self) -> dict[str, str]:
        return {permission: getattr(self, permission) for permission in self.PERMISSIONS}


class CaseAssignment(models.Model):
    """A user holds a role on a case. A user may hold several roles on the same case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_assignments")
    role = models.ForeignKey(CaseRole, on_delete=models.PROTECT, related_name="assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "user__email", "role__name"]
        constraints = [
            models.UniqueConstraint(fields=["case", "user", "role"], name="case_assignment_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.role} on {self.case.number}"


class CaseNote(models.Model):
    """One message of a case's notes thread."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField()
    is_public = models.BooleanField(
        _("shared with every member"),
        default=True,
        help_text=_("Internal notes are seen only by roles allowed internal notes."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Note on {self.case.number} by {self.author}"
