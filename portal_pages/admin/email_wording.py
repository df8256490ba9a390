"""Snippets › Email wording: marketing writes its tenant's subject and text of a customer email per language,
with the variables each email offers listed beside the fields (an unknown one is an error next to its field) and
a preview with sample values; scoped to the staff member's tenants like every snippet."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel

from portal_models.admin.scoping import TenantScopedSnippetViewSet
from portal_models.email_wording import WORDED_EMAILS
from portal_models.models import EmailWording


class VariablesPanel(HelpPanel):
    """Every email's variables (the editor chooses the email above)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Variables you may use"))
        super().__init__(**kwargs)

    def on_model_bound(self):
        rows = format_html_join(
            "",
            "<li><strong>{}</strong>: {}</li>",
            (
                (
                    email.label,
                    ", ".join(f"{{{{ {name} }}}} ({v.label})" for name, v in email.variables.items()),
                )
                for email in WORDED_EMAILS.values()
            ),
        )
        self.content = format_html("<ul>{}</ul>", rows)


class EmailWordingViewSet(TenantScopedSnippetViewSet):
    model = EmailWording
    icon = "mail"
    menu_label = _("Email wording")
    add_to_admin_menu = False  # under Snippets
    list_display = ["email", "language", "subject", "tenant"]
    list_filter = ["email", "language"]
    search_fields = ["subject", "body"]
    panels = [
        FieldPanel("tenant"),
        FieldRowPanel([FieldPanel("email"), FieldPanel("language")]),
        VariablesPanel(),
        FieldPanel("subject"),
        FieldPanel("body"),
    ]
