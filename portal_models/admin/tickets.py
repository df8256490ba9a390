"""Staff admin for tickets (wagtail-modeladmin, "Support" menu).

The edit screen lets staff change category, severity, status and assignment, and write a
public reply or an internal note. Everything is saved through ``services.tickets`` so that
the admin sends exactly the emails the services send.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin import SimpleListFilter
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, Panel
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup

from portal_models.admin.scoping import (
    ScopedEditView,
    TenantScopedAdminForm,
    TenantScopedModelAdminMixin,
    tenant_filter,
)
from portal_models.models import Ticket
from portal_models.models.tickets import ATTACHMENT_EXTENSIONS, attachment_max_bytes, validate_ticket_attachment
from portal_models.services.tickets import ticket_update_staff
from portal_models.staff_access import staff_colleagues


class TicketAdminForm(TenantScopedAdminForm):
    reply = forms.CharField(
        label=_("Reply or note"),
        required=False,
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
            # staff of the user's tenants (staff_scope would look for customers through their contacts)
            self.fields["assigned_to"].queryset = staff_colleagues(self.for_user).order_by("first_name", "last_name")

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


class AssigneeFilter(SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = staff_colleagues(request.user).order_by("first_name", "last_name")
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
    list_per_page = 50

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
