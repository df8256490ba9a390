"""Form widgets shared by the customer screens and the admin."""

from datetime import date

from django import forms
from django.forms.renderers import Jinja2

# The widgets of the customer lists' filter forms are drawn by Django's Jinja2 form templates (the same HTML as
# its default templates): a list page draws them on every request, and the Django template engine takes about
# twice as long for each select and its options. One renderer for the process: it keeps its compiled templates.
LIST_FILTER_RENDERER = Jinja2()


class ListFilterForm(forms.Form):
    """The form of a customer list's filters (search, status, dates, sort): see :data:`LIST_FILTER_RENDERER`."""

    default_renderer = LIST_FILTER_RENDERER


class DateInput(forms.DateInput):
    """An ``<input type="date">``: its value is an ISO date or empty. A date that was typed wrong (an invalid
    filter in the address) is reported next to the field, and the input starts empty instead of carrying a value
    the browser cannot show (an HTML error)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str):
            try:
                date.fromisoformat(value)
            except ValueError:
                return None
            return value
        return super().format_value(value)
