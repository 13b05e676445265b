"""Activity: sessions per week or month by service type, outcomes of bookings, seat fill.

Definitions (shown on the page):
- A session belongs to the period its start time falls in (clinic time zone).
- Rates are shares of all sessions booked in the range (scheduled and in progress included).
- Seat fill covers couples and group sessions that were not cancelled: seats filled are the
  participants who were not withdrawn and did not miss the session (checked in, or still
  expected for a session that has not happened yet); capacity is 2 for couples and the smaller
  of the room's capacity and the group maximum for groups.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Least, Lower, Trim, TruncMonth, TruncWeek

from sessions_app.models import Participant, Session
from sessions_app.rules import ServiceType

from .common import Chart, Column, Report, ReportFilters, Table, clinic_tz, ratio

STATUS = Session.Status
SEAT_SERVICES = (ServiceType.COUPLES, ServiceType.GROUP)
TOP_REASONS = 15


def _period_starts(filters: ReportFilters) -> list[date]:
    """Every week (Monday) or month start touching the range: empty periods show as 0."""
    if filters.period == "month":
        day = filters.start.replace(day=1)
        starts = []
        while day <= filters.end:
            starts.append(day)
            day = (day + timedelta(days=32)).replace(day=1)
        return starts
    day = filters.start - timedelta(days=filters.start.weekday())
    starts = []
    while day <= filters.end:
        starts.append(day)
        day += timedelta(days=7)
    return starts


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.astimezone(clinic_tz()).date() if value.tzinfo else value.date()
    return value


def activity_report(filters: ReportFilters) -> Report:
    sessions = Session.objects.filter(filters.sessions_q())
    service_labels = dict(ServiceType.choices)
    services = [filters.service_type] if filters.service_type else list(ServiceType.values)

    # 1. Sessions per period and service type (one GROUP BY).
    trunc = TruncMonth if filters.period == "month" else TruncWeek
    per_period = (
        sessions.annotate(period=trunc("starts_at", tzinfo=clinic_tz()))
        .values("period", "service_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {(_as_date(r["period"]), r["service_type"]): r["n"] for r in per_period}
    periods = _period_starts(filters)
    period_fmt = "%b %Y" if filters.period == "month" else "%d %b %Y"
    period_rows = []
    for start in periods:
        row = {"period": start, **{st: counts.get((start, st), 0) for st in services}}
        row["total"] = sum(row[st] for st in services)
        period_rows.append(row)

    # 2. What happened to the bookings, per service type and overall (conditional aggregation).
    status_aggregates = {
        "sessions": Count("id"),
        "completed": Count("id", filter=Q(status=STATUS.COMPLETED)),
        "cancelled": Count("id", filter=Q(status=STATUS.CANCELLED)),
        "no_show": Count("id", filter=Q(status=STATUS.NO_SHOW)),
        "open": Count("id", filter=Q(status__in=[STATUS.SCHEDULED, STATUS.IN_PROGRESS])),
    }
    status_rates = {
        "completed_pct": ratio("completed", "sessions"),
        "cancelled_pct": ratio("cancelled", "sessions"),
        "no_show_pct": ratio("no_show", "sessions"),
    }
    by_service = list(
        sessions.values("service_type")
        .annotate(**status_aggregates)
        .annotate(**status_rates)
        .order_by("service_type")
    )
    for row in by_service:
        row["service"] = service_labels.get(row["service_type"], row["service_type"])
    totals = sessions.aggregate(**status_aggregates)
    for key, (num, den) in {
        "completed_pct": ("completed", "sessions"),
        "cancelled_pct": ("cancelled", "sessions"),
        "no_show_pct": ("no_show", "sessions"),
    }.items():
        # Three divisions of numbers the database just summed (no rows are looped over).
        totals[key] = totals[num] * 100.0 / totals[den] if totals[den] else None
    totals["service"] = "All services"

    # 3. Cancellation reasons (normalised: trimmed, case-insensitive).
    reasons = list(
        sessions.filter(status=STATUS.CANCELLED)
        .annotate(reason=Lower(Trim("cancel_reason")))
        .values("reason")
        .annotate(n=Count("id"))
        .order_by("-n", "reason")[:TOP_REASONS]
    )

    # 4. Seat fill of couples and group sessions that were not cancelled.
    seat_sessions = sessions.filter(service_type__in=SEAT_SERVICES).exclude(status=STATUS.CANCELLED)
    capacity = list(
        seat_sessions.values("service_type")
        .annotate(
            sessions=Count("id"),
            capacity=Sum(
                Case(
                    When(service_type=ServiceType.COUPLES, then=Value(2)),
                    default=Least(
                        "room__capacity", Value(settings.CLINIC_RULES["GROUP_MAX_PATIENTS"])
                    ),
                    output_field=IntegerField(),
                )
            ),
        )
        .order_by("service_type")
    )
    seats = {
        r["session__service_type"]: r
        for r in Participant.objects.filter(session__in=seat_sessions.values("pk"))
        .values("session__service_type")
        .annotate(
            booked=Count("id", filter=~Q(attendance=Participant.Attendance.WITHDRAWN)),
            filled=Count(
                "id",
                filter=Q(attendance=Participant.Attendance.CHECKED_IN)
                | Q(
                    attendance=Participant.Attendance.EXPECTED,
                    session__status__in=[STATUS.SCHEDULED, STATUS.IN_PROGRESS],
                ),
            ),
            missed=Count("id", filter=Q(attendance=Participant.Attendance.NO_SHOW)),
        )
        .order_by()
    }
    seat_rows = []
    for row in capacity:
        s = seats.get(row["service_type"], {})
        filled = s.get("filled", 0)
        seat_rows.append(
            {
                "service": service_labels[row["service_type"]],
                "sessions": row["sessions"],
                "capacity": row["capacity"] or 0,
                "booked": s.get("booked", 0),
                "filled": filled,
                "missed": s.get("missed", 0),
                "per_session": filled / row["sessions"] if row["sessions"] else None,
                "fill_pct": filled * 100.0 / row["capacity"] if row["capacity"] else None,
            }
        )

    chart = Chart(
        id="activity-chart",
        title=f"Sessions per {filters.period} by service type",
        type="bar",
        labels=[p.strftime(period_fmt) for p in periods],
        datasets=[
            {"label": service_labels[st], "data": [r[st] for r in period_rows]} for st in services
        ],
        stacked=True,
        y_label="Sessions",
    )
    period_table = Table(
        slug="periods",
        title=f"Sessions per {filters.period}",
        columns=[
            Column("period", "Week of" if filters.period == "week" else "Month", "date"),
            *[Column(st, service_labels[st], "int") for st in services],
            Column("total", "Total", "int"),
        ],
        rows=period_rows,
    )
    outcome_columns = [
        Column("service", "Service"),
        Column("sessions", "Booked", "int"),
        Column("completed", "Completed", "int"),
        Column("completed_pct", "Completed %", "pct"),
        Column("cancelled", "Cancelled", "int"),
        Column("cancelled_pct", "Cancelled %", "pct"),
        Column("no_show", "No-show", "int"),
        Column("no_show_pct", "No-show %", "pct"),
        Column("open", "Scheduled or in progress", "int"),
    ]
    return Report(
        slug="activity",
        title="Activity",
        charts=[chart],
        tables=[
            period_table,
            Table(
                slug="outcomes",
                title="Completed, cancelled and no-show sessions",
                columns=outcome_columns,
                rows=by_service,
                totals=totals,
            ),
            Table(
                slug="cancel-reasons",
                title="Cancellation reasons",
                description=f"The {TOP_REASONS} most common reasons (case and spacing ignored).",
                columns=[Column("reason", "Reason"), Column("n", "Sessions", "int")],
                rows=reasons,
            ),
            Table(
                slug="seat-fill",
                title="Seat fill: couples and group sessions",
                description=(
                    "Sessions not cancelled. Capacity: 2 seats for couples; for groups the room's "
                    "capacity, at most the group maximum. Filled: checked in (or still expected "
                    "for a session yet to happen); missed: participant no-shows."
                ),
                columns=[
                    Column("service", "Service"),
                    Column("sessions", "Sessions", "int"),
                    Column("capacity", "Seats available", "int"),
                    Column("booked", "Seats booked", "int"),
                    Column("filled", "Seats filled", "int"),
                    Column("missed", "Missed (no-show)", "int"),
                    Column("per_session", "Patients per session", "float1"),
                    Column("fill_pct", "Fill %", "pct"),
                ],
                rows=seat_rows,
            ),
        ],
        notes=[
            "A session counts in the week or month its start time falls in (clinic time).",
            "Rates are shares of all sessions booked in the range.",
        ],
    )
