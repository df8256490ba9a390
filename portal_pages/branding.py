"""Colour contrast of a tenant's brand colours (WCAG 2.x), as pure functions.

- ``contrast_ratio(a, b)`` — the WCAG contrast ratio of two ``#rrggbb`` colours (1.0 to 21.0).
- ``brand_contrast_warnings(primary=..., accent=...)`` — plain-language warnings for marketing when the chosen
  colours do not reach WCAG AA in the places the portal uses them. Used by the page editor (wagtail_hooks.py)
  and by any form that lets someone choose a portal's colours; saving is never blocked.
- ``readable_text_on(background)`` / ``text_colour(colour, on=...)`` — what the theme renders: the text colour
  for a brand-coloured background, and the brand colour as text, darkened or lightened just enough for AA.

The backgrounds mirror the light and dark palettes in theme/static/theme/portal.css.
"""

import functools

from django.utils.translation import gettext as _

AA_TEXT = 4.5  # normal-size text (WCAG 1.4.3)
AA_NON_TEXT = 3.0  # borders, focus rings, large text (WCAG 1.4.11)

DARK_TEXT = "#111827"  # --text of the light theme
LIGHT_BACKGROUNDS = ("#ffffff", "#f4f6fa", "#f8fafc", "#eff4ff")  # --surface, --bg, --surface-2, --info-bg
DARK_BACKGROUNDS = ("#0d1117", "#161b22", "#1c2330", "#172036")  # the same, dark theme
DARK_BACKGROUND = DARK_BACKGROUNDS[0]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    if len(value) != 6:
        raise ValueError(f"not a #rrggbb colour: {hex_colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(255, max(0, c))):02x}" for c in rgb)


def relative_luminance(hex_colour: str) -> float:
    """WCAG relative luminance of an sRGB colour (0 = black, 1 = white)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(hex1: str, hex2: str) -> float:
    """WCAG contrast ratio of two colours, from 1.0 (same) to 21.0 (black on white). Order does not matter."""
    a, b = sorted((relative_luminance(hex1), relative_luminance(hex2)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def mix(hex1: str, hex2: str, amount: float) -> str:
    """``amount`` (0..1) of ``hex2`` mixed into ``hex1`` in sRGB (like CSS color-mix(in srgb, ...))."""
    a, b = _rgb(hex1), _rgb(hex2)
    return _hex(tuple(x + (y - x) * amount for x, y in zip(a, b, strict=True)))


def readable_text_on(background: str) -> str:
    """The text colour for a background: white or the theme's dark text, whichever reads better — or pure black
    when neither reaches AA on a mid-tone background (black always does, at 4.58:1 or more, where white fails)."""
    white, dark = contrast_ratio(background, "#ffffff"), contrast_ratio(background, DARK_TEXT)
    best = "#ffffff" if white >= dark else DARK_TEXT
    if max(white, dark) >= AA_TEXT:
        return best
    return "#ffffff" if white >= contrast_ratio(background, "#000000") else "#000000"


def text_colour(colour: str, *, on: tuple[str, ...] | str = LIGHT_BACKGROUNDS, target: float = AA_TEXT) -> str:
    """``colour`` as a text colour on the backgrounds ``on``: unchanged when it reaches ``target`` on all of them,
    else mixed towards black (light backgrounds) or white (dark ones) just enough to reach it."""
    backgrounds = (on,) if isinstance(on, str) else tuple(on)

    def worst(c: str) -> float:
        return min(contrast_ratio(c, bg) for bg in backgrounds)

    if worst(colour) >= target:
        return colour.lower()
    dark_backgrounds = sum(relative_luminance(bg) for bg in backgrounds) / len(backgrounds) < 0.18
    towards = "#ffffff" if dark_backgrounds else "#000000"
    for step in range(1, 21):
        candidate = mix(colour, towards, step / 20)
        if worst(candidate) >= target:
            return candidate
    return towards


def brand_contrast_warnings(*, primary: str, accent: str) -> list[str]:
    """Warnings (translated, plain language) for brand colours that miss WCAG AA where the portal uses them.

    ``primary`` and ``accent`` are ``#rrggbb`` strings. Checks: text on a primary / accent background (buttons,
    top bar), the primary as link and text colour on white and on the dark theme's background, and the accent
    as a border and highlight colour (3:1). Returns an empty list when everything passes; invalid colours give
    no warning (the field's own validation reports them).
    """
    try:
        _rgb(primary), _rgb(accent)
    except ValueError:
        return []
    warnings = []

    def ratio(a: str, b: str) -> str:
        return f"{contrast_ratio(a, b):.2f}:1"

    for name, colour in ((_("primary"), primary), (_("accent"), accent)):
        on = readable_text_on(colour)
        if contrast_ratio(colour, on) < AA_TEXT:
            warnings.append(
                _(
                    "Text on the %(name)s colour %(colour)s has a contrast of only %(ratio)s (WCAG AA needs 4.5:1): "
                    "buttons and the top bar will be hard to read. Choose a darker or lighter shade."
                )
                % {"name": name, "colour": colour, "ratio": ratio(colour, on)}
            )
    if contrast_ratio(primary, "#ffffff") < AA_TEXT:
        warnings.append(
            _(
                "The primary colour %(colour)s as link and text colour on white has a contrast of %(ratio)s "
                "(WCAG AA needs 4.5:1). The portal will show links in the darker shade %(adjusted)s instead."
            )
            % {"colour": primary, "ratio": ratio(primary, "#ffffff"), "adjusted": text_colour(primary)}
        )
    if contrast_ratio(primary, DARK_BACKGROUND) < AA_TEXT:
        warnings.append(
            _(
                "In dark mode, the primary colour %(colour)s as link and text colour on the dark background has a "
                "contrast of %(ratio)s (WCAG AA needs 4.5:1). The portal will show links in the lighter shade "
                "%(adjusted)s instead."
            )
            % {
                "colour": primary,
                "ratio": ratio(primary, DARK_BACKGROUND),
                "adjusted": text_colour(primary, on=DARK_BACKGROUNDS),
            }
        )
    if contrast_ratio(accent, "#ffffff") < AA_NON_TEXT:
        warnings.append(
            _(
                "The accent colour %(colour)s on white has a contrast of %(ratio)s (WCAG AA needs 3:1 for borders "
                "and highlights such as the active tab): it will be hard to see. Choose a darker shade."
            )
            % {"colour": accent, "ratio": ratio(accent, "#ffffff")}
        )
    return warnings


def brand_css_values(*, primary: str, accent: str) -> dict[str, str]:
    """The CSS custom properties carrying a tenant's brand (see theme's brand_style tag and portal.css)."""
    return dict(_brand_css_values(primary, accent))


@functools.lru_cache(maxsize=256)
def _brand_css_values(primary: str, accent: str) -> tuple[tuple[str, str], ...]:
    """Computed once per pair of colours (every page shows them; the contrast search is not free)."""
    return tuple(
        {
            "--brand-primary": primary,
            "--brand-on-primary": readable_text_on(primary),
            "--brand-accent": accent,
            "--brand-on-accent": readable_text_on(accent),
            "--brand-link": text_colour(primary),
            "--brand-link-dark": text_colour(primary, on=DARK_BACKGROUNDS),
            "--brand-accent-text": text_colour(accent),
            "--brand-accent-text-dark": text_colour(accent, on=DARK_BACKGROUNDS),
        }.items()
    )
