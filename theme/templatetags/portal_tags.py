from django import template
from django.utils.html import format_html

from portal_models.money import format_money

register = template.Library()


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def readable_text_on(hex_colour: str) -> str:
    """Black or white, whichever contrasts more with the background colour."""
    lum = _luminance(hex_colour)
    return "#111827" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "#ffffff"


@register.simple_tag
def brand_style(home):
    """CSS custom properties carrying a tenant's branding."""
    if home is None:
        return ""
    primary, accent = home.primary_color, home.accent_color
    return format_html(
        "<style>:root{{--brand-primary:{};--brand-on-primary:{};--brand-accent:{};--brand-on-accent:{};}}</style>",
        primary,
        readable_text_on(primary),
        accent,
        readable_text_on(accent),
    )


@register.filter
def money(amount, currency="USD"):
    return format_money(amount, currency or "USD")
