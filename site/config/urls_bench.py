"""The portal's URLs plus the benchmark's floor: a bare Django view (no database, no template)."""

from django.http import HttpResponse
from django.urls import path

from .urls import urlpatterns as portal_urlpatterns


def bare(request):
    """The floor of the stack: middleware and URL resolution only."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("_bare/", bare, name="bare"), *portal_urlpatterns]
