"""Wagtail admin registrations of portal_models (each domain in its own module under portal_models/admin/)."""

from .admin import payments  # noqa: F401
