"""Scopes of an API key: reading needs ``read``; each viewset names the scope its writes need."""

from rest_framework import permissions

from portal_models.models import ApiKey, ApiScope


class HasScope(permissions.BasePermission):
    message = "This API key does not have the scope this request needs."

    def has_permission(self, request, view):
        key = request.user
        if not isinstance(key, ApiKey) or not key.is_active:
            return False
        needed = ApiScope.READ if request.method in permissions.SAFE_METHODS else view.write_scope
        self.message = f"This API key does not have the “{needed}” scope this request needs."
        return needed is not None and str(needed) in key.scopes
