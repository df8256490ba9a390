from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from portal_models.languages import offered_languages
from portal_models.money import format_money
from portal_models.selectors.payments import payment_method_description
from portal_pages.branding import brand_css_values, readable_text_on  # noqa: F401  (readable_text_on: re-exported)

register = template.Library()


@register.simple_tag(takes_context=True)
def brand_style(context, home):
    """CSS custom properties carrying a tenant's branding, with text shades that reach WCAG AA (light and dark),
    in a ``<style>`` carrying the request's CSP nonce."""
    if not home:  # None, or missing from the context (a page outside any portal)
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


@register.simple_tag
def invoice_status(invoice):
    """An invoice's status badge ("Overdue" when it is past due and unpaid). A tag rather than an included
    template: a list shows one per row, and an include costs more than the badge."""
    if invoice.is_overdue:
        return format_html('<span class="badge badge--overdue">{}</span>', invoice.display_status)
    return format_html('<span class="badge badge--{}">{}</span>', invoice.status, invoice.get_status_display())


@register.simple_tag
def order_status(order):
    """An order's status badge (a tag for the same reason as :func:`invoice_status`)."""
    return format_html(
        '<span class="badge badge--{}" data-testid="order-status">{}</span>', order.status, order.get_status_display()
    )


@register.filter
def money(amount, currency="USD"):
    return format_money(amount, currency or "USD")


@register.filter(expects_localtime=True, is_safe=False)
def portal_date(value):
    """A date in the portal's one date format of the active language (SHORT_DATE_FORMAT of
    site/config/formats/<lang>/formats.py: 12/31/2026 in English, 31/12/2026 in Spanish); "" for none."""
    if value in (None, ""):
        return ""
    return date_format(value, "SHORT_DATE_FORMAT")


@register.filter(expects_localtime=True, is_safe=False)
def portal_datetime(value):
    """A moment in the portal's one date format with the time (SHORT_DATETIME_FORMAT): 12/31/2026 14:05."""
    if value in (None, ""):
        return ""
    return date_format(value, "SHORT_DATETIME_FORMAT")


@register.filter
def field_widget(field):
    """A bound field's widget, with ``aria-required="true"`` when the field is required: the one required-field
    convention (theme/forms/field.html): required fields are announced, optional ones say "(optional)" in their
    label. A select whose first choice has a value renders no ``required`` attribute; aria-required covers it."""
    if field.field.required and getattr(field.field.widget, "input_type", None) != "checkbox":
        return field.as_widget(attrs={"aria-required": "true"})
    return field.as_widget()


@register.simple_tag
def portal_languages(tenant):
    """(code, name) of the languages a tenant's portal offers (the language selector hides when only one)."""
    return offered_languages(tenant) if tenant is not None else []


@register.simple_tag(takes_context=True)
def portal_url(context, name, *args):
    """The URL of one of the portal's screens by route name, on the context's ``portal_home``:
    ``{% portal_url "invoice" invoice.pk %}``, ``{% portal_url "set_language" as url %}``."""
    return context["portal_home"].route_url(name, *args, request=context.get("request"))


@register.simple_tag(takes_context=True)
def page_content(context, page):
    """The page whose content to show in the active language: {% page_content portal_home as home_content %}."""
    localized_content = getattr(page, "localized_content", None)
    return localized_content(context.get("request")) if localized_content else page


@register.filter
def payment_method_label(payment):
    """How a payment's method is named on every page, email and PDF (selectors.payments)."""
    return payment_method_description(payment) if payment is not None else ""
