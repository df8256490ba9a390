from portal_models.models import User


def user_set_theme(*, user: User, theme: str) -> User:
    """Save the user's light / dark / same-as-the-device choice; unknown values are ignored."""
    if theme in User.Theme.values and user.theme != theme:
        user.theme = theme
        user.save(update_fields=["theme"])
    return user


def user_set_language(*, user: User, language: str, allowed: list[str] | None = None) -> User:
    """Save the user's language (one of settings.LANGUAGES, and of ``allowed`` when given); others are ignored."""
    from django.conf import settings

    codes = set(dict(settings.LANGUAGES))
    if allowed is not None:
        codes &= set(allowed)
    if language in codes and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
