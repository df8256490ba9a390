"""Staff: Integrations › Imports — billing staff upload accounts, contacts or invoices (CSV or XLSX) for their
portal, see the dry run row by row (create, update, refuse and why), and import the whole file at once."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal_models.models import ImportKind, ImportRun
from portal_models.services import imports as import_svc
from portal_models.staff_access import staff_tenants

from . import scoping

VIEW_IMPORTS = "portal_models.view_importrun"
ADD_IMPORT = "portal_models.add_importrun"
KIND_PERMISSIONS = {
    ImportKind.ACCOUNTS: ("portal_models.add_account", "portal_models.change_account"),
    ImportKind.CONTACTS: ("portal_models.add_contact", "portal_models.change_contact"),
    ImportKind.INVOICES: ("portal_models.add_invoice", "portal_models.change_invoice"),
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def may_import(user, kind: str) -> bool:
    return user.has_perm(ADD_IMPORT) and user.has_perms(KIND_PERMISSIONS[kind])


class ImportForm(forms.Form):
    tenant = forms.ModelChoiceField(label=gettext_lazy("Portal"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8) or XLSX, with a header row; at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["tenant"].queryset = staff_tenants(user).order_by("name")

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if not may_import(self.user, kind):
            raise ValidationError(_("You may not import these records."))
        return kind


def _runs(request):
    return scoping.admin_queryset(request, ImportRun.objects.select_related("tenant", "created_by")).defer("content")


def _sample(request):
    kind, file_format = request.GET.get("sample", ""), request.GET.get("format", "csv")
    if kind not in ImportKind.values or file_format not in import_svc.FORMATS:
        return None
    response = HttpResponse(
        import_svc.import_sample(kind=kind, file_format=file_format), content_type=CONTENT_TYPES[file_format]
    )
    response["Content-Disposition"] = f'attachment; filename="portal-{kind}-sample.{file_format}"'
    return response


def imports_view(request):
    if not request.user.has_perm(VIEW_IMPORTS):
        raise PermissionDenied
    if "sample" in request.GET and (sample := _sample(request)) is not None:
        return sample
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if not request.user.has_perm(ADD_IMPORT):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                run = import_svc.import_upload(
                    tenant=data["tenant"], kind=data["kind"], file=data["file"], by=request.user
                )
            except ValidationError as exc:
                for message in exc.message_dict.get("file", exc.messages):
                    form.add_error("file", message)
            else:
                return redirect(reverse("portal_import", args=[run.pk]))
    return TemplateResponse(
        request,
        "portal_models/admin/imports.html",
        {
            "form": form,
            "runs": list(_runs(request)[:50]),
            "kinds": ImportKind.choices,
            "columns": import_svc.COLUMNS,
            "may_add": request.user.has_perm(ADD_IMPORT),
        },
    )


def import_view(request, pk: int):
    run = get_object_or_404(_runs(request).defer(None), pk=pk)
    if not request.user.has_perm(VIEW_IMPORTS):
        raise PermissionDenied
    if request.method == "POST":
        if not may_import(request.user, run.kind):
            raise PermissionDenied
        try:
            if request.POST.get("action") == "apply":
                run = import_svc.import_apply(run=run, by=request.user)
                if run.status == ImportRun.Status.APPLIED:
                    messages.success(request, _("Imported: nothing was refused."))
                else:
                    messages.error(request, _("Nothing was imported: some rows are refused now (see below)."))
            else:
                run = import_svc.import_check(run=run, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(reverse("portal_import", args=[run.pk]))
    rows = run.report.get("rows", [])
    show = request.GET.get("show", "refused" if run.status == ImportRun.Status.REFUSED else "all")
    listed = [row for row in rows if row["action"] == "refuse"] if show == "refused" else rows
    return TemplateResponse(
        request,
        "portal_models/admin/import_detail.html",
        {
            "run": run,
            "totals": run.report.get("totals", {}),
            "rows": listed[:2000],
            "more": max(len(listed) - 2000, 0),
            "show": show,
            "may_apply": may_import(request.user, run.kind) and run.status == ImportRun.Status.CHECKED,
            "may_recheck": may_import(request.user, run.kind) and run.status != ImportRun.Status.APPLIED,
        },
    )


urlpatterns = [
    path("integrations/imports/", imports_view, name="portal_imports"),
    path("integrations/imports/<int:pk>/", import_view, name="portal_import"),
]
