"""The demo's data-level case rights (demo/case_rights.py): two contacts of Test Inc. on the ERP rollout case,
one "Project lead", one "Project member", resolved through access.case_permissions and seen on the case page."""

import pytest

from portal_models.access import case_permissions
from portal_models.models import Case, CasePermission, PortalCollection, User
from portal_models.selectors.cases import case_documents, case_invoices, case_notes
from portal_pages import demo
from portal_pages.demo.case_rights import LEAD_EMAIL, MEMBER_EMAIL, NOTES

pytestmark = pytest.mark.django_db

INTERNAL = next(body for body, public in NOTES if not public)
SHARED = next(body for body, public in NOTES if public)


def collection_of(case, product):
    return PortalCollection.objects.get(tenant=case.tenant, product__name=product).collection_id


def test_demo_rights_resolve_per_role_and_show_on_the_case_page(client):
    demo.load()
    demo.load()  # idempotent
    case = Case.objects.select_related("tenant", "account").get(tenant__slug="qt9", number="CASE-2026-014")
    lead = User.objects.get(email=LEAD_EMAIL)
    member = User.objects.get(email=MEMBER_EMAIL)
    qms, erp = collection_of(case, "QMS Web Subscription"), collection_of(case, "ERP Add-on")

    lead_grants = case_permissions(user=lead, case=case)
    member_grants = case_permissions(user=member, case=case)
    view_case, docs, invoices = CasePermission.VIEW_CASE, CasePermission.VIEW_DOCUMENTS, CasePermission.VIEW_INVOICES
    assert lead_grants.targets(view_case) == {"notes:public", "notes:internal"}
    assert member_grants.targets(view_case) == {"notes:public"}
    assert lead_grants.targets(invoices) == {"account:case", "account:others"}
    assert member_grants.targets(invoices) == {"account:case"}
    assert set(lead_grants.collection_ids()) == {qms, erp}
    assert member_grants.collection_ids() == [qms]
    assert lead_grants.reaches(docs, "case") and member_grants.reaches(docs, "case")
    assert CasePermission.UPLOAD_DOCUMENTS in lead_grants and CasePermission.UPLOAD_DOCUMENTS not in member_grants

    # what the rights reach in the records
    assert {n.body for n in case_notes(case=case, grants=lead_grants)} >= {SHARED, INTERNAL}
    member_notes = {n.body for n in case_notes(case=case, grants=member_grants)}
    assert SHARED in member_notes and INTERNAL not in member_notes
    lead_invoice_accounts = {i.account.number for i in case_invoices(case=case, grants=lead_grants)}
    assert lead_invoice_accounts == {"C-1001", "C-1002"}
    assert {i.account.number for i in case_invoices(case=case, grants=member_grants)} == {"C-1001"}
    lead_docs = {d.title for d in case_documents(case=case, grants=lead_grants)}
    member_docs = {d.title for d in case_documents(case=case, grants=member_grants)}
    assert {"ERP add-on release notes", "QMS installation guide", "Statement of work"} <= lead_docs
    assert "QMS installation guide" in member_docs and "Statement of work" in member_docs
    assert "ERP add-on release notes" not in member_docs

    # signed in, the two contacts see the difference
    client.force_login(lead)
    lead_page = client.get(f"/qt9/cases/{case.pk}/").content.decode()
    assert INTERNAL in lead_page and SHARED in lead_page
    client.force_login(member)
    response = client.get(f"/qt9/cases/{case.pk}/")
    assert response.status_code == 200
    member_page = response.content.decode()
    assert SHARED in member_page and INTERNAL not in member_page
