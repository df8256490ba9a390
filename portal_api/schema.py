"""The OpenAPI schema describes ``/api/v1/`` only (not Wagtail's own admin API)."""

API_PREFIX = "/api/v1/"


def only_api_v1(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]


def _register_extensions():
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class ApiKeyScheme(OpenApiAuthenticationExtension):
        target_class = "portal_api.authentication.ApiKeyAuthentication"
        name = "ApiKey"

        def get_security_definition(self, auto_schema):
            return {
                "type": "http",
                "scheme": "bearer",
                "description": "A key made by staff in the admin (Settings → API keys): `ptk_…`.",
            }

    return ApiKeyScheme
