"""The one place that decides what a signed-in customer may see and do.

Every customer route and every document download goes through :func:`portal_context`
(who is this, at which tenant and account) and :func:`get_object_or_404`
(may they see this object). Objects of another account or tenant answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django_otp import user_has_device

from . import customer_files
from .case_grants import CaseGrants, combine_case_rights, combine_grants  # noqa: F401  (combine_grants: re-exported)
from .models import (
    Account,
    AccountChoice,
    Branch,
    Case,
    CaseAssignment,
    CasePermission,
    CaseRole,
    Contact,
    CreditMemo,
    CustomerUpload,
    Delivery,
    Invoice,
    Order,
    Payment,
    PortalCollection,
    Quote,
    Service,
    Tenant,
    User,
)
from .staff_access import staff_tenant_ids

ACTIVE_ACCOUNT_SESSION_KEY = "portal_active_account"
ACTIVE_BRANCH_SESSION_KEY = "portal_active_branch"


class PortalPermission:
    PAY = "can_pay"
    MANAGE_CONTACTS = "can_manage_contacts"
    SEE_DOCUMENTS = "can_see_documents"
    ORDER = "can_order"  # the Order Pad and quote requests (seeing orders needs no right)
    ALL = (PAY, MANAGE_CONTACTS, SEE_DOCUMENTS, ORDER)


class MissingRight(Http404):
    """The signed-in contact lacks a right of their own company (not another account's object): the screens
    answer a page that names the right and who can grant it (a 404 elsewhere, e.g. downloads)."""

    def __init__(self, permission: str):
        super().__init__("Not available.")
        self.permission = permission


class NotSignedIn(Exception):
    """The visitor must sign in on this tenant's portal first."""


@dataclass(frozen=True)
class PortalContext:
    """Who is acting, at which tenant, for which account (the active company)."""

    user: User
    tenant: Tenant
    contact: Contact
    contacts: tuple[Contact, ...]

    @property
    def account(self) -> Account:
        return self.contact.account

    @cached_property
    def branch_ids(self) -> frozenset[int] | None:
        """The branches the contact is limited to (None: not limited, all the account's branches)."""
        if getattr(self.contact, "branch_limited", True) is False:  # known from the sign-in query: no query
            return None
        ids = frozenset(self.contact.branches.values_list("pk", flat=True))
        return ids or None

    @property
    def has_cases(self) -> bool:
        """Does the user hold a role on a case of any of their companies here (known from the sign-in query:
        the header's case list is read only then)."""
        return any(getattr(contact, "has_cases", True) for contact in self.contacts)

    def has(self, permission: str) -> bool:
        return bool(getattr(self.contact, permission))

    def require(self, permission: str) -> None:
        if not self.has(permission):
            raise MissingRight(permission)


def login_contacts(*, user: User, tenant: Tenant, header: bool = False) -> QuerySet[Contact]:
    """The contacts through which ``user`` may sign in on ``tenant``'s portal, with whether each is limited to
    branches.

    ``header``: for a page in the signed-in shell, also whether the company has active branches and whether the
    user holds a role on a case of the company, so that the header reads no branch or case list when there is
    none (most companies have no branches, most users no case). A screen that answers a file leaves them out
    (they cost the query more than it saves there).
    """
    if not user.is_authenticated or not user.is_active:
        return Contact.objects.none()
    contacts = (  # with_login() for a user already known to be active: no join to the user table
        Contact.objects.login_rights()
        .filter(user_id=user.pk, account__tenant_id=tenant.pk)
        .select_related("account")
        .annotate(branch_limited=Exists(Contact.branches.through.objects.filter(contact_id=OuterRef("pk"))))
        .order_by("account__name", "pk")
    )
    if not header:
        return contacts
    branches = Branch.objects.filter(account_id=OuterRef("account_id"), is_active=True)
    cases = CaseAssignment.objects.filter(
        user_id=user.pk, case__tenant_id=tenant.pk, case__account_id=OuterRef("account_id")
    )
    return contacts.annotate(account_has_branches=Exists(branches), has_cases=Exists(cases))


def can_sign_in(*, user: User, tenant: Tenant) -> bool:
    return login_contacts(user=user, tenant=tenant).exists()


def portal_context(request, *, tenant: Tenant, header: bool = True) -> PortalContext:
    """The signed-in customer's context on ``tenant``; raises NotSignedIn otherwise.

    The active account is the one chosen in the header (kept in the session), or the first. ``header``: see
    :func:`login_contacts` (False for a screen that answers a file).
    """
    contacts = tuple(login_contacts(user=request.user, tenant=tenant, header=header))
    if not contacts:
        raise NotSignedIn
    for c in contacts:  # the accounts are the tenant's (filtered on it): share the loaded tenant and user
        c.account.tenant = tenant
        c.user = request.user
    key = f"{ACTIVE_ACCOUNT_SESSION_KEY}:{tenant.pk}"
    chosen = request.session.get(key)
    if chosen is None and len(contacts) > 1:
        # a new session: the company the user last chose (persisted), read once and kept in the session
        chosen = (
            AccountChoice.objects.filter(user_id=request.user.pk, tenant_id=tenant.pk)
            .values_list("account_id", flat=True)
            .first()
        )
        if chosen is not None:
            request.session[key] = chosen
    contact = next((c for c in contacts if c.account_id == chosen), contacts[0])
    return PortalContext(user=request.user, tenant=tenant, contact=contact, contacts=contacts)


def switch_account(request, *, portal: PortalContext, account_id: int) -> Account:
    """Work for another of the user's companies in this session (services.invitations.account_choose remembers it)."""
    contact = next((c for c in portal.contacts if c.account_id == account_id), None)
    if contact is None:
        raise Http404("No such account.")
    request.session[f"{ACTIVE_ACCOUNT_SESSION_KEY}:{portal.tenant.pk}"] = contact.account_id
    return contact.account


# The records a contact limited to branches sees only of their branches (records of no branch are the company's).
_BRANCH_FIELDS = {
    Order: "branch",
    Quote: "branch",
    Delivery: "branch",
    Invoice: "branch",
    CreditMemo: "invoice__branch",
}


def scope(queryset: QuerySet, *, portal: PortalContext, account_field: str = "account") -> QuerySet:
    """Restrict ``queryset`` to the active account of the portal context (and, for a contact limited to branches,
    orders, quotes, deliveries, invoices, credit memos and payments to their branches)."""
    return limit_to_branches(queryset.filter(**{account_field: portal.account}), portal=portal)


def limit_to_branches(queryset: QuerySet, *, portal: PortalContext) -> QuerySet:
    """A contact limited to branches sees their branches' records only; a payment when it paid one of their
    branches' invoices. Other models and unlimited contacts: unchanged (and the contact's branches not read)."""
    model = queryset.model
    is_payment = model is Payment or issubclass(model, Payment)
    field = next((f for m, f in _BRANCH_FIELDS.items() if issubclass(model, m)), None)
    if not is_payment and field is None:
        return queryset
    ids = portal.branch_ids
    if ids is None:
        return queryset
    if is_payment:
        return queryset.filter(Exists(Invoice.objects.filter(allocations__payment=OuterRef("pk"), branch_id__in=ids)))
    return queryset.filter(**{f"{field}_id__in": ids})


def get_object_or_404(
    queryset: QuerySet,
    *,
    portal: PortalContext,
    account_field: str = "account",
    permission: str | None = None,
    **lookup,
) -> Model:
    """Fetch one object of the active account, or 404 (never 403) for anything else."""
    if permission is not None:
        portal.require(permission)
    try:
        return scope(queryset, portal=portal, account_field=account_field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found.") from None


# --- Branches: the header's branch drop-down -------------------------------------------------------


def _branches(portal: PortalContext) -> QuerySet:
    branches = Branch.objects.filter(account=portal.account)
    if portal.branch_ids is not None:
        return branches.filter(pk__in=portal.branch_ids)
    return branches.filter(is_active=True)


def account_branches(portal: PortalContext) -> list:
    """The active account's branches the contact may see (empty: the account has none and no branch drop-down
    shows); a contact limited to branches: theirs only."""
    if portal.branch_ids is None and getattr(portal.contact, "account_has_branches", True) is False:
        return []  # known from the sign-in query: no query
    return list(_branches(portal).order_by("name", "pk"))


def active_branch(request, portal: PortalContext) -> Branch | None:
    """The branch chosen in the header for the active account (None: all branches). A contact limited to branches
    always has one of theirs (the first by default): they have no "All branches"."""
    chosen = request.session.get(f"{ACTIVE_BRANCH_SESSION_KEY}:{portal.account.pk}")
    branches = _branches(portal)
    branch = branches.filter(pk=chosen).first() if chosen else None
    if branch is None and portal.branch_ids is not None:
        branch = branches.order_by("name", "pk").first()
    return branch


def all_branches_allowed(portal: PortalContext) -> bool:
    """May the contact choose "All branches" in the header (not limited to some branches)."""
    return portal.branch_ids is None


def switch_branch(request, *, portal: PortalContext, branch_id) -> Branch | None:
    """Choose the header's branch (``branch_id`` empty: all branches); another account's branch answers 404."""
    key = f"{ACTIVE_BRANCH_SESSION_KEY}:{portal.account.pk}"
    if not branch_id and portal.branch_ids is None:
        request.session.pop(key, None)
        return None
    try:
        branch = _branches(portal).get(pk=int(branch_id))
    except (Branch.DoesNotExist, ValueError, TypeError):
        raise Http404("No such branch.") from None
    request.session[key] = branch.pk
    return branch


def branch_scope(queryset: QuerySet, *, branch: Branch | None, branch_field: str = "branch") -> QuerySet:
    """Restrict an (already account-scoped) queryset to the header's branch; None leaves it whole."""
    if branch is None:
        return queryset
    return queryset.filter(**{branch_field: branch})


# --- Cases: what a user may do on a case ------------------------------------------------------


def case_permissions(*, user: User, case: Case) -> CaseGrants:
    """What ``user`` may do on ``case``, across all the roles they hold on it, down to the data-level rights
    (documents per collection, invoices per company, shared or internal notes), a deny in any role overriding
    every allow at every level (``case_grants``). Two queries."""
    if not user.is_authenticated or not user.is_active:
        return CaseGrants()
    roles = CaseRole.objects.filter(assignments__case=case, assignments__user=user).prefetch_related("rights")
    return combine_case_rights(
        (role.grid, [(r.permission, r.target, r.grant) for r in role.rights.all()]) for role in roles
    )


def get_case_or_404(portal: PortalContext, pk, permission: str = CasePermission.VIEW_CASE) -> tuple[Case, frozenset]:
    """A case of the portal's tenant and of one of the user's companies on which they hold ``permission``.

    Returns the case and the user's permissions on it; anything else answers 404. Viewing the case is
    required for every other permission.
    """
    account_ids = [contact.account_id for contact in portal.contacts]
    try:
        case = Case.objects.select_related("account").get(pk=pk, tenant=portal.tenant, account_id__in=account_ids)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("Not found.") from None
    permissions = case_permissions(user=portal.user, case=case)
    if CasePermission.VIEW_CASE not in permissions or permission not in permissions:
        raise Http404("Not found.")
    return case, permissions


# --- Documents -------------------------------------------------------------------------------------


def visible_documents(portal: PortalContext) -> QuerySet:
    """THE document rule: the Wagtail documents the active account may see and download.

    Tenant-wide documents (the tenant's collection), documents of the products the account
    has through its services, and documents for this account alone (its own collection).
    Contacts without the "can see documents" right see none.
    """
    from wagtail.documents import get_document_model

    documents = get_document_model().objects.all()
    if not portal.has(PortalPermission.SEE_DOCUMENTS):
        return documents.none()
    products = Service.objects.filter(account=portal.account).values("product_id")
    collections = PortalCollection.objects.filter(tenant=portal.tenant).filter(
        Q(product__isnull=True, account__isnull=True) | Q(product__in=products) | Q(account=portal.account)
    )
    return documents.filter(collection__in=collections.values("collection_id"))


def visible_uploads(portal: PortalContext) -> QuerySet:
    """The customer's own uploads ("My documents") of the active account."""

    if not portal.has(PortalPermission.SEE_DOCUMENTS):
        return CustomerUpload.objects.none()
    return scope(CustomerUpload.objects.all(), portal=portal)


def document_tenant(document) -> Tenant | None:
    """The tenant whose portal a Wagtail document belongs to (None for documents outside every portal)."""

    scope_ = PortalCollection.objects.filter(collection_id=document.collection_id).select_related("tenant").first()
    if scope_ is None:  # e.g. a case's collection, inside the tenant's collection
        path = document.collection.path
        steplen = type(document.collection).steplen
        ancestors = [path[:end] for end in range(steplen, len(path), steplen)]
        scope_ = (
            PortalCollection.objects.filter(collection__path__in=ancestors)
            .select_related("tenant")
            .order_by("-collection__depth")
            .first()
        )
    return scope_.tenant if scope_ else None


def _staff_may_download(user, document, tenant: Tenant | None) -> bool:

    ids = staff_tenant_ids(user)
    if ids is None:
        return True
    if tenant is not None:  # a staff member of the tenant; a customer's file only for who works with it
        return tenant.pk in ids and customer_files.staff_may_open(user, document)
    from wagtail.documents.permissions import permission_policy

    return not hasattr(document, "account_id") and permission_policy.user_has_any_permission_for_instance(
        user, ["change", "choose"], document
    )


class DownloadDecision:
    ALLOW = "allow"
    SIGN_IN = "sign_in"
    NOT_FOUND = "not_found"
    CHANGE_PASSWORD = "change_password"  # the gates of every portal page: a temporary password first
    TWO_FACTOR = "two_factor"  # the tenant requires two-factor authentication and the user has none


def can_download_document(request, document, *, tenant: Tenant | None = None) -> str:
    """May this request download ``document`` (a Wagtail document or a CustomerUpload)?

    Staff with admin access may when the document belongs to one of their tenants (superusers: any; a
    document outside every portal: when Wagtail's collection permissions let them choose or change it); a
    customer may when the document is visible to their active account on the document's tenant; an
    anonymous visitor must sign in; anyone else gets 404.
    """

    user = request.user
    if isinstance(document, CustomerUpload):
        tenant = document.account.tenant
    elif tenant is None:
        tenant = document_tenant(document)
    staff = user.is_authenticated and user.is_active and user.has_perm("wagtailadmin.access_admin")
    if staff and _staff_verified(user):
        if _staff_may_download(user, document, tenant):
            return DownloadDecision.ALLOW
    if not user.is_authenticated:
        return DownloadDecision.SIGN_IN
    if tenant is None:
        return DownloadDecision.NOT_FOUND
    try:
        portal = portal_context(request, tenant=tenant, header=False)  # a file, not a page
    except NotSignedIn:
        return DownloadDecision.NOT_FOUND
    visible = visible_uploads(portal) if isinstance(document, CustomerUpload) else visible_documents(portal)
    if not visible.filter(pk=document.pk).exists():
        return DownloadDecision.NOT_FOUND
    if user.must_change_password:
        return DownloadDecision.CHANGE_PASSWORD
    if tenant.two_factor_policy == Tenant.TwoFactorPolicy.REQUIRED and not user_has_device(user):
        return DownloadDecision.TWO_FACTOR
    return DownloadDecision.ALLOW


def _staff_verified(user) -> bool:
    """The admin's gate: staff downloads as staff only once verified by a second factor (as for /admin/)."""
    if not settings.PORTAL_ADMIN_REQUIRE_2FA:
        return True
    return bool(getattr(user, "is_verified", lambda: False)())
