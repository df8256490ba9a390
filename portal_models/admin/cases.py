"""Staff screens for cases: case listing/edit (modeladmin), case roles (snippet with the grant grid),
and the "Role assignment" screen — all in a "Cases" menu group."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register
from wagtail_modeladmin.views import CreateView

from portal_models.models import Case, CaseRole, CaseStatus
from portal_models.selectors.cases import case_assignable_users, case_assignments, case_documents, staff_cases
from portal_models.services.cases import case_assign, case_collection_ensure, case_unassign, roles_for

from . import case_roles  # noqa: F401  (Roles management: its URLs and history action)
from .scoping import TenantScopedAdminForm, TenantScopedModelAdminMixin, TenantScopedSnippetViewSet, tenant_filter
from .widgets import GrantCycleWidget

ASSIGN_PERMISSION = "portal_models.add_caseassignment"


# --- Cases ---------------------------------------------------------------------------------------


DATE_FORMAT = "%Y-%m-%d"


def case_date_field(label, *, required: bool) -> forms.DateField:
    """A date typed as YYYY-MM-DD; anything else is an error next to the field (never replaced by today)."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(
            format=DATE_FORMAT, attrs={"placeholder": "YYYY-MM-DD", "autocomplete": "off", "class": "case-date"}
        ),
        help_text=gettext_lazy("As YYYY-MM-DD, e.g. 2026-03-31."),
        error_messages={
            "invalid": gettext_lazy("Enter a real date as YYYY-MM-DD, e.g. 2026-03-31."),
            "required": gettext_lazy("Enter the date the case opened, as YYYY-MM-DD."),
        },
    )


class CaseAdminForm(TenantScopedAdminForm):
    opened_on = case_date_field(gettext_lazy("Opened"), required=True)
    closed_on = case_date_field(gettext_lazy("Closed"), required=False)

    def clean(self):
        cleaned = super().clean()
        account, number = cleaned.get("account"), (cleaned.get("number") or "").strip()
        if account and number:
            clash = Case.objects.filter(tenant_id=account.tenant_id, number=number).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("number", _("A case with this number already exists."))
        return cleaned  # dates: Case.clean (an active case has no closed date; no closing before opening)


class CaseFilesPanel(Panel):
    """The case's documents, each opened through the private document download
    (the same access check as customers': staff of the case's tenant)."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "portal_models/admin/case_files.html"

        def is_shown(self):
            return bool(self.instance and self.instance.pk)

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["documents"] = case_documents(case=self.instance)
            return context


class CaseCreateView(CreateView):
    def form_valid(self, form):
        response = super().form_valid(form)
        case_collection_ensure(case=self.instance)
        return response


class CaseModelAdmin(TenantScopedModelAdminMixin, ModelAdmin):
    model = Case
    menu_label = gettext_lazy("Cases")
    menu_icon = "folder-open-inverse"
    list_display = ("number", "title", "account", "status_dot", "opened_on", "closed_on")
    list_filter = (tenant_filter(), "status")
    search_fields = ("number", "title", "account__name")
    inspect_view_enabled = True
    create_view_class = CaseCreateView
    edit_handler = ObjectList(
        [
            FieldPanel("account"),
            FieldRowPanel([FieldPanel("number"), FieldPanel("status")]),
            FieldPanel("title"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("opened_on"), FieldPanel("closed_on")]),
            CaseFilesPanel(heading=gettext_lazy("Case documents")),
        ],
        base_form_class=CaseAdminForm,
    )

    def get_queryset(self, request):
        return staff_cases(user=request.user)

    def status_dot(self, obj):
        return format_html('<span class="case-dot case-dot--{}"></span>{}', obj.status, obj.get_status_display())

    status_dot.short_description = gettext_lazy("Status")


# --- Case roles (snippet with the grant grid) -----------------------------------------------------

GRANT_ICON = {"allow": "✓", "none": "○", "deny": "⊘"}


class GridColumn(Column):
    """The role's grid in the listing: one coloured mark per permission."""

    def get_value(self, instance):
        return format_html(
            '<span class="grant-dots">{}</span>',
            format_html_join(
                "",
                '<span class="grant-dot grant--{}" title="{}: {}">{}</span>',
                (
                    (
                        getattr(instance, name),
                        CaseRole._meta.get_field(name).verbose_name,
                        getattr(instance, f"get_{name}_display")(),
                        GRANT_ICON[getattr(instance, name)],
                    )
                    for name in CaseRole.PERMISSIONS
                ),
            ),
        )


class TenantColumn(Column):
    def get_value(self, instance):
        return instance.tenant or _("All tenants")


class CaseRoleViewSet(TenantScopedSnippetViewSet):
    model = CaseRole
    icon = "key"
    menu_label = gettext_lazy("Case roles")
    add_to_admin_menu = False
    inspect_view_enabled = True  # staff read the shared roles (tenant empty) here; only superusers edit them
    list_display = [
        "name",
        TenantColumn("tenant", label=gettext_lazy("Tenant")),
        GridColumn("grid", label=gettext_lazy("View · Docs · Upload · Invoices · Notes · Assign")),
    ]
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("tenant")]),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel(name, widget=GrantCycleWidget()) for name in CaseRole.PERMISSIONS],
            heading=gettext_lazy("Permissions — click a cell: allow → not granted → deny (deny overrides every role)"),
            classname="grant-grid",
        ),
    ]


# --- Role assignment screen ------------------------------------------------------------------------


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name() or user.email
        return f"{name} · {user.email}" + (" (staff)" if user.is_staff else "")


class AssignForm(forms.Form):
    users = UserChoiceField(label=gettext_lazy("Users"), queryset=None, widget=forms.CheckboxSelectMultiple)
    role = forms.ModelChoiceField(label=gettext_lazy("Role"), queryset=None, empty_label=None)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = case_assignable_users(case=case)
        self.fields["role"].queryset = roles_for(case=case)


def _assignment_url(case=None):
    url = reverse("case_role_assignment")
    return f"{url}?case={case.pk}" if case else url


@permission_required(ASSIGN_PERMISSION, raise_exception=True)
def role_assignment(request):
    cases = staff_cases(user=request.user).order_by("account__name", "number")
    case = None
    case_id = request.POST.get("case") or request.GET.get("case")
    if case_id:
        try:
            case = cases.get(pk=int(case_id))
        except (Case.DoesNotExist, ValueError):
            messages.error(request, _("Choose a case from the list."))
    form = None
    if case is not None:
        form = AssignForm(request.POST or None, case=case)
        if request.method == "POST" and form.is_valid():
            try:
                created = case_assign(case=case, users=form.cleaned_data["users"], role=form.cleaned_data["role"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(count)d assignment(s) added: %(role)s on %(case)s.")
                    % {"count": len(created), "role": form.cleaned_data["role"], "case": case.number},
                )
                return redirect(_assignment_url(case))
    return TemplateResponse(
        request,
        "portal_models/admin/role_assignment.html",
        {
            "header_title": _("Role assignment"),
            "page_title": _("Role assignment"),
            "header_icon": "key",
            "cases": cases,
            "case": case,
            "form": form,
            "assignments": case_assignments(case=case) if case else [],
            "statuses": CaseStatus,
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
@permission_required(ASSIGN_PERMISSION, raise_exception=True)
def role_unassign(request, case_id: int, assignment_id: int):
    case = get_object_or_404(staff_cases(user=request.user), pk=case_id)
    try:
        case_unassign(case=case, assignment_id=assignment_id)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Assignment removed."))
    return redirect(_assignment_url(case))


@hooks.register("register_admin_urls")
def register_case_admin_urls():
    return [
        path("cases/role-assignment/", role_assignment, name="case_role_assignment"),
        path(
            "cases/role-assignment/<int:case_id>/remove/<int:assignment_id>/",
            role_unassign,
            name="case_role_unassign",
        ),
    ]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class CasesGroup(ModelAdminGroup):
    menu_label = gettext_lazy("Cases")
    menu_icon = "folder-open-inverse"
    menu_order = 250
    items = (CaseModelAdmin,)

    def get_submenu_items(self):
        items = super().get_submenu_items()
        items.append(
            PermissionMenuItem(
                _("Role assignment"),
                reverse_lazy("case_role_assignment"),
                name="case-role-assignment",
                icon_name="key",
                order=len(items) + 1,
                permission=ASSIGN_PERMISSION,
            )
        )
        items.append(
            PermissionMenuItem(
                _("Roles management"),
                reverse_lazy("case_roles_grid"),
                name="case-roles-grid",
                icon_name="key",
                order=len(items) + 1,
                permission="portal_models.view_caserole",
            )
        )
        items.append(
            PermissionMenuItem(
                _("Case roles"),
                reverse_lazy("wagtailsnippets_portal_models_caserole:list"),
                name="case-roles",
                icon_name="key",
                order=len(items) + 1,
                permission="portal_models.view_caserole",
            )
        )
        return items


@hooks.register("insert_global_admin_css")
def case_admin_css():
    from django.templatetags.static import static

    return format_html('<link rel="stylesheet" href="{}">', static("theme/admin/grant-grid.css"))


modeladmin_register(CasesGroup)
register_snippet(CaseRoleViewSet)
