"""Staff admin for tickets (wagtail-modeladmin, "Support" menu).

The edit screen lets staff change category, severity, status and assignment, and write a
public reply or an internal note. Everything is saved through ``services.tickets`` so that
the admin sends exactly the emails the services send.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin import SimpleListFilter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, Panel
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup

from portal_models.admin.scoping import (
    ScopedEditView,
    TenantScopedAdminForm,
    TenantScopedModelAdminMixin,
    tenant_filter,
)
from portal_models.downloads import file_download
from portal_models.models import Ticket, TicketComment
from portal_models.models.tickets import ATTACHMENT_EXTENSIONS, attachment_max_bytes, validate_ticket_attachment
from portal_models.services.tickets import TEXT_MAX_LENGTH, ticket_update_staff
from portal_models.staff_access import DESK_ROLES, staff_colleagues, staff_scope, tenant_desk_staff


class TicketAdminForm(TenantScopedAdminForm):
    reply = forms.CharField(
        label=_("Reply or note"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("Write a reply to the customer, or an internal note")}
        ),
    )
    reply_visibility = forms.ChoiceField(
        label=_("Send as"),
        choices=[
            ("public", _("Public reply — shown to and emailed to the customer")),
            ("internal", _("Internal note — staff only")),
        ],
        initial="public",
        widget=forms.RadioSelect,
    )
    reply_attachment = forms.FileField(label=_("Attachment"), required=False, validators=[validate_ticket_attachment])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reply_attachment"].help_text = _("Up to %(limit)s. Allowed: %(types)s.") % {
            "limit": filesizeformat(attachment_max_bytes()),
            "types": ", ".join(ATTACHMENT_EXTENSIONS),
        }
        if "assigned_to" in self.fields:
            # support and billing staff of the ticket's tenant (a POST with anyone else is refused as a choice)
            self.fields["assigned_to"].queryset = tenant_desk_staff(tenant_id=self.instance.tenant_id)
        self.fields["reply"].help_text = _("At most %(limit)s characters.") % {"limit": f"{TEXT_MAX_LENGTH:,}"}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reply_attachment") and not (cleaned.get("reply") or "").strip():
            self.add_error("reply", _("Add a few words to go with the attachment."))
        return cleaned


class TicketThreadPanel(Panel):
    """The ticket's description and every comment, internal notes highlighted."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "portal_models/admin/ticket_thread.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["ticket"] = self.instance
            context["comments"] = (
                self.instance.comments.select_related("author").order_by("created_at", "id") if self.instance.pk else []
            )
            return context


class TicketEditView(ScopedEditView):
    """Saves through services.ticket_update_staff (emails included) instead of form.save()."""

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            ticket = ticket_update_staff(
                ticket=self.instance,
                by=self.request.user,
                category=data["category"],
                severity=data["severity"],
                status=data["status"],
                assigned_to=data.get("assigned_to"),
                reply=data.get("reply", ""),
                reply_is_public=data.get("reply_visibility") != "internal",
                attachment=data.get("reply_attachment"),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "attachment" in error.error_dict:
                error = ValidationError({"reply_attachment": error.error_dict.pop("attachment"), **error.error_dict})
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message(ticket))
        return redirect(self.url_helper.get_action_url("edit", ticket.pk))


def ticket_attachment_download(request, ticket_pk: int, comment_pk: int):
    """A file attached to a ticket comment, for staff of the ticket's tenant (superusers: any), through the same
    private download as documents (a signed short-lived URL on S3, a streamed file otherwise). Another tenant's
    attachment, or a comment without one, answers 404."""
    if not request.user.has_perm("portal_models.view_ticket") and not request.user.has_perm(
        "portal_models.change_ticket"
    ):
        raise PermissionDenied
    comments = staff_scope(user=request.user, queryset=TicketComment.objects.exclude(attachment=""))
    comment = get_object_or_404(comments, pk=comment_pk, ticket_id=ticket_pk)
    return file_download(comment.attachment, filename=comment.attachment_name)


@hooks.register("register_admin_urls")
def register_ticket_attachment_url():
    return [
        path(
            "tickets/<int:ticket_pk>/attachments/<int:comment_pk>/",
            ticket_attachment_download,
            name="ticket_attachment_download",
        )
    ]


class AssigneeFilter(SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = (
            staff_colleagues(request.user)
            .filter(Q(is_superuser=True) | Q(groups__tenant_role__role__in=DESK_ROLES))
            .distinct()
            .order_by("first_name", "last_name")
        )
        return [("none", _("Nobody")), *((str(u.pk), str(u)) for u in staff)]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset.filter(assigned_to_id=self.value()) if self.value() else queryset


class TicketPermissionHelper(PermissionHelper):
    """Customers open tickets in the portal; staff answer and manage them here."""

    def user_can_create(self, user):
        return False


class TicketAdmin(TenantScopedModelAdminMixin, ModelAdmin):
    model = Ticket
    menu_label = _("Tickets")
    menu_icon = "help"
    menu_order = 100
    add_to_settings_menu = False
    list_display = ("reference", "subject", "account", "severity_label", "status_label", "assigned_to", "updated_at")
    list_filter = ("status", "severity", "category", tenant_filter(), AssigneeFilter)
    search_fields = ("number", "subject", "description", "account__name", "account__number")
    list_select_related = ("account", "assigned_to")
    ordering = ["-updated_at"]
    edit_view_class = TicketEditView
    permission_helper_class = TicketPermissionHelper
    inspect_view_enabled = False

    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("status"), FieldPanel("assigned_to")]),
                    FieldRowPanel([FieldPanel("severity"), FieldPanel("category")]),
                    FieldPanel("subject", read_only=True),
                ],
                heading=_("Ticket"),
            ),
            TicketThreadPanel(heading=_("Conversation")),
            MultiFieldPanel(
                [FieldPanel("reply"), FieldPanel("reply_visibility"), FieldPanel("reply_attachment")],
                heading=_("Reply"),
            ),
        ],
        base_form_class=TicketAdminForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "account", "assigned_to")

    def reference(self, obj):
        return obj.reference

    reference.short_description = _("Ticket")
    reference.admin_order_field = "number"

    def severity_label(self, obj):
        return obj.get_severity_display()

    severity_label.short_description = _("Severity")
    severity_label.admin_order_field = "severity"

    def status_label(self, obj):
        return obj.get_status_display()

    status_label.short_description = _("Status")
    status_label.admin_order_field = "status"


class SupportGroup(ModelAdminGroup):
    menu_label = _("Support")
    menu_icon = "help"
    menu_order = 300
    items = (TicketAdmin,)
