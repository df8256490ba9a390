"""Customer files in the admin: which Wagtail collections hold one customer's documents (an account's files, a
case's evidence), and the collection permission policy of documents and images that keeps them out of a tenant-wide
grant.

A tenant's collection tree is ``tenant › Products › <product>`` (marketing's, shown to customers by product),
``tenant › Accounts › <account>`` and ``tenant › Cases › <case>`` (customer files). Wagtail's collection permissions
cover every collection below the one they are granted on; here a grant stops at the customer folders ("Accounts",
"Cases") below it, so marketing's grant on the tenant's collection reaches its content and product documents only.
A grant made on a customer folder itself (support's on "Cases") covers that folder as Wagtail's does. Superusers are
unaffected.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Length, Substr
from wagtail.models import Collection
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import policy_registry

from .models import Case, PortalCollection

CASES_COLLECTION = "Cases"  # services.cases names the tenant's case folder so
_CACHE = "_portal_customer_folders"


def customer_folder_paths() -> frozenset[str]:
    """The paths of the customer folders: the parents of account collections and of case collections, and each
    tenant collection's "Cases" folder (made before its first case)."""
    steplen = Collection.steplen
    parent = Substr(F("path"), 1, Length(F("path")) - steplen)
    accounts = Collection.objects.filter(portal_scope__account__isnull=False)
    cases = Collection.objects.filter(pk__in=Case.objects.exclude(collection=None).values("collection_id"))
    tenant_paths = PortalCollection.objects.filter(product=None, account=None).values_list(
        "collection__path", flat=True
    )
    folders = set(accounts.annotate(parent=parent).values_list("parent", flat=True).distinct())
    folders |= set(cases.annotate(parent=parent).values_list("parent", flat=True).distinct())
    tenant_paths = list(tenant_paths)
    if tenant_paths:
        in_tenant = Q()
        for path in tenant_paths:
            in_tenant |= Q(path__startswith=path, depth=len(path) // steplen + 1)
        folders |= set(Collection.objects.filter(in_tenant, name=CASES_COLLECTION).values_list("path", flat=True))
    return frozenset(folders)


def _folders_for(user) -> frozenset[str]:
    """:func:`customer_folder_paths`, worked out once per request (kept on the user object)."""
    folders = getattr(user, _CACHE, None)
    if folders is None:
        folders = customer_folder_paths()
        setattr(user, _CACHE, folders)
    return folders


def grant_covers(granted_path: str, path: str, folders: frozenset[str]) -> bool:
    """Whether a grant on the collection at ``granted_path`` covers the one at ``path``: it is that collection or
    below it, and no customer folder lies strictly below the grant on the way down to it."""
    if not path.startswith(granted_path):
        return False
    return not any(
        len(folder) > len(granted_path) and folder.startswith(granted_path) and path.startswith(folder)
        for folder in folders
    )


def is_customer_collection(collection: Collection) -> bool:
    """Whether ``collection`` is a customer folder or lies inside one (one customer's files)."""
    return any(collection.path.startswith(folder) for folder in customer_folder_paths())


class CustomerFilesPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's policy for documents and images, whose grants stop at customer folders (see module docstring)."""

    def _check_perm(self, user, actions, collection=None):
        if collection is None or not (user.is_active and user.is_authenticated) or user.is_superuser:
            return super()._check_perm(user, actions, collection=collection)
        folders = _folders_for(user)
        return any(
            grant_covers(granted.collection.path, collection.path, folders)
            for granted in self._get_user_permission_objects_for_actions(user, actions)
        )

    def _collections_with_perm(self, user, actions) -> QuerySet:
        folders = _folders_for(user)
        collections = Collection.objects.none()
        for granted in self._get_user_permission_objects_for_actions(user, actions):
            root = granted.collection
            covered = Collection.objects.descendant_of(root, inclusive=True)
            for folder in folders:
                if len(folder) > len(root.path) and folder.startswith(root.path):
                    covered = covered.exclude(path__startswith=folder)
            collections |= covered
        return collections


def install() -> None:
    """Register the policy for Wagtail's document and image models (from portal_models.wagtail_hooks). Registered
    for the exact class, so it wins over the policy the Wagtail apps register in ready(), whichever runs first."""
    from wagtail.documents import get_document_model, get_document_model_string
    from wagtail.images import get_image_model, get_image_model_string
    from wagtail.permissions import register_permission_policy

    register_permission_policy(
        get_document_model(),
        CustomerFilesPermissionPolicy(
            get_document_model_string(), auth_model="wagtaildocs.Document", owner_field_name="uploaded_by_user"
        ),
        exact_class=True,
    )
    register_permission_policy(
        get_image_model(),
        CustomerFilesPermissionPolicy(
            get_image_model_string(), auth_model="wagtailimages.Image", owner_field_name="uploaded_by_user"
        ),
        exact_class=True,
    )


# Record permissions that let staff open the files of a customer folder without a collection grant on it.
FOLDER_RECORD_PERMISSIONS = {"account": "portal_models.view_account", "case": "portal_models.view_case"}


def staff_may_open(user, document) -> bool:
    """Whether a staff member of the document's tenant may download this Wagtail document: any document outside
    the customer folders; a customer's file when a collection grant covers it (support's on "Cases") or they work
    with that kind of record (billing: accounts; support: cases). Marketing opens no customer's file."""
    if user.is_superuser or not hasattr(document, "collection"):  # a CustomerUpload: its own permissions decide
        return True
    path = document.collection.path
    folder = next((f for f in _folders_for(user) if path.startswith(f)), None)
    if folder is None:
        return True
    policy = policy_registry.get_by_type(type(document))
    if policy.user_has_any_permission_for_instance(user, ["change", "choose"], document):
        return True
    return user.has_perm(FOLDER_RECORD_PERMISSIONS["case" if _is_cases(folder) else "account"])


def _is_cases(folder_path: str) -> bool:
    return Collection.objects.filter(path=folder_path, name=CASES_COLLECTION).exists()
