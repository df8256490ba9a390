"""Demo cases for QT9's "Test Inc.": one active, one inactive, shared with john.doe@example.com."""

from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.documents import get_document_model

from portal_models.models import Account, Case, CaseNote, CaseStatus, User
from portal_models.services.cases import case_assign, case_create, case_document_upload, case_roles_ensure_defaults

CUSTOMER_EMAIL = "john.doe@example.com"
STAFF_EMAIL = "admin@example.com"

CASES = [
    {
        "number": "CASE-2026-014",
        "title": "ERP rollout — quality module",
        "description": (
            "Implementation of the QT9 quality module at the Aurora plant: data migration, training, go-live."
        ),
        "status": CaseStatus.ACTIVE,
        "document": ("Statement of work", "statement-of-work.pdf"),
        "note": "Kick-off is confirmed for Monday 9:00. Please send the supplier list beforehand.",
    },
    {
        "number": "CASE-2025-087",
        "title": "Data migration audit",
        "description": "Review of the 2025 data migration. Closed after sign-off.",
        "status": CaseStatus.INACTIVE,
        "document": ("Audit report", "audit-report.pdf"),
        "note": "Final report delivered and signed off.",
    },
]


def _pdf(text: str) -> bytes:
    body = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@transaction.atomic
def load() -> list[str]:
    account = Account.objects.filter(tenant__slug="qt9", name="Test Inc.").first()
    customer = User.objects.filter(email=CUSTOMER_EMAIL).first()
    if account is None or customer is None:
        return []
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    roles = case_roles_ensure_defaults()
    client_role, staff_role = roles["Client"], roles["Staff"]
    Document = get_document_model()
    for spec in CASES:
        case = Case.objects.filter(tenant=account.tenant, number=spec["number"]).first()
        if case is not None:
            continue
        case = case_create(
            account=account,
            number=spec["number"],
            title=spec["title"],
            description=spec["description"],
            status=spec["status"],
        )
        case_assign(case=case, users=[customer], role=client_role)
        if staff is not None:
            case_assign(case=case, users=[staff], role=staff_role)
        title, filename = spec["document"]
        if not Document.objects.filter(collection=case.collection, title=title).exists():
            upload = ContentFile(_pdf(title), name=filename)
            upload.size = len(upload)
            case_document_upload(case=case, upload=upload, user=staff or customer, title=title)
        CaseNote.objects.create(case=case, author=staff or customer, body=spec["note"])
    return [f"Cases: {len(CASES)} demo cases for Test Inc. shared with {CUSTOMER_EMAIL}"]
