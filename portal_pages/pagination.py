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


# Page sizes a list offers (seed 000: "Page size: 20"), and "show all" up to a bound: beyond it, filter or export.
PAGE_SIZES = (20, 50, 100)
SHOW_ALL_LIMIT = 500


def page_size(request, *, default: int = PAGE_SIZES[0]) -> int:
    """The page size asked for (``?size=50``, ``?size=all``: up to :data:`SHOW_ALL_LIMIT`); others: ``default``."""
    raw = request.GET.get("size", "")
    if raw == "all":
        return SHOW_ALL_LIMIT
    try:
        size = int(raw)
    except ValueError:
        return default
    return size if size in PAGE_SIZES else default


def page_size_choices(request) -> list[dict]:
    """The page size links of a list: each size (and "all") with its query string and whether it is current."""
    current = request.GET.get("size", "") or str(PAGE_SIZES[0])
    params = request.GET.copy()
    params.pop("page", None)
    choices = []
    for value in [str(size) for size in PAGE_SIZES] + ["all"]:
        params["size"] = value
        choices.append({"value": value, "query": params.urlencode(), "current": value == current})
    return choices


def querystring_without(request, *keys: str) -> str:
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()
