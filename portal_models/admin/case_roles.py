"""Cases › Roles management (seed 003): one grid of the tenant's case roles × permissions.

Each cell is a button in its own small POST form (CSRF): without JavaScript a click posts and comes back to
the grid; with JavaScript (theme/admin/roles-grid.js) it posts with fetch and repaints the cell from the
answer. A click moves the cell allow → not granted → deny, saved at once with an entry in the role's history.
Shared roles (no tenant) are read-only for staff; only superusers change them. Colour, shape and text each
say the value (✓ Allow, ○ Not granted, ⊘ Deny)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from portal_models.models import CasePermission, CaseRole, Grant
from portal_models.models.case_rights import is_default_target
from portal_models.selectors.cases import role_right_targets, role_rights
from portal_models.services.cases import (
    ACTION_GRANT,
    StaleGrant,
    case_role_cycle_grant,
    case_role_cycle_right,
    next_grant,
)
from portal_models.staff_access import staff_may_change, staff_scope

VIEW_PERMISSION = "portal_models.view_caserole"
CHANGE_PERMISSION = "portal_models.change_caserole"
SHAPE = {Grant.ALLOW: "✓", Grant.NONE: "○", Grant.DENY: "⊘"}


@hooks.register("register_log_actions")
def register_case_role_log_actions(actions):
    actions.register_action(ACTION_GRANT, gettext_lazy("Change permission"), gettext_lazy("Role permission changed"))


def grid_roles(user):
    """The roles a staff user sees in the grid: their tenants' and the shared ones, shared first."""
    roles = staff_scope(user=user, queryset=CaseRole.objects.select_related("tenant"), include_shared=True)
    return roles.order_by(F("tenant__name").asc(nulls_first=True), "name")


def cell(
    role: CaseRole, permission: str, *, editable: bool, target: str = "", target_label: str = "", value=None
) -> dict:
    """One button of the grid: a permission of ``role`` or, with ``target``, one of its data-level rights."""
    if value is None:
        value = getattr(role, permission)
    label = target_label or CasePermission(permission).label
    aria = _("%(role)s, %(permission)s: %(value)s. Activate to change to %(next)s.") % {
        "role": role.name,
        "permission": label,
        "value": Grant(value).label,
        "next": Grant(next_grant(value)).label,
    }
    key = f"{permission}-{target.replace(':', '-')}" if target else permission
    return {
        "testid": f"{'right' if target else 'cell'}-{role.pk}-{key}",
        "aria_label": aria,
        "permission": permission,
        "permission_label": label,
        "target": target,
        "value": value,
        "value_label": Grant(value).label,
        "shape": SHAPE[value],
        "next_label": Grant(next_grant(value)).label,
        "editable": editable,
        "url": reverse("case_roles_grid_cycle", args=[role.pk]),
    }


def nested_rows(role: CaseRole, *, editable: bool) -> list[dict]:
    """The rows under a role ("the pluses"): one per data-level right, its cell in its permission's column."""
    rights = role_rights(role=role)
    rows = []
    for permission, targets in role_right_targets(role=role).items():
        column = CaseRole.PERMISSIONS.index(permission)
        for target, label in targets:
            if is_default_target(target):
                label = _("%(right)s (follows the permission unless denied)") % {"right": label}
            rows.append(
                {
                    "label": label,
                    "column": column,
                    "cell": cell(
                        role,
                        permission,
                        editable=editable,
                        target=target,
                        target_label=label,
                        value=rights.get((permission, target), Grant.NONE),
                    ),
                    "key": f"{permission}-{target.replace(':', '-')}",
                }
            )
    return rows


def roles_grid(request):
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    can_change = request.user.has_perm(CHANGE_PERMISSION)
    rows = []
    for role in grid_roles(request.user).prefetch_related("rights"):
        editable = can_change and staff_may_change(user=request.user, instance=role)
        rows.append(
            {
                "role": role,
                "editable": editable,
                "cells": [cell(role, permission, editable=editable) for permission in CaseRole.PERMISSIONS],
                "nested": nested_rows(role, editable=editable),
            }
        )
    return TemplateResponse(
        request,
        "portal_models/admin/roles_grid.html",
        {
            "header_title": _("Roles management"),
            "page_title": _("Roles management"),
            "header_icon": "key",
            "permissions": [CasePermission(p) for p in CaseRole.PERMISSIONS],
            "columns": range(len(CaseRole.PERMISSIONS)),
            "rows": rows,
            "grants": [{"value": g, "label": Grant(g).label, "shape": SHAPE[g]} for g in SHAPE],
        },
    )


def roles_grid_cycle(request, role_id: int):
    """POST: the next value of one cell. JSON for fetch (``Accept: application/json``), a redirect otherwise."""
    visible = staff_scope(user=request.user, queryset=CaseRole.objects.filter(pk=role_id), include_shared=True)
    role = visible.first()
    if role is None:
        raise Http404("Not found.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not request.user.has_perm(CHANGE_PERMISSION) or not staff_may_change(user=request.user, instance=role):
        if wants_json:
            return JsonResponse({"error": _("Only superusers change shared roles.")}, status=403)
        raise PermissionDenied
    permission = request.POST.get("permission", "")
    target = request.POST.get("target", "")
    shown = request.POST.get("shown") or None
    try:
        if target:
            old, new = case_role_cycle_right(
                role=role, permission=permission, target=target, shown=shown, by=request.user
            )
        else:
            old, new = case_role_cycle_grant(role=role, permission=permission, shown=shown, by=request.user)
    except ValidationError:
        if wants_json:
            return JsonResponse({"error": _("Unknown permission or right.")}, status=400)
        messages.error(request, _("Unknown permission or right."))
        return redirect("case_roles_grid")
    except StaleGrant as stale:
        role.refresh_from_db()
        current = _current_cell(role, permission, target)
        text = _("This cell was changed meanwhile; it now says %(value)s. Click again to change it.") % {
            "value": Grant(stale.current).label
        }
        if wants_json:
            return JsonResponse({"cell": current, "message": text}, status=409)
        messages.warning(request, text)
        return redirect("case_roles_grid")
    role.refresh_from_db()
    current = _current_cell(role, permission, target)
    text = _("%(role)s · %(permission)s: %(old)s → %(new)s. Saved.") % {
        "role": role.name,
        "permission": current["permission_label"],
        "old": Grant(old).label,
        "new": Grant(new).label,
    }
    if wants_json:
        return JsonResponse({"cell": current, "message": text})
    messages.success(request, text)
    return redirect(f"{reverse('case_roles_grid')}#role-{role.pk}")


def _current_cell(role: CaseRole, permission: str, target: str) -> dict:
    if not target:
        return cell(role, permission, editable=True)
    label = dict(role_right_targets(role=role).get(permission, [])).get(target, target)
    if is_default_target(target):
        label = _("%(right)s (follows the permission unless denied)") % {"right": label}
    value = role_rights(role=role).get((permission, target), Grant.NONE)
    return cell(role, permission, editable=True, target=target, target_label=label, value=value)


@hooks.register("register_admin_urls")
def register_roles_grid_urls():
    return [
        path("cases/roles/", roles_grid, name="case_roles_grid"),
        path("cases/roles/<int:role_id>/cycle/", roles_grid_cycle, name="case_roles_grid_cycle"),
    ]
