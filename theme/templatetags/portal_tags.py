from django import template
from django.utils.html import format_html, format_html_join

from portal_models.money import format_money
from portal_pages.branding import brand_css_values, readable_text_on  # noqa: F401  (readable_text_on: re-exported)

register = template.Library()


@register.simple_tag(takes_context=True)
def brand_style(context, home):
    """CSS custom properties carrying a tenant's branding, with text shades that reach WCAG AA (light and dark),
    in a ``<style>`` carrying the request's CSP nonce."""
    if home is None:
        return ""
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", "") if request is not None else ""
    values = brand_css_values(primary=home.primary_color, accent=home.accent_color)
    return format_html(
        '<style nonce="{}">:root{{{}}}</style>',
        nonce,
        format_html_join("", "{}:{};", ((name, value) for name, value in values.items())),
    )


@register.simple_tag
def aria_sort(current: str, key: str):
    """` aria-sort="…"` for the column header of ``key`` when the list is sorted by it (``current``: "key" / "-key")."""
    if current == key:
        return format_html(' aria-sort="ascending"')
    if current == f"-{key}":
        return format_html(' aria-sort="descending"')
    return ""


@register.filter
def money(amount, currency="USD"):
    return format_money(amount, currency or "USD")


@register.simple_tag
def portal_languages(tenant):
    """(code, name) of the languages a tenant's portal offers (the language selector hides when only one)."""
    from portal_models.languages import offered_languages

    return offered_languages(tenant) if tenant is not None else []


@register.simple_tag(takes_context=True)
def portal_route(context, home, name):
    """The URL of a customer route of a portal home page: {% portal_route portal_home "set_language" as url %}."""
    return home.route_url(name, request=context.get("request"))


@register.simple_tag(takes_context=True)
def page_content(context, page):
    """The page whose content to show in the active language: {% page_content portal_home as home_content %}."""
    localized_content = getattr(page, "localized_content", None)
    return localized_content(context.get("request")) if localized_content else page
