"""StreamField blocks of the portal's pages: content (welcome, help pages, links) and the document library."""

from .content import CalloutBlock, ContentStreamBlock, LinkBlock
from .documents import LibrarySectionBlock, collection_choices, resolve_sections

__all__ = [
    "CalloutBlock",
    "ContentStreamBlock",
    "LibrarySectionBlock",
    "LinkBlock",
    "collection_choices",
    "resolve_sections",
]
