"""Paging of customer lists: one page of a queryset, with a clean fallback for a bad page number.

A list's cost does not grow with the account's size: the count stops at :data:`COUNT_LIMIT` ("10,000+"), so
pages beyond it are not offered (filter or export for more), and a page past the middle of a list is read from
its end (the sort reversed, a small offset), so the last page costs what the first does.
"""

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

COUNT_LIMIT = 10_000


def bounded_count(items, *, limit: int | None = None) -> int:
    """How many ``items`` there are, counting at most ``limit + 1`` rows (:data:`COUNT_LIMIT` by default): a result
    over ``limit`` means "more"."""
    limit = COUNT_LIMIT if limit is None else limit
    if isinstance(items, QuerySet):
        return items.order_by()[: limit + 1].count()  # how many does not depend on the order: no sort to count
    return min(len(items), limit + 1)


class BoundedPaginator(Paginator):
    """A paginator whose count is bounded (:func:`bounded_count`, or told it: a cached count), and whose pages in
    the second half of a list are read with the order reversed."""

    def __init__(self, object_list, per_page, *, count: int | None = None, limit: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = COUNT_LIMIT if limit is None else limit
        self._known_count = count

    @cached_property
    def bounded(self) -> int:
        return self._known_count if self._known_count is not None else bounded_count(self.object_list, limit=self.limit)

    @cached_property
    def count(self) -> int:
        return min(self.bounded, self.limit)

    @property
    def capped(self) -> bool:
        """More items than the count shows (its pages stop at ``limit``)."""
        return self.bounded > self.limit

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        items = self.object_list
        if not self.capped and isinstance(items, QuerySet) and items.ordered and bottom > self.count // 2:
            # from the end: the last rows in the reversed order, then turned back
            rows = list(items.reverse()[self.count - top : self.count - bottom])
            rows.reverse()
            return Page(rows, number, self)
        return super().page(number)


def page_of(request, items, *, per_page: int, count: int | None = None):
    """One page of ``items``; a page number that is not a number or out of range falls back with a message.

    ``count`` is a :func:`bounded_count` computed (and cached) by the caller, if any.
    """
    paginator = BoundedPaginator(items, per_page, count=count)
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
