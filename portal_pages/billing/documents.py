"""Invoice PDFs rendered off the request: at each change of what an invoice shows (its issue, a payment, a credit, a
void: ``portal_models.changes.invoice_changed``) the task worker renders it and stores it in the file storage (S3 in
production, private); the customer's download serves the stored file. A request that comes before the worker has
run (or in another language than the portal's) renders once and stores what it rendered.

A stored PDF is named by a fingerprint of everything it shows: the invoice's last change (``updated_at``, which
every recalculation moves), whether it is overdue today, the portal page's last publication (logo, support phone),
the language and the templates' text. Older renderings of the invoice are deleted once a newer one is stored.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import get_template
from django.utils import translation
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from portal_models.models import Invoice, InvoiceStatus
from portal_models.selectors import billing as billing_selectors
from portal_models.storage import STORAGE_ERRORS
from portal_models.tasks import enqueue_on_commit

from ..pdf import image_data_uri, render_pdf

logger = logging.getLogger(__name__)

TEMPLATE = "theme/portal/billing/pdf/invoice.html"
TEMPLATE_PARTS = (TEMPLATE, "theme/portal/billing/pdf/_head.html", "theme/portal/billing/pdf/_style.html")
FOLDER = "invoice-pdfs"


@cache
def _templates_digest() -> str:
    """The templates' text, once per process: a deployment that changes them renders every PDF again."""
    digest = hashlib.sha256()
    for name in TEMPLATE_PARTS:
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()[:16]


def invoice_pdf_name(*, invoice: Invoice, home, language: str) -> str:
    """The storage name of the PDF of ``invoice`` as it is now, in ``language``, under the portal page ``home``."""
    published = home.last_published_at.isoformat() if home.last_published_at else ""
    parts = (
        invoice.pk,
        invoice.updated_at.isoformat() if invoice.updated_at else "",
        invoice.status,
        invoice.is_overdue,
        home.pk,
        published,
        language,
        _templates_digest(),
    )
    fingerprint = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"{_folder(invoice)}/{fingerprint}-{language}.pdf"


def _folder(invoice: Invoice) -> str:
    return f"{FOLDER}/{invoice.tenant_id}/{invoice.pk}"


def invoice_pdf_render(*, invoice: Invoice, home, request=None) -> bytes:
    """The PDF of ``invoice`` (loaded with ``invoice_detail_queryset``) in the active language."""
    return render_pdf(
        TEMPLATE,
        {"invoice": invoice, "tenant": home.tenant, "home": home, "logo": image_data_uri(home.logo)},
        request=request,
    )


def invoice_pdf_store(*, invoice: Invoice, home, name: str, pdf: bytes) -> None:
    """Store ``pdf`` under ``name`` and delete the invoice's older renderings in this language."""
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(pdf))
    language_suffix = name.rsplit("-", 1)[-1]
    try:
        _dirs, files = default_storage.listdir(_folder(invoice))
    except (FileNotFoundError, NotImplementedError):
        return
    current = name.rsplit("/", 1)[-1]
    for file in files:
        if file != current and file.endswith(language_suffix):
            default_storage.delete(f"{_folder(invoice)}/{file}")


def invoice_pdf_for_request(*, invoice: Invoice, home, request) -> tuple[str | None, bytes | None]:
    """The stored PDF's name, or, when none is stored yet for what the invoice shows now, its rendering (stored
    for the next request; a storage failure only costs the next request a rendering too).

    ``invoice`` needs only its own row (already scoped to the customer): what the PDF shows is read here, and
    only when it is rendered."""
    language = translation.get_language()
    name = invoice_pdf_name(invoice=invoice, home=home, language=language)
    try:
        stored = default_storage.exists(name)
    except STORAGE_ERRORS as exc:
        logger.warning("Stored invoice PDFs unavailable: %s", exc)
        stored = None
    if stored:
        return name, None
    invoice = billing_selectors.invoice_detail_queryset(queryset=Invoice.objects.filter(pk=invoice.pk)).get()
    pdf = invoice_pdf_render(invoice=invoice, home=home, request=request)
    if stored is None:
        return None, pdf
    name = invoice_pdf_name(invoice=invoice, home=home, language=language)  # as rendered, if it changed meanwhile
    try:
        invoice_pdf_store(invoice=invoice, home=home, name=name, pdf=pdf)
    except STORAGE_ERRORS as exc:
        logger.warning("Could not store the PDF of invoice %s: %s", invoice.pk, exc)
    return None, pdf


@task()
def invoice_pdf_render_task(invoice_id: int) -> int:
    """django-tasks entry point: render and store the PDF of an issued invoice in its portal's language (none for
    a draft, a deleted invoice or a tenant without a portal; 0 when it is stored already). Idempotent."""
    invoice = (
        billing_selectors.invoice_detail_queryset(queryset=Invoice.objects.exclude(status=InvoiceStatus.DRAFT))
        .filter(pk=invoice_id)
        .first()
    )
    home = getattr(invoice.tenant, "portal_home", None) if invoice is not None else None
    if home is None:
        return 0
    language = home.locale.language_code if home.locale_id else translation.get_language()
    with translation.override(language):
        name = invoice_pdf_name(invoice=invoice, home=home, language=translation.get_language())
        if default_storage.exists(name):
            return 0
        invoice_pdf_store(invoice=invoice, home=home, name=name, pdf=invoice_pdf_render(invoice=invoice, home=home))
    return 1


def _invoice_changed(sender, invoice: Invoice, **kwargs) -> None:
    # With a queue (production's database queue and its workers) the PDF is rendered ahead. The immediate backend
    # of the demo and the tests would render it in the request that changed the invoice: there the first download
    # renders it instead.
    if not isinstance(invoice_pdf_render_task.get_backend(), ImmediateBackend):
        enqueue_on_commit(invoice_pdf_render_task, invoice.pk)


def connect() -> None:
    """Called from PortalPagesConfig.ready()."""
    from portal_models.changes import invoice_changed

    invoice_changed.connect(_invoice_changed, dispatch_uid="portal-invoice-pdf-render")
