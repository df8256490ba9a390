"""Wagtail admin registrations of portal_models (each domain in its own portal_models/admin module)."""

from wagtail_modeladmin.options import modeladmin_register

from .admin.tickets import SupportGroup

modeladmin_register(SupportGroup)
