"""Which language a portal speaks to whom: the visitor's choice, limited to the tenant's languages.

The signed-in user's saved choice (``User.language``) wins over the visitor's cookie / browser
language; a tenant offers only the languages in ``Tenant.languages`` (the first is its default).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def site_languages() -> dict[str, str]:
    """Code → name of every language the portal is translated into (settings.LANGUAGES)."""
    return dict(settings.LANGUAGES)


def offered_languages(tenant) -> list[tuple[str, str]]:
    """(code, name) of the languages a tenant's portal offers, in the tenant's order."""
    names = site_languages()
    codes = [code for code in (getattr(tenant, "languages", None) or []) if code in names]
    return [(code, names[code]) for code in codes] or [(settings.LANGUAGE_CODE, names[settings.LANGUAGE_CODE])]


def language_for(*, tenant, user=None, requested: str | None = None) -> str:
    """The language to use on a tenant's portal for this user / visitor."""
    offered = [code for code, _name in offered_languages(tenant)]
    candidates = []
    if user is not None and getattr(user, "is_authenticated", False) and user.language:
        candidates.append(user.language)
    if requested:
        candidates.append(requested)
    for code in candidates:
        code = translation.get_supported_language_variant(code) if code in site_languages() else code
        if code in offered:
            return code
        base = code.split("-")[0]
        if base in offered:
            return base
    return offered[0]
