"""Demo data: three branded tenants with portals, customers and staff. Every loader is idempotent."""

from . import bank, billing, case_rights, cases, documents, identity, orders, staff, tenants, tickets

LOADERS = [
    tenants.load,
    identity.load,
    billing.load,
    bank.load,
    tickets.load,
    documents.load,
    cases.load,
    case_rights.load,
    orders.load,
    staff.load,
]


def load(*, site_url: str = tenants.DEFAULT_SITE_URL) -> list[str]:
    """Run every loader (the default Site at ``site_url``); return lines describing URLs and logins."""
    lines: list[str] = list(tenants.load(site_url) or [])
    for loader in LOADERS[1:]:
        lines.extend(loader() or [])
    return lines
