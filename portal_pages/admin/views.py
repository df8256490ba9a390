"""The admin's "New portal" screen: one form, one service call, then the page editor of the new portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from ..provisioning import portal_provision
from .forms import NewPortalForm


def can_create_portals(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("portal_models.add_tenant"))


class NewPortalView(WagtailAdminTemplateMixin, FormView):
    form_class = NewPortalForm
    template_name = "portal_models/admin/new_portal.html"
    page_title = gettext_lazy("New portal")
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        if not can_create_portals(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=reverse("new_portal"),
            submit_button_label=_("Create portal"),
            submit_button_active_label=_("Creating…"),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            portal = portal_provision(
                name=data["name"],
                slug=data["slug"],
                support_email=data["support_email"],
                primary_color=data["primary_color"],
                accent_color=data["accent_color"],
                logo=data.get("logo"),
                card_fee_percent=data["card_fee_percent"],
                card_fee_threshold=data["card_fee_threshold"],
                card_only=data["card_only"],
                two_factor_policy=data["two_factor_policy"],
                user=self.request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The %(name)s portal is live at %(url)s. Edit its welcome message and branding here.")
            % {"name": portal.tenant.name, "url": portal.home.get_full_url(self.request) or portal.home.url},
        )
        for warning in form.contrast_warnings():
            messages.warning(self.request, warning)
        return redirect("wagtailadmin_pages:edit", portal.home.pk)


class NewPortalMenuItem(MenuItem):
    def is_shown(self, request):
        return can_create_portals(request.user)


urlpatterns = [path("portals/new/", NewPortalView.as_view(), name="new_portal")]


def menu_item() -> MenuItem:
    return NewPortalMenuItem(gettext_lazy("New portal"), reverse("new_portal"), icon_name="site", order=150)
