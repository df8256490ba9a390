"""Context for the documents widgets of the dashboard (recent documents, missing service files)."""

from django import template

from portal_models.selectors.documents import missing_requirements, recent_documents

register = template.Library()


@register.simple_tag
def documents_dashboard(portal) -> dict:
    if portal is None:
        return {}
    return {
        "recent_documents": recent_documents(portal=portal, limit=5),
        "missing_files": missing_requirements(portal=portal, limit=5),
        "can_see_documents": portal.has("can_see_documents"),
    }
