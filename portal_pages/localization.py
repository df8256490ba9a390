"""Translated portal pages (Wagtail localization) served at the same URLs in every language."""

from django.conf import settings
from django.utils import translation
from django.utils.functional import cached_property
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale


def locale_id(code: str, request=None) -> int | None:
    """The id of the Wagtail Locale of a language (None when there is none), remembered for the request."""
    cache = getattr(request, "_portal_locale_ids", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._portal_locale_ids = cache
    if code not in cache:
        try:
            variant = get_supported_content_language_variant(code)
        except LookupError:
            cache[code] = None
        else:
            cache[code] = Locale.objects.filter(language_code=variant).values_list("pk", flat=True).first()
    return cache[code]


def default_locale_id(request=None) -> int | None:
    """The default language's Locale: the locale of the request's site root (already loaded by Wagtail's
    routing, so no query), else looked up."""
    site = getattr(request, "_wagtail_site", None)
    root = getattr(site, "root_page", None) if site is not None else None
    if root is not None and root.locale_id is not None:
        return root.locale_id
    return locale_id(settings.LANGUAGE_CODE, request)


class LocalizedPortalPageMixin:
    """Translated tenant content without a language prefix in the URL.

    Marketing translates pages in the admin (wagtail.contrib.simple_translation); the portal is
    always routed through the default-language tree (where the tenant lives) and each page renders
    its live translation in the active language (Wagtail's ``page.localized``), else its own content.
    """

    @cached_property
    def default_locale_page(self):
        default = locale_id(settings.LANGUAGE_CODE)
        if default is None or self.locale_id == default:
            return self
        return self.get_translation_or_none(default) or self

    def route(self, request, path_components):
        default = default_locale_id(request)
        if default is not None and self.locale_id != default:
            source = self.get_translation_or_none(default)
            if source is not None:
                return source.specific.route(request, path_components)
        return super().route(request, path_components)

    def localized_content(self, request=None):
        """The page whose content to show: the translation being previewed, else the live translation in the
        active language (as ``page.localized``, with the locale looked up once per request)."""
        if request is not None and getattr(request, "is_preview", False):
            return self
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language == settings.LANGUAGE_CODE:
            active = default_locale_id(request)
        else:
            active = locale_id(language, request)
        if active is None or active == self.locale_id:
            return self
        localized = self.get_translation_or_none(active)
        return localized.specific if localized is not None and localized.live else self
