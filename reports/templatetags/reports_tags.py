"""Formatting of report cells (one place, so HTML and CSV agree on what a column holds)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from reports.selectors.common import Column
from reports.urls import PAGE_NAMES

register = template.Library()


@register.filter
def cell(row: dict[str, Any], column: Column) -> str:
    value = row.get(column.key)
    if value is None or value == "":
        return "\u2013"  # en dash: an empty cell
    kind = column.kind
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "pct":
        return f"{value:.1f}%"
    if kind in {"float1", "minutes", "hours"}:
        return f"{value:,.1f}"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "mg":
        return f"{Decimal(value):,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime):
        return (
            f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
            if timezone.is_aware(value)
            else str(value)
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@register.filter
def is_numeric(column: Column) -> bool:
    return column.kind in {"int", "pct", "float1", "minutes", "hours", "mg"}


@register.simple_tag
def report_url(slug: str) -> str:
    return reverse(PAGE_NAMES[slug])
