"""The portal pages' part of the Wagtail admin: the "New portal" screen (forms, views) and the staff member's
tenant scope of the page tree (scoping). Registered by ``portal_pages/wagtail_hooks.py``."""
