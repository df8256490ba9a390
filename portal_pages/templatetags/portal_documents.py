"""Context for the documents widgets of the dashboard (recent documents, missing service files)."""

from django import template
from django.utils import timezone

from portal_models import caching
from portal_models.selectors.documents import missing_requirements, recent_documents

register = template.Library()


@register.simple_tag
def documents_dashboard(portal) -> dict:
    if portal is None:
        return {}
    return {
        "recent_documents": caching.for_portal(
            portal,
            "recent-documents",
            lambda: recent_documents(portal=portal, limit=5),
            portal.has("can_see_documents"),
        ),
        "missing_files": caching.for_portal(
            portal, "missing-files", lambda: missing_requirements(portal=portal, limit=5), timezone.localdate()
        ),
        "can_see_documents": portal.has("can_see_documents"),
    }
