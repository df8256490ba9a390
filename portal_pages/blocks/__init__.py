"""StreamField blocks of the portal's pages: content (welcome, help pages, links) and the document library."""

from .content import CalloutBlock, ContentStreamBlock, LinkBlock
from .documents import LibrarySectionBlock, collection_choices, resolve_sections
from .sign_in import SignInStreamBlock

__all__ = [
    "CalloutBlock",
    "ContentStreamBlock",
    "LibrarySectionBlock",
    "LinkBlock",
    "SignInStreamBlock",
    "collection_choices",
    "resolve_sections",
]
