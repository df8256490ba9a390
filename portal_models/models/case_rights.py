"""Data-level rights of a case role (the "pluses" of the roles grid, seed 003): under a permission, what exactly
it reaches. Each right is allow / not granted / deny, with the same rule as the permissions: a deny in any of a
user's roles on a case overrides every allow, at every level, and a right never reaches further than its
permission.

Targets (``CaseRoleRight.target``):
- ``view_documents``: ``case`` (the case's own documents) or ``collection:<id>`` (a document collection of the
  tenant's portal, shown on the case page too);
- ``view_invoices``: ``account:case`` (invoices of the case's company) or ``account:others`` (invoices of the
  case billed to the tenant's other companies);
- ``view_case``: ``notes:public`` (notes every member sees) or ``notes:internal`` (internal notes).

The default targets (``case``, ``account:case``, ``notes:public``) follow their permission when no role says
otherwise; the others must be allowed by a role.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import CasePermission, CaseRole, Grant

NESTED_PERMISSIONS = (CasePermission.VIEW_DOCUMENTS, CasePermission.VIEW_INVOICES, CasePermission.VIEW_CASE)
DEFAULT_TARGETS = {
    CasePermission.VIEW_DOCUMENTS: "case",
    CasePermission.VIEW_INVOICES: "account:case",
    CasePermission.VIEW_CASE: "notes:public",
}
FIXED_TARGETS = {
    CasePermission.VIEW_DOCUMENTS: [("case", _("This case's documents"))],
    CasePermission.VIEW_INVOICES: [
        ("account:case", _("Invoices of the case's company")),
        ("account:others", _("Invoices of the case billed to other companies")),
    ],
    CasePermission.VIEW_CASE: [
        ("notes:public", _("Notes: shared notes")),
        ("notes:internal", _("Notes: internal notes")),
    ],
}


def is_default_target(target: str) -> bool:
    return target in DEFAULT_TARGETS.values()


class CaseRoleRight(models.Model):
    """One data-level cell of a role: ``grant`` of ``target`` under ``permission``. No row: not granted."""

    role = models.ForeignKey(CaseRole, on_delete=models.CASCADE, related_name="rights")
    permission = models.CharField(max_length=30, choices=[(p.value, p.label) for p in NESTED_PERMISSIONS])
    target = models.CharField(max_length=60)
    grant = models.CharField(max_length=10, choices=Grant.choices, default=Grant.NONE)

    class Meta:
        ordering = ["role", "permission", "target"]
        constraints = [
            models.UniqueConstraint(fields=["role", "permission", "target"], name="case_role_right_unique"),
        ]

    def __str__(self):
        return f"{self.role} · {self.permission} · {self.target}: {self.grant}"
