"""Demo data: two branded tenants with portals, customers and staff. Every loader is idempotent."""

from . import billing, cases, documents, identity, staff, tenants, tickets

LOADERS = [tenants.load, identity.load, billing.load, tickets.load, documents.load, cases.load, staff.load]


def load(stdout=None) -> list[str]:
    """Run every loader; return lines describing URLs and logins."""
    lines: list[str] = []
    for loader in LOADERS:
        lines.extend(loader() or [])
    return lines
