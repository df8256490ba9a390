"""Portal settings in the admin (Settings › Portals): what a tenant's portal charges, requires and sends after it
was created with *New portal* — the card fee, cards only, two-factor policy, languages, sender and automatic
payment reminders. Superusers, and staff given ``portal_models.change_tenant``, edit their own tenants only.
The address (slug) and the currency are fixed once a portal exists: its links and its invoices depend on them.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail_modeladmin.helpers import PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, modeladmin_register

from portal_models.models import Tenant

from .scoping import TenantScopedModelAdminMixin


class TenantPermissionHelper(PermissionHelper):
    """Portals are created by *New portal* (which also makes their pages and groups) and never deleted here."""

    def user_can_create(self, user):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class TenantAdmin(TenantScopedModelAdminMixin, ModelAdmin):
    model = Tenant
    menu_label = _("Portals")
    menu_icon = "globe"
    add_to_settings_menu = True
    exclude_from_explorer = True
    permission_helper_class = TenantPermissionHelper
    list_display = ("name", "slug", "support_email", "card_fee_percent", "two_factor_policy", "reminder_every_days")
    search_fields = ("name", "slug")
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldRowPanel([FieldPanel("support_email"), FieldPanel("sender_name")]),
                FieldPanel("phone_region"),
            ],
            heading=_("Portal"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("card_fee_percent"), FieldPanel("card_fee_threshold")]),
                FieldPanel("card_only"),
                FieldPanel("bank_debit_enabled"),
                FieldPanel("check_wait_days"),
            ],
            heading=_("Payment policy"),
        ),
        MultiFieldPanel([FieldPanel("reminder_every_days")], heading=_("Payment reminders")),
        MultiFieldPanel([FieldPanel("two_factor_policy")], heading=_("Security")),
        FieldPanel("languages"),
    ]


modeladmin_register(TenantAdmin)
