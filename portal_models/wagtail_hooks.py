"""Wagtail admin registrations of portal_models (modeladmin groups, log actions). Imports only."""

from .admin import billing  # noqa: F401
