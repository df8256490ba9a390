"""The staff user of the admin request being served, for what Wagtail works out without a request (the choices of
a block). Set by :class:`portal_pages.admin.scoping.AdminPageScopeMiddleware`; ``None`` outside the admin."""

import contextvars

current_admin_user: contextvars.ContextVar = contextvars.ContextVar("portal_admin_user", default=None)
