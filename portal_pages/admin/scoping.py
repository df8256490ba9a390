"""Which pages a staff user may pick in the admin's page chooser: their tenants' portal subtrees.

Wagtail already limits the explorer, page search and editing to the pages a user's groups have page
permissions on (each tenant's marketing group has them on the tenant's PortalHomePage); the page chooser
browses the whole tree, so it goes through :func:`staff_pages`.
"""

from django.db.models import Q, QuerySet
from wagtail.models import Page

from portal_models.staff_access import staff_scope, staff_tenant_ids

from ..models import PortalHomePage


def staff_pages(*, user, pages: QuerySet) -> QuerySet:
    """``pages`` restricted to the portals of ``user``'s tenants and the pages above them (to browse down)."""
    if staff_tenant_ids(user) is None:
        return pages
    condition = Q(pk__in=[])
    for path in staff_scope(user=user, queryset=PortalHomePage.objects.all()).values_list("path", flat=True):
        above = [path[:end] for end in range(Page.steplen, len(path), Page.steplen)]
        condition |= Q(path__startswith=path) | Q(path__in=above)
    return pages.filter(condition)
