"""Form widgets shared by the customer screens and the admin."""

from datetime import date

from django import forms


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
