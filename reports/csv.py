"""Streamed CSV export of a report table, safe to open in a spreadsheet.

Rows are written as the database cursor yields them (StreamingHttpResponse), so a year of the
controlled-substance log never sits in memory. Text cells that a spreadsheet would run as a
formula (starting with = + - @, tab or carriage return) get a leading apostrophe (OWASP's
advice for CSV injection); numbers are written as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from .selectors.common import Column, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def escape_cell(value: Any) -> Any:
    """A value as a CSV cell; text that a spreadsheet would evaluate is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _cell(column: Column, value: Any) -> Any:
    if isinstance(value, float) and column.kind in {"pct", "float1", "minutes", "hours"}:
        return round(value, 2)
    return escape_cell(value)


class _Echo:
    """csv.writer target that hands each formatted line back instead of buffering it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(table: Table, rows: Iterable[dict[str, Any]] | None = None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: spreadsheets then read the file as UTF-8
    yield writer.writerow([escape_cell(c.label) for c in table.columns])
    for row in table.iter_rows(rows):
        yield writer.writerow([_cell(c, row.get(c.key)) for c in table.columns])
    if table.totals:
        yield writer.writerow([_cell(c, table.totals.get(c.key)) for c in table.columns])


def csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
