"""Cursor pagination in the order of change: an integration syncs with ``?updated_since=`` and follows ``next``
until it is null; rows changed meanwhile come again on a later page or the next sync, never lost."""

from rest_framework.pagination import CursorPagination


class SyncCursorPagination(CursorPagination):
    ordering = ("updated_at", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
