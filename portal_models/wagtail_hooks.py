"""Staff admin registrations (imported by Wagtail); each domain keeps its own module in admin/."""

from .admin import documents  # noqa: F401
