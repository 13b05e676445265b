"""Staff and rooms: hours and sessions per guide and clinician; room utilisation per location.

Definitions (shown on the page):
- Staff time counts sessions that took place or are still to come: every status except
  cancelled and no-show. Hours are the booked length (start to end).
- Room utilisation = booked hours / open hours. Booked hours: every session not cancelled
  (a no-show still held the room). Open hours: the location's daily opening hours
  (Location.opens_at to closes_at) x every day in the range x its active rooms. The model has
  no closing days, so weekends count as open days.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Concat

from facilities.models import Location, Room
from sessions_app.models import Session

from .common import Chart, Column, Report, ReportFilters, Table, duration_hours

STATUS = Session.Status
STAFF_TIME_EXCLUDES = [STATUS.CANCELLED, STATUS.NO_SHOW]


def _per_person(sessions, person: str, role: str) -> list[dict]:
    return list(
        sessions.values(person)
        .annotate(
            name=Concat(f"{person}__first_name", Value(" "), f"{person}__last_name"),
            role=Value(role),
            sessions=Count("id"),
            completed=Count("id", filter=Q(status=STATUS.COMPLETED)),
            hours=Sum(duration_hours()),
        )
        .order_by("-hours", "name")
    )


def staff_report(filters: ReportFilters) -> Report:
    worked = Session.objects.filter(filters.sessions_q()).exclude(status__in=STAFF_TIME_EXCLUDES)
    lead = _per_person(worked, "lead_guide", "Lead guide")
    co = _per_person(worked.filter(co_guide__isnull=False), "co_guide", "Co-guide")
    clinicians = _per_person(worked, "clinician", "Clinician")
    for rows, key in ((lead, "lead_guide"), (co, "co_guide"), (clinicians, "clinician")):
        for row in rows:
            row["user_id"] = row.pop(key)
    staff_rows = lead + co + clinicians

    # Rooms and locations: two GROUP BYs over the sessions in the range (by room, by location),
    # joined to the short lists of rooms and locations here. Counting through rooms LEFT JOIN
    # sessions (with FILTER) read every session of the whole history, and the per-location
    # correlated subqueries did it again (150-350 ms each on the benchmark).
    booked = Session.objects.filter(filters.sessions_q()).exclude(status=STATUS.CANCELLED)
    per_room = {
        r["room_id"]: r
        for r in booked.values("room_id")
        .annotate(session_count=Count("id"), hours=Sum(duration_hours()))
        .order_by()
    }
    per_location = {
        r["location_id"]: r
        for r in booked.values("location_id")
        .annotate(session_count=Count("id"), hours=Sum(duration_hours()))
        .order_by()
    }
    rooms_qs = Room.objects.filter(is_active=True)
    locations_qs = Location.objects.filter(is_active=True)
    if filters.location_id is not None:
        rooms_qs = rooms_qs.filter(location_id=filters.location_id)
        locations_qs = locations_qs.filter(pk=filters.location_id)
    room_rows = list(
        rooms_qs.values("pk", "name", location_name=F("location__name")).order_by(
            "location__name", "name"
        )
    )
    for row in room_rows:
        stats = per_room.get(row["pk"], {})
        row["session_count"] = stats.get("session_count", 0)
        row["hours"] = stats.get("hours") or 0.0
    room_counts = dict(
        Room.objects.filter(is_active=True)
        .values_list("location_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    location_rows = list(locations_qs.values("pk", "name", "opens_at", "closes_at"))
    for row in location_rows:
        stats = per_location.get(row["pk"], {})
        row["room_count"] = room_counts.get(row["pk"])
        row["session_count"] = stats.get("session_count")
        row["hours"] = stats.get("hours")
    for row in location_rows:
        opens, closes = row.pop("opens_at"), row.pop("closes_at")
        per_day = Location.hours_between(opens, closes)
        row["room_count"] = row["room_count"] or 0
        row["session_count"] = row["session_count"] or 0
        row["hours"] = row["hours"] or 0.0
        row["open_hours"] = per_day * filters.days * row["room_count"]
        row["utilisation_pct"] = (
            row["hours"] * 100.0 / row["open_hours"] if row["open_hours"] else None
        )
    open_per_room = {
        loc["name"]: (loc["open_hours"] / loc["room_count"] if loc["room_count"] else 0.0)
        for loc in location_rows
    }
    for row in room_rows:
        open_hours = open_per_room.get(row["location_name"], 0.0)
        row["open_hours"] = open_hours
        row["utilisation_pct"] = row["hours"] * 100.0 / open_hours if open_hours else None

    staff_columns = [
        Column("name", "Name"),
        Column("role", "Role"),
        Column("sessions", "Sessions", "int"),
        Column("completed", "Completed", "int"),
        Column("hours", "Hours", "hours"),
    ]
    return Report(
        slug="staff",
        title="Staff and rooms",
        charts=[
            Chart(
                id="staff-chart",
                title="Hours per person",
                type="bar",
                horizontal=True,
                labels=[f"{r['name']} ({r['role']})" for r in staff_rows],
                datasets=[
                    {"label": "Hours", "data": [round(r["hours"] or 0, 1) for r in staff_rows]}
                ],
                y_label="Hours",
            ),
            Chart(
                id="rooms-chart",
                title="Room utilisation per location (%)",
                type="bar",
                labels=[r["name"] for r in location_rows],
                datasets=[
                    {
                        "label": "Utilisation %",
                        "data": [round(r["utilisation_pct"] or 0, 1) for r in location_rows],
                    }
                ],
                y_label="% of open hours",
            ),
        ],
        tables=[
            Table(
                slug="guides",
                title="Guides: sessions led and co-led",
                columns=staff_columns,
                rows=lead + co,
            ),
            Table(
                slug="clinicians",
                title="Clinicians: sessions supervised",
                columns=staff_columns,
                rows=clinicians,
            ),
            Table(
                slug="locations",
                title="Room utilisation per location",
                columns=[
                    Column("name", "Location"),
                    Column("room_count", "Active rooms", "int"),
                    Column("session_count", "Sessions", "int"),
                    Column("hours", "Booked hours", "hours"),
                    Column("open_hours", "Open hours", "hours"),
                    Column("utilisation_pct", "Utilisation %", "pct"),
                ],
                rows=location_rows,
            ),
            Table(
                slug="rooms",
                title="Room utilisation per room",
                columns=[
                    Column("location_name", "Location"),
                    Column("name", "Room"),
                    Column("session_count", "Sessions", "int"),
                    Column("hours", "Booked hours", "hours"),
                    Column("open_hours", "Open hours", "hours"),
                    Column("utilisation_pct", "Utilisation %", "pct"),
                ],
                rows=room_rows,
            ),
        ],
        notes=[
            "Staff hours: sessions that took place or are booked (not cancelled, not no-show), "
            "counted at their booked length.",
            "Room utilisation = booked hours (every session not cancelled) / open hours "
            "(daily opening hours x days in the range x active rooms). Every day counts as "
            "an open day.",
        ],
    )
