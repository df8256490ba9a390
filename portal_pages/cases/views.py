"""Customer screens for cases. Every case and case document goes through access.get_case_or_404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal_models import access
from portal_models.downloads import file_download
from portal_models.models import CasePermission
from portal_models.selectors.cases import case_documents, case_invoices, case_notes, cases_for
from portal_models.services import cases as case_services

from ..screen import customer_screen, render_screen
from .forms import CaseDocumentForm, CaseNoteForm


def _account_ids(portal):
    return [contact.account_id for contact in portal.contacts]


@customer_screen(name="cases")
def cases(page, request, portal):
    entries = cases_for(user=portal.user, tenant=portal.tenant, account_ids=_account_ids(portal))
    return render_screen(page, request, "theme/portal/cases/index.html", {"entries": entries})


def _internal_notes(permissions) -> bool:
    return permissions.reaches(CasePermission.VIEW_CASE, "notes:internal")


def _render_case(page, request, portal, case, permissions, *, note_form=None, document_form=None, status=200):
    context = {
        "case": case,
        "can": {permission: permission in permissions for permission in CasePermission.values},
        "note_form": note_form or CaseNoteForm(internal_allowed=_internal_notes(permissions)),
        "document_form": document_form or CaseDocumentForm(),
    }
    if CasePermission.VIEW_DOCUMENTS in permissions:
        context["documents"] = case_documents(case=case, grants=permissions)
    if CasePermission.VIEW_INVOICES in permissions:
        context["invoices"] = case_invoices(case=case, grants=permissions)
    context["notes"] = case_notes(case=case, grants=permissions)
    return render_screen(page, request, "theme/portal/cases/detail.html", context, status=status)


@customer_screen(name="case", nav="cases")
def case(page, request, portal, pk):
    case, permissions = access.get_case_or_404(portal, pk, CasePermission.VIEW_CASE)
    return _render_case(page, request, portal, case, permissions)


@customer_screen(name="case_note_add", nav="cases")
def case_note_add(page, request, portal, pk):
    case, permissions = access.get_case_or_404(portal, pk, CasePermission.POST_NOTES)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CaseNoteForm(request.POST, internal_allowed=_internal_notes(permissions))
    if form.is_valid():
        try:
            case_services.case_note_add(
                case=case,
                author=portal.user,
                body=form.cleaned_data["body"],
                is_public=not form.cleaned_data.get("internal"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your note was posted."))
            return redirect(page.route_url("case", case.pk, request=request) + "#notes")
    return _render_case(page, request, portal, case, permissions, note_form=form, status=400)


@customer_screen(name="case_document_upload", nav="cases")
def case_document_upload(page, request, portal, pk):
    case, permissions = access.get_case_or_404(portal, pk, CasePermission.UPLOAD_DOCUMENTS)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CaseDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = case_services.case_document_upload(
                case=case, upload=form.cleaned_data["file"], user=portal.user, title=form.cleaned_data["title"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(title)s” was uploaded.") % {"title": document.title})
            return redirect(page.route_url("case", case.pk, request=request) + "#documents")
    return _render_case(page, request, portal, case, permissions, document_form=form, status=400)


@customer_screen(name="case_document", nav="cases")
def case_document(page, request, portal, pk, doc_id):
    case, permissions = access.get_case_or_404(portal, pk, CasePermission.VIEW_DOCUMENTS)
    document = case_documents(case=case, grants=permissions).filter(pk=doc_id).first()
    if document is None:
        raise Http404("Not found.")
    filename = f"{slugify(document.title) or 'document'}.{document.file_extension}".rstrip(".")
    return file_download(document.file, filename=filename, content_type=document.content_type)
