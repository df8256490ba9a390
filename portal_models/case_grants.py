"""The deny-overrides rule of case roles, at both levels of the roles grid (pure functions, no database).

A permission is granted when some role of the user on the case allows it and none denies it. A data-level right
(``models.case_rights``) is reached when its permission is granted, no role denies the right, and either some role
allows it or it is its permission's default target (the case's own documents, its company's invoices, shared
notes), which follows the permission. So a deny wins at every level: a denied permission reaches nothing below
it, and a denied right is never reached whatever other roles allow. ``access.case_permissions`` applies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .models.case_rights import DEFAULT_TARGETS, NESTED_PERMISSIONS
from .models.cases import Grant

Right = tuple[str, str, str]  # (permission, target, grant)


def combine_grants(grids: Iterable[Mapping[str, str]]) -> frozenset[str]:
    """The permissions granted by several roles' grids: allowed in any, denied in none (deny overrides)."""
    allowed: set[str] = set()
    denied: set[str] = set()
    for grid in grids:
        for permission, grant in grid.items():
            if grant == Grant.ALLOW:
                allowed.add(permission)
            elif grant == Grant.DENY:
                denied.add(permission)
    return frozenset(allowed - denied)


class CaseGrants(frozenset):
    """What a user may do on a case: the granted permissions (a frozenset, ``"view_case" in grants``) and, per
    permission with data-level rights, the targets it reaches (:meth:`reaches`, :meth:`targets`)."""

    def __new__(cls, permissions: Iterable[str] = (), reached: Mapping[str, frozenset[str]] | None = None):
        instance = super().__new__(cls, permissions)
        instance._reached = {p: frozenset(t) for p, t in (reached or {}).items() if p in instance}
        return instance

    def targets(self, permission: str) -> frozenset[str]:
        return self._reached.get(permission, frozenset())

    def reaches(self, permission: str, target: str) -> bool:
        return target in self.targets(permission)

    def collection_ids(self) -> list[int]:
        """The document collections (``collection:<id>``) the documents permission reaches."""
        prefix = "collection:"
        return sorted(int(t[len(prefix) :]) for t in self.targets("view_documents") if t.startswith(prefix))


def combine_case_rights(roles: Iterable[tuple[Mapping[str, str], Iterable[Right]]]) -> CaseGrants:
    """Several roles' (grid, data-level rights) combined with deny overriding at every level."""
    roles = [(grid, list(rights)) for grid, rights in roles]
    permissions = combine_grants(grid for grid, _rights in roles)
    allowed: set[tuple[str, str]] = set()
    denied: set[tuple[str, str]] = set()
    for _grid, rights in roles:
        for permission, target, grant in rights:
            if grant == Grant.ALLOW:
                allowed.add((permission, target))
            elif grant == Grant.DENY:
                denied.add((permission, target))
    reached = {}
    for permission in NESTED_PERMISSIONS:
        if permission not in permissions:
            continue
        candidates = {t for p, t in allowed if p == permission} | {DEFAULT_TARGETS[permission]}
        reached[permission] = frozenset(t for t in candidates if (permission, t) not in denied)
    return CaseGrants(permissions, reached)
