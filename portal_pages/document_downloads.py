"""Private downloads of Wagtail documents: Wagtail's serve view (WAGTAILDOCS_SERVE_METHOD = "serve_view")
asks this hook first; it applies the one access check and then sends the file itself."""

import os

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import FileSystemStorage
from django.http import Http404, HttpResponse, HttpResponseRedirect

from portal_models import access
from portal_models.downloads import signed_url

from .models import PortalHomePage


def before_serve_document(document, request):
    tenant = access.document_tenant(document)
    decision = access.can_download_document(request, document, tenant=tenant)
    if decision == access.DownloadDecision.SIGN_IN:
        home = PortalHomePage.objects.filter(tenant=tenant).live().first() if tenant else None
        login = home.login_url(request) if home is not None and home.login_page else settings.LOGIN_URL
        return redirect_to_login(request.get_full_path(), login)
    if decision in (access.DownloadDecision.CHANGE_PASSWORD, access.DownloadDecision.TWO_FACTOR):
        home = PortalHomePage.objects.filter(tenant=tenant).live().first()
        return HttpResponseRedirect(home.route_url(decision, request=request))  # the routes are named after them
    if decision != access.DownloadDecision.ALLOW:
        raise Http404("Not found.")
    url = signed_url(document.file, filename=document.filename, content_type=document.content_type)
    if url:  # S3: the bucket is private; hand out a URL that expires within 60 seconds
        return HttpResponseRedirect(url)
    if _has_local_path(document.file):
        return None  # Wagtail streams it (sendfile, ETag) now that the check has passed
    # A storage without local paths (e.g. in memory): Wagtail only accepts a plain HttpResponse here.
    with document.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=document.content_type)
    response["Content-Disposition"] = document.content_disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def _has_local_path(field_file) -> bool:
    return isinstance(field_file.storage, FileSystemStorage) and os.path.exists(field_file.path)
