"""Scopes of an API key: reading needs ``read``; each viewset names the scope its writes need."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions

from portal_models.models import ApiKey, ApiScope


class HasScope(permissions.BasePermission):
    message = gettext_lazy("This API key does not have the scope this request needs.")

    def has_permission(self, request, view):
        key = request.user
        if not isinstance(key, ApiKey) or not key.is_active:
            return False
        needed = ApiScope.READ if request.method in permissions.SAFE_METHODS else view.write_scope
        self.message = _("This API key does not have the “%(scope)s” scope this request needs.") % {"scope": needed}
        return needed is not None and str(needed) in key.scopes
