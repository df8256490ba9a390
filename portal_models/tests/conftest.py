from .localstripe import localstripe, localstripe_url  # noqa: F401
