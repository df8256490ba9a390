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


class _Echo:
    """A file-like object whose ``write`` returns what it is given: csv.writer then yields lines one at a time."""

    def write(self, value):
        return value


def csv_rows(*, rows, columns):
    """The lines of a CSV file of ``rows`` under ``columns`` (every cell through :func:`safe_cell`), one at a time."""
    import csv

    writer = csv.writer(_Echo())
    yield writer.writerow([str(c) for c in columns])
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def table_response(*, rows, columns, filename: str, file_format: str = "csv"):
    """A CSV (default) or XLSX download of ``rows`` (sequences of cell values, or a generator over a queryset's
    ``iterator()``) under ``columns``, every cell through :func:`safe_cell`. ``filename`` without extension.

    Of any size in constant memory: the CSV is streamed as it is written (its first line leaves before the first
    row is read); the XLSX is written row by row by openpyxl's write-only workbook into a temporary file, which is
    then streamed."""
    import tempfile

    from django.http import FileResponse, StreamingHttpResponse

    if file_format == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append([str(c) for c in columns])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        spool = tempfile.TemporaryFile()
        book.save(spool)
        spool.seek(0)
        return FileResponse(
            spool,
            as_attachment=True,
            filename=f"{filename}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(csv_rows(rows=rows, columns=columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
