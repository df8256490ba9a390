"""Private downloads of Wagtail documents: Wagtail's serve view asks this hook first."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from portal_models import access

from .downloads import signed_url


def before_serve_document(document, request):
    tenant = access.document_tenant(document)
    decision = access.can_download_document(request, document, tenant=tenant)
    if decision == access.DownloadDecision.SIGN_IN:
        from .models import PortalHomePage

        home = PortalHomePage.objects.filter(tenant=tenant).live().first() if tenant else None
        login = home.login_url(request) if home is not None and home.login_page else settings.LOGIN_URL
        return redirect_to_login(request.get_full_path(), login)
    if decision != access.DownloadDecision.ALLOW:
        raise Http404("Not found.")
    url = signed_url(document.file, filename=document.filename, content_type=document.content_type)
    if url:
        from django.http import HttpResponseRedirect

        return HttpResponseRedirect(url)
    return None
