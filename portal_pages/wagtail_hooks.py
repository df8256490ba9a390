"""The portal's Wagtail hooks: private document downloads, the admin's "New portal" screen, the page chooser scoped
to the staff member's tenant, the portal's language on every portal page, and brand contrast warnings."""

from django.contrib import messages
from django.http import Http404
from django.utils import translation
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from portal_models.languages import language_for

from .admin.announcements import AnnouncementViewSet
from .admin.email_wording import EmailWordingViewSet
from .admin.scoping import staff_pages
from .admin.views import menu_item, urlpatterns
from .branding import brand_contrast_warnings
from .document_downloads import before_serve_document
from .models import PortalHomePage, portal_home_of

hooks.register("before_serve_document", before_serve_document)
register_snippet(AnnouncementViewSet)
register_snippet(EmailWordingViewSet)


@hooks.register("register_admin_urls")
def new_portal_urls():
    return urlpatterns


@hooks.register("register_admin_menu_item")
def new_portal_menu_item():
    return menu_item()


@hooks.register("construct_page_chooser_queryset")
def scope_page_chooser(pages, request):
    return staff_pages(user=request.user, pages=pages)


@hooks.register("construct_explorer_page_queryset")
def scope_explorer(parent_page, pages, request):
    """The explorer (and the admin API it browses with) lists the staff member's portals only."""
    return staff_pages(user=request.user, pages=pages)


def activate_portal_language(page, request, serve_args, serve_kwargs):
    """A portal page speaks the user's / visitor's language when its tenant offers it, else the tenant's default."""
    try:
        home = portal_home_of(page.specific)
    except Http404:
        return None
    language = language_for(
        tenant=home.tenant, user=getattr(request, "user", None), requested=getattr(request, "LANGUAGE_CODE", None)
    )
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return None


hooks.register("before_serve_page", activate_portal_language)


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def warn_about_brand_contrast(request, page):
    """After marketing saves a portal home page, warn (never block) when its colours miss WCAG AA contrast."""
    page = page.specific
    if isinstance(page, PortalHomePage):
        for warning in brand_contrast_warnings(primary=page.primary_color, accent=page.accent_color):
            messages.warning(request, warning)
