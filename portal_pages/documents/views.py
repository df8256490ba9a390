"""Customer screens for services (with their required files), My documents and the document library."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal_models import access
from portal_models.access import PortalPermission
from portal_models.downloads import file_download
from portal_models.exports import table_response
from portal_models.selectors import documents as selectors
from portal_models.services.documents import customer_upload_create, max_upload_bytes, requirement_fulfil

from ..screen import customer_screen, render_screen
from .forms import CustomerUploadForm, RequirementUploadForm
from .library import library_context


def _add_errors(form, error: ValidationError, field: str = "file") -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, error.messages)


@customer_screen(name="services")
def services(page, request, portal):
    """The company's services, filtered by type and status (seed 000), with CSV / XLSX export of what is shown."""
    service_filter = selectors.service_list(portal=portal, params=request.GET)
    return render_screen(
        page,
        request,
        "theme/portal/documents/services.html",
        {
            "services": service_filter.qs,
            "filter": service_filter,
            "filtered": any(request.GET.get(name) for name in service_filter.filters),
            "export_query": request.GET.urlencode(),
        },
    )


@customer_screen(name="services_export", nav="services", shell=False)
def services_export(page, request, portal):
    """The services on the screen (same filters) as CSV, or XLSX with ``format=xlsx``."""
    service_filter = selectors.service_list(portal=portal, params=request.GET)
    statuses = dict(selectors.ServiceStatus.CHOICES)
    columns = (
        _("Product"),
        _("Start"),
        _("End"),
        _("Service type"),
        _("Status"),
        _("Users"),
        _("Total cost"),
        _("Currency"),
        _("Required files missing"),
    )
    rows = [
        (
            s.product.name,
            s.start_date,
            s.end_date,
            s.get_service_type_display(),
            str(statuses[selectors.service_status(s)]),
            s.seats,
            s.total_cost,
            s.currency,
            s.outstanding,
        )
        for s in service_filter.qs
    ]
    return table_response(
        rows=rows,
        columns=columns,
        filename=f"services-{portal.account.number}",
        file_format="xlsx" if request.GET.get("format") == "xlsx" else "csv",
    )


@customer_screen(name="service_detail", nav="services")
def service_detail(page, request, portal, service_pk):
    service = selectors.service_detail(portal=portal, pk=int(service_pk))
    return render_screen(
        page,
        request,
        "theme/portal/documents/service_detail.html",
        {"service": service, "form": RequirementUploadForm(), "max_upload": max_upload_bytes()},
    )


@customer_screen(name="requirement_upload", nav="services")
def requirement_upload(page, request, portal, service_pk, pk):
    requirement = selectors.requirement_for(portal=portal, service_pk=int(service_pk), pk=int(pk))
    if request.method != "POST":
        return redirect(page.route_url("service_detail", service_pk, request=request))
    form = RequirementUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            requirement_fulfil(requirement=requirement, user=request.user, file=form.cleaned_data["file"])
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Thank you — we received your file and will review it."))
            return redirect(page.route_url("service_detail", service_pk, request=request))
    service = selectors.service_detail(portal=portal, pk=int(service_pk))
    return render_screen(
        page,
        request,
        "theme/portal/documents/service_detail.html",
        {"service": service, "form": form, "failed_requirement": requirement.pk, "max_upload": max_upload_bytes()},
        status=400,
    )


@customer_screen(name="documents")
def documents(page, request, portal):
    portal.require(PortalPermission.SEE_DOCUMENTS)
    library = page.document_library_page
    if library is not None:
        return redirect(library.get_url(request))
    return render_screen(
        page,
        request,
        "theme/portal/documents/library.html",
        library_context(request, portal=portal, sections=[]),
    )


@customer_screen(name="my_documents", nav="documents")
def my_documents(page, request, portal):
    portal.require(PortalPermission.SEE_DOCUMENTS)
    status = 200
    if request.method == "POST":
        form = CustomerUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                customer_upload_create(
                    account=portal.account,
                    user=request.user,
                    title=form.cleaned_data["title"],
                    category=form.cleaned_data["category"],
                    file=form.cleaned_data["file"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Your file was uploaded."))
                return redirect(page.route_url("my_documents", request=request))
        status = 400
    else:
        form = CustomerUploadForm()
    return render_screen(
        page,
        request,
        "theme/portal/documents/my_documents.html",
        {"form": form, "uploads": selectors.my_uploads(portal=portal), "max_upload": max_upload_bytes()},
        status=status,
    )


@customer_screen(name="upload_download", nav="documents", shell=False)
def upload_download(page, request, portal, pk):
    upload = access.get_object_or_404(
        access.visible_uploads(portal), portal=portal, permission=PortalPermission.SEE_DOCUMENTS, pk=int(pk)
    )
    return file_download(upload.file, filename=upload.original_name, content_type=upload.content_type)
