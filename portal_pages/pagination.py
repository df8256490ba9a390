"""Paging of customer lists: one page of a queryset, with a clean fallback for a bad page number."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.utils.translation import gettext as _


class KnownCountPaginator(Paginator):
    """A paginator told its count (cached), so that a page costs one LIMIT query, whatever the list's size."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


def page_of(request, items, *, per_page: int, count: int | None = None):
    """One page of ``items``; a page number that is not a number or out of range falls back with a message."""
    paginator = Paginator(items, per_page) if count is None else KnownCountPaginator(items, per_page, count=count)
    raw = request.GET.get("page", "1")
    page = paginator.get_page(raw)
    # first, last and the neighbours of the current page, "…" between (Django's elided range)
    page.elided_range = list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    if str(page.number) != raw and "page" in request.GET:
        messages.info(request, _("There is no page “%(page)s”; showing page %(n)s.") % {"page": raw, "n": page.number})
    return page


def querystring_without(request, *keys: str) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()
