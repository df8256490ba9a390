"""The case permission grid: allow, not granted, deny-overrides across several roles; case services."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from portal_models import access
from portal_models.models import CasePermission, CaseRole, Grant
from portal_models.services.cases import (
    case_assign,
    case_create,
    case_document_upload,
    case_note_add,
    sanitize_filename,
)

from .factories import AccountFactory, CaseRoleFactory, LoginContactFactory, UserFactory, default_case_roles

PERMISSIONS = CaseRole.PERMISSIONS
grids = st.fixed_dictionaries({p: st.sampled_from(Grant.values) for p in PERMISSIONS})


@pytest.fixture(autouse=True)
def _case_roles(request):
    """Seeded roles, also after a transactional (browser) test flushed the data migration's rows."""
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        default_case_roles()


class TestCombineGrants:
    def test_allow_grants_and_not_granted_does_not(self):
        grid = dict.fromkeys(PERMISSIONS, Grant.NONE) | {"view_case": Grant.ALLOW}
        assert access.combine_grants([grid]) == {"view_case"}

    def test_deny_in_one_role_overrides_allow_in_another(self):
        allow_all = dict.fromkeys(PERMISSIONS, Grant.ALLOW)
        deny_upload = dict.fromkeys(PERMISSIONS, Grant.NONE) | {"upload_documents": Grant.DENY}
        assert access.combine_grants([allow_all, deny_upload]) == set(PERMISSIONS) - {"upload_documents"}
        assert access.combine_grants([deny_upload, allow_all]) == set(PERMISSIONS) - {"upload_documents"}

    def test_no_roles_no_permissions(self):
        assert access.combine_grants([]) == frozenset()

    @given(st.lists(grids, max_size=5))
    def test_granted_iff_allowed_somewhere_and_denied_nowhere(self, roles):
        granted = access.combine_grants(roles)
        for p in PERMISSIONS:
            expected = any(r[p] == Grant.ALLOW for r in roles) and not any(r[p] == Grant.DENY for r in roles)
            assert (p in granted) is expected

    @given(st.lists(grids, max_size=4), grids)
    def test_adding_a_role_never_undoes_a_deny(self, roles, extra):
        before = access.combine_grants(roles)
        after = access.combine_grants([*roles, extra])
        denied_before = {p for p in PERMISSIONS if any(r[p] == Grant.DENY for r in roles)}
        assert not (after & denied_before)
        assert after <= before | {p for p in PERMISSIONS if extra[p] == Grant.ALLOW}


@pytest.mark.django_db
class TestCasePermissions:
    def test_roles_on_the_case_combine_with_deny_overriding(self):
        contact = LoginContactFactory()
        case = case_create(account=contact.account, number="G-1", title="Grid")
        user = contact.user
        assert access.case_permissions(user=user, case=case) == frozenset()  # unassigned
        case_assign(case=case, users=[user], role=CaseRoleFactory(name="A", view_case="allow", post_notes="allow"))
        assert access.case_permissions(user=user, case=case) == {"view_case", "post_notes"}
        case_assign(case=case, users=[user], role=CaseRoleFactory(name="B", view_case="none", post_notes="deny"))
        assert access.case_permissions(user=user, case=case) == {"view_case"}
        # roles on another case do not leak
        other = case_create(account=contact.account, number="G-2", title="Other")
        case_assign(case=other, users=[user], role=CaseRoleFactory(name="C", view_invoices="allow"))
        assert access.case_permissions(user=user, case=case) == {"view_case"}

    def test_seeded_roles(self):
        client = CaseRole.objects.get(name="Client", tenant=None)
        staff = CaseRole.objects.get(name="Staff", tenant=None)
        assert client.manage_assignments == Grant.DENY and client.view_documents == Grant.ALLOW
        assert all(value == Grant.ALLOW for value in staff.grid.values())

    def test_inactive_user_has_no_permissions(self):
        contact = LoginContactFactory()
        case = case_create(account=contact.account, number="I-1", title="Inactive")
        case_assign(case=case, users=[contact.user], role=CaseRole.objects.get(name="Staff", tenant=None))
        contact.user.is_active = False
        contact.user.save()
        assert access.case_permissions(user=contact.user, case=case) == frozenset()
        assert CasePermission.VIEW_CASE.value == "view_case"


@pytest.mark.django_db
class TestCaseServices:
    def test_case_gets_its_own_collection_under_cases(self):
        account = AccountFactory()
        a = case_create(account=account, number="S-1", title="One")
        b = case_create(account=account, number="S-2", title="Two")
        assert a.collection != b.collection
        assert a.collection.get_parent() == b.collection.get_parent()
        assert a.collection.get_parent().name == "Cases"

    def test_duplicate_number_refused(self):
        account = AccountFactory()
        case_create(account=account, number="D-1", title="One")
        with pytest.raises(ValidationError) as error:
            case_create(account=account, number="D-1", title="Again")
        assert "number" in error.value.message_dict

    def test_assign_requires_users(self):
        case = case_create(account=AccountFactory(), number="E-1", title="Empty")
        with pytest.raises(ValidationError):
            case_assign(case=case, users=[], role=CaseRole.objects.get(name="Client", tenant=None))

    def test_staff_can_be_assigned_outsiders_cannot(self):
        from portal_models.models import StaffRole
        from portal_models.services.tenants import tenant_staff_groups_ensure

        case = case_create(account=AccountFactory(), number="F-1", title="Staffed")
        staff = UserFactory(is_staff=True)  # staff of the case's tenant
        staff.groups.add(tenant_staff_groups_ensure(tenant=case.tenant)[StaffRole.SUPPORT])
        role = CaseRole.objects.get(name="Staff", tenant=None)
        assert len(case_assign(case=case, users=[staff], role=role)) == 1
        with pytest.raises(ValidationError):
            case_assign(case=case, users=[UserFactory()], role=role)
        with pytest.raises(ValidationError):  # staff of another tenant
            case_assign(case=case, users=[UserFactory(is_staff=True)], role=role)

    def test_note_validation(self):
        case = case_create(account=AccountFactory(), number="N-1", title="Notes")
        with pytest.raises(ValidationError):
            case_note_add(case=case, author=UserFactory(), body="  ")
        with pytest.raises(ValidationError):
            case_note_add(case=case, author=UserFactory(), body="x" * 5001)

    @pytest.mark.parametrize(
        "name, content, message",
        [
            ("a.pdf", b"", "empty"),
            ("a.exe", b"MZ", "Allowed file types"),
            ("a.png", b"%PDF-1.4", "does not match"),
            ("a.txt", b"hello\x00world", "not plain text"),
            ("noext", b"%PDF-1.4", "Allowed file types"),
        ],
    )
    def test_upload_validation(self, name, content, message):
        case = case_create(account=AccountFactory(), number="U-1", title="Uploads")
        with pytest.raises(ValidationError) as error:
            case_document_upload(case=case, upload=SimpleUploadedFile(name, content), user=UserFactory())
        assert message in str(error.value)

    def test_upload_size_limit(self, settings):
        settings.CASE_DOCUMENT_MAX_BYTES = 1024 * 1024
        case = case_create(account=AccountFactory(), number="L-1", title="Large")
        big = SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))
        with pytest.raises(ValidationError, match="at most 1 MB"):
            case_document_upload(case=case, upload=big, user=UserFactory())

    def test_text_and_utf8_upload_accepted(self):
        case = case_create(account=AccountFactory(), number="T-1", title="Text")
        doc = case_document_upload(
            case=case, upload=SimpleUploadedFile("Notes é.CSV", "a,b\nç,é\n".encode()), user=UserFactory()
        )
        assert doc.collection == case.collection and doc.filename.endswith(".csv")

    @pytest.mark.parametrize(
        "raw, clean",
        [
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\x\\Report Final.PDF", "report-final.pdf"),
            ("<script>.pdf", "script.pdf"),
            (".pdf", "pdf"),
        ],
    )
    def test_sanitize_filename(self, raw, clean):
        assert sanitize_filename(raw) == clean
