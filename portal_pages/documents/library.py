"""The document library screen: its overview (every section, first few files) or one section, paged.

Shared by DocumentLibraryPage and the portal's /documents/ route (when the tenant has no library page).
"""

from django.contrib import messages
from django.utils.translation import gettext as _

from portal_models.access import PortalContext
from portal_models.selectors import documents as selectors

from ..pagination import page_of, querystring_without

SECTION_PAGE_SIZE = 25


def library_context(request, *, portal: PortalContext, sections) -> dict:
    """Parse ``q`` (search by title), ``section`` (a section's key) and ``page``; the template's context.

    An unknown section key (a section removed since, or one this account does not have) shows the
    overview with a message; a bad page number shows the nearest page with a message.
    """
    query = request.GET.get("q", "").strip()[:100]
    key = request.GET.get("section", "").strip()[:60]
    context = {"query": query, "section": None, "sections": [], "page_obj": None}
    if key:
        section = selectors.library_section(portal=portal, sections=sections, key=key, query=query)
        if section is not None:
            files = selectors.library_section_files(portal=portal, section=section, query=query)
            page = page_of(request, files, per_page=SECTION_PAGE_SIZE, count=section.count)
            context.update(section=section, page_obj=page, querystring=querystring_without(request, "page"))
            return context
        messages.info(request, _("That section is not available; showing all documents."))
    context["sections"] = selectors.library_sections(portal=portal, sections=sections, query=query)
    return context
