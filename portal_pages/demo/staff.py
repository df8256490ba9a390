"""Demo staff of each tenant: one group per role (with the tenant's pages and collection) and a few users."""

from django.db import transaction

from portal_models.models import StaffRole, Tenant, User
from portal_models.services.documents import tenant_collection
from portal_models.services.tenants import tenant_staff_groups_ensure

from ..models import PortalHomePage
from .tenants import STAFF_PASSWORD

# (email, first name, last name, tenant slug, role)
STAFF = [
    ("billing@qt9.example.com", "Bill", "Ledger", "qt9", StaffRole.BILLING),
    ("marketing@qt9.example.com", "Mia", "Pages", "qt9", StaffRole.MARKETING),
    ("support@northwind.example.com", "Sol", "Helper", "northwind", StaffRole.SUPPORT),
]


@transaction.atomic
def load() -> list[str]:
    groups = {}
    for tenant in Tenant.objects.all():
        home = PortalHomePage.objects.filter(tenant=tenant).first()
        groups[tenant.slug] = tenant_staff_groups_ensure(
            tenant=tenant, home_page=home, collection=tenant_collection(tenant=tenant)
        )
    lines = []
    for email, first, last, slug, role in STAFF:
        if slug not in groups:
            continue
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last, "is_staff": True}
        )
        if created:
            user.set_password(STAFF_PASSWORD)
            user.save()
        user.groups.add(groups[slug][role])
        lines.append(
            f"Staff ({slug}, {StaffRole(role).label}): http://127.0.0.1:8000/admin/  {email} / {STAFF_PASSWORD}"
        )
    return lines
