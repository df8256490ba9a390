"""Data-level rights of case roles: deny overrides at every level (Hypothesis), and what a member sees on the
case page (documents per collection, invoices per company, shared or internal notes)."""

import pytest
from django.core.files.base import ContentFile
from hypothesis import given
from hypothesis import strategies as st
from wagtail.documents import get_document_model

from portal_models import access
from portal_models.case_grants import combine_case_rights
from portal_models.models import CaseNote, CasePermission, CaseRole, CaseRoleRight, Grant, PortalCollection
from portal_models.models.case_rights import DEFAULT_TARGETS, NESTED_PERMISSIONS
from portal_models.selectors.cases import case_documents, case_invoices, case_notes
from portal_models.services.cases import case_assign, case_create, case_note_add
from portal_models.services.documents import tenant_collection

from .factories import (
    PDF_BYTES,
    AccountFactory,
    CaseRoleFactory,
    LoginContactFactory,
    ProductFactory,
    TenantFactory,
    default_case_roles,
    seed_invoice,
)

PERMISSIONS = CaseRole.PERMISSIONS
TARGETS = {
    CasePermission.VIEW_DOCUMENTS: ["case", "collection:1", "collection:2"],
    CasePermission.VIEW_INVOICES: ["account:case", "account:others"],
    CasePermission.VIEW_CASE: ["notes:public", "notes:internal"],
}
ALL_TARGETS = [(p, t) for p, targets in TARGETS.items() for t in targets]

grids = st.fixed_dictionaries({p: st.sampled_from(Grant.values) for p in PERMISSIONS})
rights = st.lists(
    st.tuples(st.sampled_from(ALL_TARGETS), st.sampled_from(Grant.values)).map(lambda x: (*x[0], x[1])),
    max_size=6,
)
roles = st.lists(st.tuples(grids, rights), max_size=4)


def reference(roles_) -> set[tuple[str, str]]:
    """The rule written out plainly: what each (permission, target) should be."""
    reached = set()
    for permission, target in ALL_TARGETS:
        top = [grid[permission] for grid, _r in roles_]
        nested = [grant for _g, rs in roles_ for p, t, grant in rs if (p, t) == (permission, target)]
        if Grant.ALLOW not in top or Grant.DENY in top or Grant.DENY in nested:
            continue
        if Grant.ALLOW in nested or DEFAULT_TARGETS[permission] == target:
            reached.add((permission, target))
    return reached


class TestRule:
    @given(roles)
    def test_reached_iff_the_permission_is_granted_the_right_denied_nowhere_and_allowed_or_default(self, roles_):
        grants = combine_case_rights(roles_)
        got = {(p, t) for p, t in ALL_TARGETS if grants.reaches(p, t)}
        assert got == reference(roles_)

    @given(roles, st.tuples(grids, rights))
    def test_adding_a_role_never_undoes_a_deny_at_any_level(self, roles_, extra):
        before = combine_case_rights(roles_)
        after = combine_case_rights([*roles_, extra])
        grid, extra_rights = extra
        for permission, target in ALL_TARGETS:
            denied_top = any(g[permission] == Grant.DENY for g, _r in roles_)
            denied_nested = any(
                (p, t, grant) == (permission, target, Grant.DENY) for _g, rs in roles_ for p, t, grant in rs
            )
            if denied_top or denied_nested:
                assert not before.reaches(permission, target)
                assert not after.reaches(permission, target)
        # and a role that only adds allows never takes anything away
        if all(v != Grant.DENY for v in grid.values()) and all(g != Grant.DENY for *_pt, g in extra_rights):
            assert {pt for pt in ALL_TARGETS if before.reaches(*pt)} <= {pt for pt in ALL_TARGETS if after.reaches(*pt)}
            assert set(before) <= set(after)

    @given(roles)
    def test_a_denied_permission_reaches_nothing_below_it(self, roles_):
        grants = combine_case_rights(roles_)
        for permission in NESTED_PERMISSIONS:
            if permission not in grants:
                assert grants.targets(permission) == frozenset()

    @given(roles)
    def test_top_level_is_the_old_rule(self, roles_):
        assert set(combine_case_rights(roles_)) == set(access.combine_grants(grid for grid, _r in roles_))


@pytest.mark.django_db
class TestCasePage:
    @pytest.fixture
    def world(self):
        tenant = TenantFactory(slug="acme")
        account = AccountFactory(tenant=tenant, name="Test Inc.")
        sister = AccountFactory(tenant=tenant, name="Sister Co.")
        case = case_create(account=account, number="C-1", title="Lease")
        member = LoginContactFactory(account=account).user
        Document = get_document_model()
        own = Document.objects.create(
            title="Own", file=ContentFile(PDF_BYTES, name="own.pdf"), collection=case.collection
        )
        shared_collection = tenant_collection(tenant=tenant).add_child(name="Forms")
        PortalCollection.objects.create(
            tenant=tenant, collection=shared_collection, product=ProductFactory(tenant=tenant)
        )
        forms = Document.objects.create(
            title="Forms", file=ContentFile(PDF_BYTES, name="forms.pdf"), collection=shared_collection
        )
        other_tenant = TenantFactory(slug="other")
        foreign_collection = tenant_collection(tenant=other_tenant).add_child(name="Foreign")
        PortalCollection.objects.create(
            tenant=other_tenant, collection=foreign_collection, product=ProductFactory(tenant=other_tenant)
        )
        foreign = Document.objects.create(
            title="Foreign", file=ContentFile(PDF_BYTES, name="foreign.pdf"), collection=foreign_collection
        )
        mine = seed_invoice(account, number="INV-1")
        theirs = seed_invoice(sister, number="INV-2")
        type(mine).objects.filter(pk__in=[mine.pk, theirs.pk]).update(case=case)
        shared_note = case_note_add(case=case, author=member, body="Shared")
        internal_note = CaseNote.objects.create(case=case, author=member, body="Internal", is_public=False)
        role = CaseRoleFactory(tenant=tenant, name="Member", view_documents="allow", view_invoices="allow")
        case_assign(case=case, users=[member], role=role)
        return {
            "case": case,
            "member": member,
            "role": role,
            "docs": (own, forms, foreign),
            "invoices": (mine, theirs),
            "notes": (shared_note, internal_note),
            "collections": (shared_collection, foreign_collection),
        }

    def seen(self, world):
        grants = access.case_permissions(user=world["member"], case=world["case"])
        case = world["case"]
        return (
            {d.title for d in case_documents(case=case, grants=grants)},
            {i.number for i in case_invoices(case=case, grants=grants)},
            {n.body for n in case_notes(case=case, grants=grants)},
        )

    def right(self, role, permission, target, grant):
        CaseRoleRight.objects.update_or_create(
            role=role, permission=permission, target=target, defaults={"grant": grant}
        )

    def test_defaults_follow_the_permissions(self, world):
        assert self.seen(world) == ({"Own"}, {"INV-1"}, {"Shared"})

    def test_allowed_rights_reach_further_and_a_deny_in_another_role_wins(self, world):
        role, (shared_collection, foreign_collection) = world["role"], world["collections"]
        self.right(role, "view_documents", f"collection:{shared_collection.pk}", "allow")
        self.right(role, "view_documents", f"collection:{foreign_collection.pk}", "allow")  # another tenant's
        self.right(role, "view_invoices", "account:others", "allow")
        self.right(role, "view_case", "notes:internal", "allow")
        assert self.seen(world) == ({"Own", "Forms"}, {"INV-1", "INV-2"}, {"Shared", "Internal"})

        second = CaseRoleFactory(tenant=role.tenant, name="Restricted", view_case="allow")
        case_assign(case=world["case"], users=[world["member"]], role=second)
        self.right(second, "view_documents", "case", "deny")
        self.right(second, "view_invoices", "account:others", "deny")
        self.right(second, "view_case", "notes:internal", "deny")
        assert self.seen(world) == ({"Forms"}, {"INV-1"}, {"Shared"})

        second.view_documents = Grant.DENY  # a denied permission reaches nothing below it
        second.save()
        docs, _invoices, _notes = self.seen(world)
        assert docs == set()


@pytest.mark.django_db
def test_internal_notes_through_the_case_page(signed_in_client, customer_a):
    """A member whose roles reach internal notes is offered to post one; a member without sees neither the choice
    nor the note, and a forged "internal" from them posts a shared note."""
    default_case_roles()
    tenant = customer_a.account.tenant
    case = case_create(account=customer_a.account, number="C-9", title="Audit")
    role = CaseRoleFactory(tenant=tenant, name="Member", view_case="allow", post_notes="allow")
    case_assign(case=case, users=[customer_a.user], role=role)
    page = f"/acme/cases/{case.pk}/"
    assert 'name="internal"' not in signed_in_client.get(page).content.decode()
    signed_in_client.post(f"{page}notes/", {"body": "Forged", "internal": "on"})
    assert CaseNote.objects.get(body="Forged").is_public is True

    CaseRoleRight.objects.create(role=role, permission="view_case", target="notes:internal", grant="allow")
    assert 'name="internal"' in signed_in_client.get(page).content.decode()
    response = signed_in_client.post(f"{page}notes/", {"body": "Only the team", "internal": "on"})
    assert response.status_code == 302
    assert CaseNote.objects.get(body="Only the team").is_public is False
    html = signed_in_client.get(page).content.decode()
    assert "Only the team" in html and 'data-testid="internal-note"' in html

    other = CaseRoleFactory(tenant=tenant, name="No internal", view_case="allow")
    case_assign(case=case, users=[customer_a.user], role=other)
    CaseRoleRight.objects.create(role=other, permission="view_case", target="notes:internal", grant="deny")
    html = signed_in_client.get(page).content.decode()
    assert "Only the team" not in html and "Forged" in html and 'name="internal"' not in html
