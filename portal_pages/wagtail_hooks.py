from wagtail import hooks

from .admin_scoping import staff_pages
from .document_downloads import before_serve_document

hooks.register("before_serve_document", before_serve_document)


@hooks.register("register_admin_urls")
def new_portal_urls():
    from .new_portal_views import urlpatterns

    return urlpatterns


@hooks.register("register_admin_menu_item")
def new_portal_menu_item():
    from .new_portal_views import menu_item

    return menu_item()


@hooks.register("construct_page_chooser_queryset")
def scope_page_chooser(pages, request):
    return staff_pages(user=request.user, pages=pages)


def activate_portal_language(page, request, serve_args, serve_kwargs):
    """A portal page speaks the user's / visitor's language when its tenant offers it, else the tenant's default."""
    from django.http import Http404
    from django.utils import translation

    from portal_models.languages import language_for

    from .models import portal_home_of

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
    from django.contrib import messages

    from .branding import brand_contrast_warnings
    from .models import PortalHomePage

    page = page.specific
    if isinstance(page, PortalHomePage):
        for warning in brand_contrast_warnings(primary=page.primary_color, accent=page.accent_color):
            messages.warning(request, warning)
