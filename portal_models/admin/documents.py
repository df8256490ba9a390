"""Staff admin for products (snippets), services, required files (accept / reject) and customer uploads."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register
from wagtail_modeladmin.views import EditView

from .. import access
from ..downloads import file_download
from ..models import CustomerUpload, PortalCollection, Product, RequirementStatus, Service, ServiceRequirement
from ..services.documents import requirement_review


class ProductViewSet(SnippetViewSet):
    model = Product
    icon = "tag"
    menu_label = _("Products")
    list_display = ["name", "tenant"]
    list_filter = ["tenant"]
    search_fields = ["name"]
    panels = [FieldPanel("tenant"), FieldPanel("name"), FieldPanel("description")]


register_snippet(ProductViewSet)


class ServiceAdmin(ModelAdmin):
    model = Service
    menu_icon = "cogs"
    list_display = ("product", "account", "start_date", "end_date", "service_type", "seats", "total_cost")
    list_filter = ("service_type",)
    search_fields = ("product__name", "account__name", "account__number")
    list_select_related = ("product", "account")
    panels = [
        FieldPanel("account"),
        FieldPanel("product"),
        FieldPanel("start_date"),
        FieldPanel("end_date"),
        FieldPanel("service_type"),
        FieldPanel("seats"),
        FieldPanel("total_cost"),
        FieldPanel("currency"),
    ]


class RequirementReviewView(EditView):
    """Accepting or rejecting goes through the review service, which emails the billing contacts."""

    def form_valid(self, form):
        status = form.cleaned_data["status"]
        if status not in (RequirementStatus.ACCEPTED, RequirementStatus.REJECTED):
            return super().form_valid(form)
        try:
            requirement_review(
                requirement=self.instance,
                accept=status == RequirementStatus.ACCEPTED,
                reason=form.cleaned_data.get("rejection_reason", ""),
                reviewer=self.request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field, errors)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved; the customer's billing contacts were emailed."))
        return redirect(self.get_success_url())


class ServiceRequirementAdmin(ModelAdmin):
    model = ServiceRequirement
    menu_label = _("Required files")
    menu_icon = "doc-full"
    list_display = ("service", "kind", "status", "upload", "reviewed_at")
    list_filter = ("status", "kind")
    search_fields = ("service__product__name", "service__account__name")
    list_select_related = ("service__product", "service__account", "upload")
    edit_view_class = RequirementReviewView
    inspect_view_enabled = True
    panels = [
        FieldPanel("service"),
        FieldPanel("kind"),
        FieldPanel("status"),
        FieldPanel("rejection_reason"),
        FieldPanel("upload", read_only=True),
    ]


def download_upload(request, pk: int):
    """Staff download a customer's upload through the same access check as customers."""
    upload = get_object_or_404(CustomerUpload.objects.select_related("account__tenant"), pk=pk)
    if access.can_download_document(request, upload) != access.DownloadDecision.ALLOW:
        raise Http404("Not found.")
    return file_download(upload.file, filename=upload.original_name, content_type=upload.content_type)


@hooks.register("register_admin_urls")
def register_upload_download_url():
    return [path("customer-uploads/<int:pk>/download/", download_upload, name="customer_upload_download")]


class CustomerUploadAdmin(ModelAdmin):
    model = CustomerUpload
    menu_label = _("Customer uploads")
    menu_icon = "upload"
    list_display = ("title", "account", "category", "download", "size", "created_at")

    def download(self, obj):
        url = reverse("customer_upload_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    download.short_description = _("File")

    list_filter = ("category",)
    search_fields = ("title", "original_name", "account__name")
    list_select_related = ("account",)
    inspect_view_enabled = True
    inspect_view_fields = ("title", "account", "category", "original_name", "content_type", "size", "uploaded_by")


class PortalCollectionAdmin(ModelAdmin):
    model = PortalCollection
    menu_label = _("Document audiences")
    menu_icon = "folder-open-inverse"
    list_display = ("collection", "tenant", "product", "account")
    list_select_related = ("collection", "tenant", "product", "account")


class ServicesGroup(ModelAdminGroup):
    menu_label = _("Services")
    menu_icon = "cogs"
    menu_order = 300
    items = (ServiceAdmin, ServiceRequirementAdmin, CustomerUploadAdmin, PortalCollectionAdmin)


modeladmin_register(ServicesGroup)
