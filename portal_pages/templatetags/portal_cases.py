from django import template

from portal_models import caching
from portal_models.selectors.cases import case_selector_groups

register = template.Library()


@register.simple_tag(takes_context=True)
def case_selector_groups_for(context):
    """The signed-in user's cases for the header drop-down, grouped by company."""
    portal = context.get("portal")
    if portal is None:
        return []
    return caching.for_user_accounts(
        portal,
        "case-selector",
        lambda: case_selector_groups(
            user=portal.user, tenant=portal.tenant, account_ids=[c.account_id for c in portal.contacts]
        ),
    )
