"""Demo documents and services (seed 000): QT9's QMS Web Subscription with a missing EULA and PO,
tenant-wide, product and account documents, and a document library page per tenant."""

import datetime
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.documents import get_document_model

from portal_models.models import Account, Product, RequirementKind, Service, ServiceRequirement, Tenant
from portal_models.services.documents import (
    account_collection,
    document_create,
    product_collection,
    tenant_collection,
)

from ..models import DocumentLibraryPage, PortalHomePage


def _pdf(text: str) -> bytes:
    """A tiny valid one-page PDF showing ``text``."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Email", "Role"])
    sheet.append(["John Doe", "john.doe@example.com", "AP"])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SPECS = {
    "qt9": {
        "library": "QT9 Documents",
        "products": {
            "QMS Web Subscription": {
                "docs": [("QMS installation guide", "qms-installation-guide.pdf")],
                "services": [("C-1001", datetime.date(2022, 8, 26), datetime.date(2023, 8, 26), 1, "1600.00")],
            },
            "ERP Add-on": {
                "docs": [("ERP add-on release notes", "erp-release-notes.pdf")],
                "services": [("C-1002", datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), 5, "3000.00")],
            },
        },
        "tenant_docs": [
            ("Customer portal guide", "customer-portal-guide.pdf"),
            ("Support policy", "support-policy.pdf"),
        ],
        "account_docs": {"C-1001": [("template.xlsx", "template.xlsx")]},
    },
    "northwind": {
        "library": "Northwind documents",
        "products": {
            "Commercial electric service": {
                "docs": [("Commercial rate schedule", "commercial-rate-schedule.pdf")],
                "services": [("NW-500", datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), 1, "2400.00")],
            }
        },
        "tenant_docs": [("Outage safety checklist", "outage-safety-checklist.pdf")],
        "account_docs": {"NW-500": [("Service agreement", "service-agreement.pdf")]},
    },
}


def _document(collection, title: str, filename: str):
    Document = get_document_model()
    if Document.objects.filter(collection=collection, title=title).exists():
        return
    content = _xlsx() if filename.endswith(".xlsx") else _pdf(title)
    document_create(collection=collection, title=title, file=ContentFile(content, name=filename))


@transaction.atomic
def load() -> list[str]:
    lines = []
    for slug, spec in SPECS.items():
        tenant = Tenant.objects.filter(slug=slug).first()
        home = PortalHomePage.objects.filter(tenant=tenant).first() if tenant else None
        if home is None:
            continue
        for title, filename in spec["tenant_docs"]:
            _document(tenant_collection(tenant=tenant), title, filename)
        sections = []
        for name, product_spec in spec["products"].items():
            product, _ = Product.objects.get_or_create(tenant=tenant, name=name)
            for title, filename in product_spec["docs"]:
                _document(product_collection(product=product), title, filename)
            sections.append(("section", {"title": name, "product": product}))
            for number, start, end, seats, cost in product_spec["services"]:
                account = Account.objects.get(tenant=tenant, number=number)
                service, _ = Service.objects.get_or_create(
                    account=account,
                    product=product,
                    start_date=start,
                    defaults={"end_date": end, "service_type": "annual", "seats": seats, "total_cost": Decimal(cost)},
                )
                for kind in (RequirementKind.EULA, RequirementKind.PURCHASE_ORDER):
                    ServiceRequirement.objects.get_or_create(service=service, kind=kind)
        for number, docs in spec["account_docs"].items():
            account = Account.objects.get(tenant=tenant, number=number)
            for title, filename in docs:
                _document(account_collection(account=account), title, filename)
        sections.append(
            ("section", {"title": "General", "collection": str(tenant_collection(tenant=tenant).pk), "product": None})
        )
        library = DocumentLibraryPage.objects.child_of(home).first()
        if library is None:
            library = DocumentLibraryPage(title=spec["library"], slug="library")
            home.add_child(instance=library)
        if not library.sections:  # the provisioned library starts without curated sections
            library.title = spec["library"]
            library.intro = "<p>Guides, release notes and contracts, organised by the products you own.</p>"
            library.sections = sections
            library.save_revision().publish()
        lines.append(f"{tenant.name} documents: http://127.0.0.1:8000{home.url}documents/")
    return lines
