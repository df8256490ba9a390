"""Writes for tenants' staff: one group per role and tenant, with the tenant's page and collection rights."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from ..models import StaffRole, Tenant, TenantStaffGroup
from .cases import CASES_COLLECTION

# The role template groups shipped by migration 0008; a tenant's groups copy their permissions.
TEMPLATE_GROUP_NAMES: dict[str, str] = {
    StaffRole.MARKETING: "Marketing",
    StaffRole.BILLING: "Billing staff",
    StaffRole.SUPPORT: "Support staff",
}


def _crud(model: str, actions=("view", "add", "change", "delete")) -> list[tuple[str, str]]:
    return [("portal_models", f"{action}_{model}") for action in actions]


# What migrations ship in the template groups (used only to recreate a deleted template): 0008 and 0009,
# and Wagtail's own migrations, which give every group the choose permissions of documents and images.
ADMIN_BASICS = [("wagtailadmin", "access_admin"), ("wagtaildocs", "choose_document"), ("wagtailimages", "choose_image")]
ROLE_DEFAULT_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    StaffRole.MARKETING: [
        *ADMIN_BASICS,
        ("simple_translation", "submit_translation"),  # 0015
        *_crud("announcement"),  # 0035
        *_crud("emailwording"),  # 0036
    ],
    StaffRole.BILLING: [
        *ADMIN_BASICS,
        ("portal_models", "refund_payment"),
        *(
            p
            for model in ("account", "contact", "invoice", "invoiceline", "creditmemo", "payment")
            for p in _crud(model)
        ),
        *(
            p
            for model in ("paymentallocation", "service", "servicerequirement")
            for p in _crud(model, ("view", "change"))
        ),
        *(p for model in ("branch", "accountprice") for p in _crud(model)),  # 0027: ordering
        *(p for model in ("order", "quote", "delivery") for p in _crud(model, ("view", "change"))),
        *_crud("webhookendpoint"),  # 0032: webhooks and imports
        *_crud("webhookdelivery", ("view", "change")),
        *_crud("importrun", ("view", "add")),
        *_crud("apikey", ("view", "add", "change")),  # 0038: the integration API's keys
    ],
    StaffRole.SUPPORT: [
        *ADMIN_BASICS,
        *(
            p
            for model in ("ticket", "ticketcomment", "case", "caseassignment", "casenote", "caserole")
            for p in _crud(model)
        ),
        *_crud("contact", ("view",)),
        *_crud("account", ("view",)),
    ],
}
# Marketing edits and publishes the tenant's pages and manages its documents and images.
MARKETING_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "delete_page", "lock_page", "unlock_page")
MARKETING_COLLECTION_PERMISSIONS = {
    "wagtaildocs": ("add_document", "change_document", "delete_document", "choose_document"),
    "wagtailimages": ("add_image", "change_image", "delete_image", "choose_image"),
}
# Support files case documents in the tenant's "Cases" collection (each case has a child collection there).
SUPPORT_CASE_DOCUMENT_PERMISSIONS = ("add_document", "change_document", "choose_document")


@transaction.atomic
def tenant_staff_groups_ensure(
    *, tenant: Tenant, home_page: Page | None = None, collection: Collection | None = None
) -> dict[str, Group]:
    """Give ``tenant`` one staff group per role (idempotent), and grant its marketing group the tenant's
    portal subtree (``home_page``) and document/image ``collection``, and its support group the case documents
    (``collection`` › "Cases"). Returns ``{role: group}``."""
    groups: dict[str, Group] = {}
    for role, template_name in TEMPLATE_GROUP_NAMES.items():
        link = TenantStaffGroup.objects.filter(tenant=tenant, role=role).select_related("group").first()
        if link is None:
            # A new group every time: adopting one by name could hand another tenant's staff this tenant.
            name = f"{tenant.name} · {template_name}"
            if Group.objects.filter(name=name).exists():
                name = f"{tenant.name} ({tenant.slug}) · {template_name}"
            link = TenantStaffGroup.objects.create(tenant=tenant, role=role, group=Group.objects.create(name=name))
            link.group.permissions.add(*_role_template(role).permissions.all())
        groups[role] = link.group

    marketing = groups[StaffRole.MARKETING]
    if home_page is not None:
        for codename in MARKETING_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=marketing, page=home_page, permission=_permission("wagtailcore", codename)
            )
    if collection is not None:
        for app_label, codenames in MARKETING_COLLECTION_PERMISSIONS.items():
            for codename in codenames:
                GroupCollectionPermission.objects.get_or_create(
                    group=marketing, collection=collection, permission=_permission(app_label, codename)
                )
        parent = Collection.objects.get(pk=collection.pk)  # fresh: treebeard trusts the stored child count
        cases = parent.get_children().filter(name=CASES_COLLECTION).first() or parent.add_child(name=CASES_COLLECTION)
        for codename in SUPPORT_CASE_DOCUMENT_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=groups[StaffRole.SUPPORT], collection=cases, permission=_permission("wagtaildocs", codename)
            )
    return groups


def page_permissions_follow_translation(*, source: Page, target: Page) -> None:
    """A page copied into another locale gets the group permissions set on its source: a tenant's marketing
    group, which holds its rights on the portal's home page, edits and publishes the home page's translation and
    everything below it too. (Called when Wagtail has copied a page for translation.)"""
    for granted in GroupPagePermission.objects.filter(page=source):
        GroupPagePermission.objects.get_or_create(
            group_id=granted.group_id, page=target, permission_id=granted.permission_id
        )


def _role_template(role: str) -> Group:
    """The role's template group; recreated with the shipped permissions if someone deleted it, so that a new
    tenant's staff never silently get no rights."""
    template, created = Group.objects.get_or_create(name=TEMPLATE_GROUP_NAMES[role])
    if created:
        template.permissions.add(*(_permission(app, codename) for app, codename in ROLE_DEFAULT_PERMISSIONS[role]))
    return template


def _permission(app_label: str, codename: str):
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label=app_label, codename=codename)
