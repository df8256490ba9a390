"""Spreadsheet exports that cannot run formulas (CSV / formula injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return) is read as a formula by
Excel, LibreOffice and Google Sheets; such text gets a leading apostrophe, as OWASP recommends. Numbers and
dates are left alone.
"""

import datetime
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` for a spreadsheet cell, with text that would be a formula neutralised."""
    if value is None or isinstance(value, (bool, int, float, Decimal, datetime.date, datetime.time)):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text
