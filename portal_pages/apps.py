from django.apps import AppConfig


class PortalPagesConfig(AppConfig):
    name = "portal_pages"
    verbose_name = "Portal pages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import copy_for_translation_done

        copy_for_translation_done.connect(_translated, dispatch_uid="portal-translation-permissions")

        from .billing import documents

        documents.connect()  # invoice PDFs rendered by the task worker at each change


def _translated(sender, source_obj, target_obj, **kwargs):
    """Who edits a portal's pages edits their translations (portal_models.services.tenants)."""
    # imported when called: this module is loaded while the app registry is filled, before any model can be
    from wagtail.models import Page

    from portal_models.services.tenants import page_permissions_follow_translation

    if isinstance(source_obj, Page) and isinstance(target_obj, Page):
        page_permissions_follow_translation(source=source_obj, target=target_obj)
