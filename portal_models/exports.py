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


def table_response(*, rows, columns, filename: str, file_format: str):
    """A CSV (default) or XLSX download of ``rows`` (sequences of cell values) under ``columns``, every cell through
    :func:`safe_cell`. ``filename`` without extension."""
    import csv
    import io

    from django.http import HttpResponse

    if file_format == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append([str(c) for c in columns])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    writer = csv.writer(response)
    writer.writerow([str(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return response
