"""The project's URLs plus /media/ served from the default storage (the tests' in-memory storage), so that a
browser test can load uploaded images such as a portal's logo."""

import mimetypes

from config.urls import urlpatterns as project_urlpatterns
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import path


def media(request, name):
    if not default_storage.exists(name):
        raise Http404(name)
    return FileResponse(default_storage.open(name), content_type=mimetypes.guess_type(name)[0])


urlpatterns = [path("media/<path:name>", media), *project_urlpatterns]
