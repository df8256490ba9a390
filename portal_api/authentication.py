"""``Authorization: Bearer ptk_…``: the request's ``user`` is the tenant's API key (see ``staff_access``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from portal_models.services.api_keys import api_key_for_token, api_key_touch


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        kind, _sep, token = header.partition(" ")
        if kind != self.keyword or not token.strip():
            raise exceptions.AuthenticationFailed(_("Send the API key as “Authorization: Bearer <key>”."))
        key = api_key_for_token(token.strip())
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is unknown or revoked."))
        api_key_touch(key=key)
        return key, key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
