"""Staff admin for products (snippets), services, required files (accept / reject) and customer uploads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register

from .. import access
from ..downloads import file_download
from ..models import CustomerUpload, PortalCollection, Product, RequirementStatus, Service, ServiceRequirement
from ..services.documents import requirement_review
from ..staff_access import staff_tenant_ids
from .scoping import (
    ScopedEditView,
    TenantScopedAdminForm,
    TenantScopedModelAdminMixin,
    TenantScopedSnippetViewSet,
    admin_queryset,
    tenant_collections_condition,
    tenant_filter,
)


@hooks.register("construct_image_chooser_queryset")
def images_of_own_tenants(images, request):
    """The image chooser lists the images of the staff user's tenants' collections only (on top of the
    collection grants Wagtail checks); superusers see every image."""
    ids = staff_tenant_ids(request.user)
    return images if ids is None else images.filter(tenant_collections_condition(ids))


class ProductForm(TenantScopedAdminForm):
    """A product's image is one of its own tenant's images (the chooser offers the user's tenants' images; a
    superuser, who sees every tenant, cannot give a product another tenant's image either)."""

    def clean(self):
        cleaned = super().clean()
        image, tenant = cleaned.get("image"), cleaned.get("tenant")
        if image is not None and tenant is not None:
            condition = tenant_collections_condition([tenant.pk], prefix="")
            if not type(image.collection).objects.filter(condition, pk=image.collection_id).exists():
                self.add_error("image", _("Choose an image from this product's portal."))
        return cleaned


class ProductViewSet(TenantScopedSnippetViewSet):
    model = Product
    icon = "tag"
    menu_label = _("Products")
    list_display = ["name", "sku", "category", "price", "active", "tenant"]
    list_filter = ["active", "category"]
    search_fields = ["name", "sku", "category"]
    edit_handler = ObjectList(
        [
            FieldPanel("tenant"),
            FieldPanel("name"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("sku"), FieldPanel("unit"), FieldPanel("price")]),
            FieldRowPanel([FieldPanel("category"), FieldPanel("active")]),
            FieldPanel("image"),  # the chooser and the field offer the user's tenants' images only
        ],
        base_form_class=ProductForm,
    )


register_snippet(ProductViewSet)


class ServiceAdmin(TenantScopedModelAdminMixin, ModelAdmin):
    model = Service
    menu_icon = "cogs"
    list_display = ("product", "account", "start_date", "end_date", "service_type", "seats", "total_cost")
    list_filter = (tenant_filter("account__tenant"), "service_type")
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


class RequirementReviewView(ScopedEditView):
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


class ServiceRequirementAdmin(TenantScopedModelAdminMixin, ModelAdmin):
    model = ServiceRequirement
    menu_label = _("Required files")
    menu_icon = "doc-full"
    list_display = ("service", "kind", "status", "upload", "reviewed_at")
    list_filter = (tenant_filter("service__account__tenant"), "status", "kind")
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


UPLOAD_PERMISSIONS = ("portal_models.view_customerupload", "portal_models.view_servicerequirement")


def download_upload(request, pk: int):
    """Staff who review uploads download a customer's upload of their tenants (the same access check as
    customers: another tenant's upload answers 404)."""
    if not any(request.user.has_perm(permission) for permission in UPLOAD_PERMISSIONS):
        raise PermissionDenied
    upload = get_object_or_404(admin_queryset(request, CustomerUpload.objects.select_related("account__tenant")), pk=pk)
    if access.can_download_document(request, upload) != access.DownloadDecision.ALLOW:
        raise Http404("Not found.")
    return file_download(upload.file, filename=upload.original_name, content_type=upload.content_type)


@hooks.register("register_admin_urls")
def register_upload_download_url():
    return [path("customer-uploads/<int:pk>/download/", download_upload, name="customer_upload_download")]


class CustomerUploadAdmin(TenantScopedModelAdminMixin, ModelAdmin):
    model = CustomerUpload
    menu_label = _("Customer uploads")
    menu_icon = "upload"
    list_display = ("title", "account", "category", "download", "size", "created_at")

    def download(self, obj):
        url = reverse("customer_upload_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    download.short_description = _("File")

    list_filter = (tenant_filter("account__tenant"), "category")
    search_fields = ("title", "original_name", "account__name")
    list_select_related = ("account",)
    inspect_view_enabled = True
    inspect_view_fields = ("title", "account", "category", "original_name", "content_type", "size", "uploaded_by")


class PortalCollectionAdmin(TenantScopedModelAdminMixin, ModelAdmin):
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
