"""Wagtail admin registrations of portal_models. Each domain keeps its own module in portal_models/admin/."""

from wagtail_modeladmin.options import modeladmin_register

from .admin import billing, documents  # noqa: F401
from .admin.tickets import SupportGroup

modeladmin_register(SupportGroup)
