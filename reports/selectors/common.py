"""What every report shares: the filters, the table/chart shapes and two database helpers.

All figures are computed by the database. The two helpers make the same SQL mean the same
thing on PostgreSQL (production, benchmark) and SQLite (development, the fast test run):

- `MinutesBetween(start, end)`: minutes between two timestamps as a float.
- `Percentile(expr, fraction)`: PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY
  expr)`. SQLite has no ordered-set aggregates, so on SQLite the same call runs a small
  aggregate function registered on every new connection (`reports_percentile_cont`) that does
  the same linear interpolation inside the database's GROUP BY. Results are identical on both
  (tests run on both); only SQLite, never the benchmark, uses the fallback.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Aggregate, ExpressionWrapper, F, FloatField, Func, Q
from django.db.models.functions import Cast, NullIf

# --- Filters ------------------------------------------------------------------------------


def clinic_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class ReportFilters:
    """Validated filter values (from reports.forms.ReportFilterForm). Ids only, never PHI."""

    start: date
    end: date  # inclusive
    location_id: int | None = None
    service_type: str | None = None
    guide_id: int | None = None
    period: str = "week"

    @property
    def starts_at(self) -> datetime:
        """Midnight at the start of `start`, clinic time."""
        return datetime.combine(self.start, time.min, tzinfo=clinic_tz())

    @property
    def ends_before(self) -> datetime:
        """Midnight after `end`, clinic time (the range is half-open)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=clinic_tz())

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def sessions_q(self, prefix: str = "", *, dated: bool = True) -> Q:
        """Sessions (reached through `prefix`, e.g. "participant__session__") in the filters.

        `dated=False` leaves the date range out (for reports dated by another column).
        """
        q = Q()
        if dated:
            q &= Q(
                **{
                    f"{prefix}starts_at__gte": self.starts_at,
                    f"{prefix}starts_at__lt": self.ends_before,
                }
            )
        if self.location_id is not None:
            q &= Q(**{f"{prefix}location_id": self.location_id})
        if self.service_type:
            q &= Q(**{f"{prefix}service_type": self.service_type})
        if self.guide_id is not None:
            q &= Q(**{f"{prefix}lead_guide_id": self.guide_id}) | Q(
                **{f"{prefix}co_guide_id": self.guide_id}
            )
        return q

    def in_range_q(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.starts_at, f"{field_name}__lt": self.ends_before})

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (ids and dates only)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.location_id is not None:
            params["location"] = str(self.location_id)
        if self.service_type:
            params["service_type"] = self.service_type
        if self.guide_id is not None:
            params["guide"] = str(self.guide_id)
        if self.period != "week":
            params["period"] = self.period
        return params


# --- Database helpers --------------------------------------------------------------------


@contextmanager
def analytic_queries() -> Iterator[None]:
    """Run a report's queries in one read transaction with PostgreSQL's JIT compiler off.

    A year of data gives plans whose cost estimate passes jit_above_cost, and on this 2-core
    machine compiling them took 0.3-1.6 s per query (EXPLAIN ANALYZE "JIT: Timing") for queries
    that run in 20-300 ms: interpretation is always faster at this size.
    random_page_cost 1.1 (default 4): the reports read cached data (EXPLAIN BUFFERS shows
    shared hits only), where an index probe costs about what a sequential page does; with the
    default the planner seq-scanned 287k participants to join a few thousand sessions
    (REMS summary 258 -> 118 ms, session count 210 -> 52 ms). SET LOCAL lasts until the end of
    this transaction only, so no other page's queries are affected.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL random_page_cost = 1.1")
        yield


class MinutesBetween(Func):
    """Minutes from `start` to `end` (float; NULL when either is NULL)."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 60.0)",
            arg_joiner=" - ",
            # EXTRACT(EPOCH FROM end - start): swap to end - start.
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            # Rounded to whole seconds: julianday() arithmetic drifts by microseconds.
            template="(ROUND((julianday(%(expressions)s)) * 86400.0) / 60.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def __init__(self, start, end, **extra):
        # Stored as (end, start) so that "end - start" reads naturally in both templates.
        super().__init__(end, start, **extra)


class Percentile(Aggregate):
    """Continuous percentile (linear interpolation), `fraction` in [0, 1]. NULLs are ignored."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= float(fraction) <= 1:
            raise ValueError("fraction must be between 0 and 1")
        self.fraction = float(fraction)
        super().__init__(expression, **extra)

    # Django's Aggregate.as_sql() reads the template from the instance when it adds a FILTER
    # clause, so each backend gets a copy with its own template.
    def as_postgresql(self, compiler, connection, **extra_context):
        clone = self.copy()
        clone.template = (
            f"PERCENTILE_CONT({self.fraction!r}) WITHIN GROUP (ORDER BY %(expressions)s)"
        )
        return Aggregate.as_sql(clone, compiler, connection, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        clone = self.copy()
        clone.function = "reports_percentile_cont"
        clone.template = f"%(function)s(%(expressions)s, {self.fraction!r})"
        return Aggregate.as_sql(clone, compiler, connection, **extra_context)

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover - other DBs
        raise NotImplementedError(f"Percentile is not implemented for {connection.vendor}")


class _SqlitePercentileCont:
    """percentile_cont for SQLite: collects the group's values, interpolates like PostgreSQL."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.fraction)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """The definition PostgreSQL uses (also what the tests check the figures against)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("reports_percentile_cont", 2, _SqlitePercentileCont)


def ratio(numerator, denominator, *, scale: float = 100.0):
    """numerator * scale / denominator in the database; NULL when the denominator is 0."""
    return ExpressionWrapper(
        Cast(numerator, FloatField()) * scale / NullIf(Cast(denominator, FloatField()), 0.0),
        output_field=FloatField(),
    )


def duration_hours(start: str = "starts_at", end: str = "ends_at") -> ExpressionWrapper:
    """Hours between two columns, for Sum(): minutes / 60."""
    return ExpressionWrapper(MinutesBetween(F(start), F(end)) / 60.0, FloatField())


# --- What a report returns ---------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text, int, float1, pct, hours, minutes, date, datetime, bool
    kind: str = "text"


@dataclass
class Table:
    """One table of a report: shown as HTML (maybe paginated) and exported as CSV."""

    slug: str
    title: str
    columns: list[Column]
    # Dicts keyed by column key: a list, or a lazy iterable/queryset (big tables).
    rows: Iterable[dict[str, Any]]
    description: str = ""
    # Big tables: the HTML shows one page; CSV streams every row.
    paginate: bool = False
    totals: dict[str, Any] | None = None
    # Optional per-row link (e.g. the printable REMS form).
    link: Callable[[dict[str, Any]], str] | None = None
    link_label: str = ""
    # Applied to each row as it is shown or exported (values derived from one row only).
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Applied to the stream of rows (a page, or the export): adds figures fetched in bulk.
    enrich: Callable[[Iterable[dict[str, Any]]], Iterable[dict[str, Any]]] | None = None
    # Number of rows when the report already knows it (spares the paginator a COUNT query).
    count: int | None = None

    def iter_rows(self, rows: Iterable[dict[str, Any]] | None = None) -> Iterable[dict[str, Any]]:
        rows = self.rows if rows is None else rows
        if hasattr(rows, "iterator"):
            rows = rows.iterator(chunk_size=2000)
        if self.transform is not None:
            rows = map(self.transform, rows)
        if self.enrich is not None:
            rows = self.enrich(rows)
        yield from rows


@dataclass
class Chart:
    """A Chart.js configuration (data only; static/clinic/reports.js draws it)."""

    id: str
    title: str
    type: str
    labels: list[str]
    datasets: list[dict[str, Any]]
    stacked: bool = False
    horizontal: bool = False
    y_label: str = ""
    y_max: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "labels": self.labels,
            "datasets": self.datasets,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "yLabel": self.y_label,
            "yMax": self.y_max,
            "title": self.title,
        }


@dataclass
class Report:
    slug: str
    title: str
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: list[tuple[str, Any]] = field(default_factory=list)

    def table(self, slug: str) -> Table | None:
        return next((t for t in self.tables if t.slug == slug), None)
