from portal_models.models import User


def user_set_theme(*, user: User, theme: str) -> User:
    """Save the user's light / dark choice; unknown values are ignored."""
    if theme in User.Theme.values and user.theme != theme:
        user.theme = theme
        user.save(update_fields=["theme"])
    return user
