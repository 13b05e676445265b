"""The schedule: a day view (rooms as columns, 30-minute rows) and a week view (rooms as rows,
days as columns) of one location, with free slots that open the booking form pre-filled.

Filters come from the query string (date, location, room, guide: none of them PHI) and are
validated against what the user may see; a bad value falls back to the default, never a 500.
Each view runs a fixed number of queries whatever the number of sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from types import SimpleNamespace
from urllib.parse import urlencode

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import User
from accounts.permissions import Capability, require_capability, sessions_for_user, user_can
from accounts.roles import Role
from facilities.models import Location, Room
from patients.models import Patient

from ..forms.booking import staff_with_role
from ..models import Participant, Session
from ..selectors import BLOCKING_STATUSES

SLOT_MINUTES = 30


@dataclass
class ScheduleFilters:
    day: date
    location: Location | None
    room: Room | None
    guide: User | None
    locations: list[Location] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    guides: list[User] = field(default_factory=list)

    def query(self, **overrides) -> str:
        params = {
            "date": self.day.isoformat(),
            "location": self.location.pk if self.location else None,
            "room": self.room.pk if self.room else None,
            "guide": self.guide.pk if self.guide else None,
        }
        params.update(overrides)
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _date_param(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("date", "")[:10])
    except ValueError:
        return timezone.localdate()


def schedule_locations(user: User) -> list[Location]:
    if user.is_administrator:
        return list(Location.objects.filter(is_active=True).order_by("name"))
    return list(user.locations.filter(is_active=True).order_by("name"))


def _filters(request: HttpRequest) -> ScheduleFilters:
    """Read and validate the filters: unknown or foreign ids are ignored (default used)."""
    locations = schedule_locations(request.user)
    location_id = _int_param(request, "location")
    location = next((loc for loc in locations if loc.pk == location_id), None)
    location = location or (locations[0] if locations else None)
    rooms: list[Room] = []
    guides: list[User] = []
    if location is not None:
        rooms = list(Room.objects.filter(location=location, is_active=True).order_by("name"))
        guides = list(staff_with_role(Role.GUIDE, Location.objects.filter(pk=location.pk)))
    room_id, guide_id = _int_param(request, "room"), _int_param(request, "guide")
    return ScheduleFilters(
        day=_date_param(request),
        location=location,
        room=next((r for r in rooms if r.pk == room_id), None),
        guide=next((g for g in guides if g.pk == guide_id), None),
        locations=locations,
        rooms=rooms,
        guides=guides,
    )


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _patient_column(name: str) -> Subquery:
    # No ORDER BY (the model's default ordering made each probe sort its single row).
    return Subquery(Patient.objects.filter(pk=OuterRef("patient_id")).order_by().values(name)[:1])


_short_name = Patient.short_name.fget  # "Ana R.": the model's rule, applied to plain rows
_SERVICE_LABELS = dict(Session._meta.get_field("service_type").choices)
_STATUS_LABELS = dict(Session.Status.choices)


def _hm(at: datetime, tz: tzinfo) -> str:
    """ "HH:MM" in `tz` (the request's time zone, looked up once per request, not per block)."""
    return at.astimezone(tz).strftime("%H:%M")


@dataclass(slots=True)
class ScheduleSession:
    """One session as the grid needs it: plain values and its block's display strings
    (no model instances: a busy week is hundreds of sessions and about a thousand names)."""

    pk: int
    starts_at: datetime
    ends_at: datetime
    status: str
    room_id: int
    lead_guide_id: int | None
    co_guide_id: int | None
    block: dict = field(default_factory=dict)


def _sessions(
    request: HttpRequest,
    location: Location,
    start: datetime,
    end: datetime,
    link: Callable[[int], str],
) -> list[ScheduleSession]:
    """The location's sessions overlapping [start, end) with each block's display strings, in
    two queries: the sessions with their guides' names, then the participants' names."""
    rows = list(
        sessions_for_user(request.user)
        .filter(location=location, starts_at__lt=end, ends_at__gt=start)
        .exclude(status=Session.Status.CANCELLED)
        .order_by("starts_at", "pk")
        .values_list(
            "pk",
            "starts_at",
            "ends_at",
            "status",
            "service_type",
            "room_id",
            "lead_guide_id",
            "co_guide_id",
            *(f"{guide}__{name}" for guide in ("lead_guide", "co_guide") for name in _GUIDE_FIELDS),
        )
    )
    # Participants in patient-name order (the database's collation, as before). Joining
    # patients here made PostgreSQL hash the whole patient table on every schedule request
    # (EXPLAIN: ~20 ms of a ~25 ms query); the name subqueries probe the primary key instead.
    names: dict[int, list[str]] = {row[0]: [] for row in rows}
    participants = (
        Participant.objects.filter(session_id__in=list(names))
        .annotate(
            _last_name=_patient_column("last_name"), _first_name=_patient_column("first_name")
        )
        .order_by("_last_name", "_first_name")
        .values_list("session_id", "_first_name", "_last_name")
    )
    for session_id, first_name, last_name in participants if names else ():
        names[session_id].append(
            _short_name(SimpleNamespace(first_name=first_name, last_name=last_name))
        )
    guides: dict[int, str] = {}
    tz = timezone.get_current_timezone()
    sessions = []
    width = len(_GUIDE_FIELDS)
    for row in rows:
        pk, starts_at, ends_at, status, service_type, room_id, lead_id, co_id = row[:8]
        lead = _guide_name(guides, lead_id, row[8 : 8 + width])
        co = _guide_name(guides, co_id, row[8 + width :])
        sessions.append(
            ScheduleSession(
                pk=pk,
                starts_at=starts_at,
                ends_at=ends_at,
                status=status,
                room_id=room_id,
                lead_guide_id=lead_id,
                co_guide_id=co_id,
                block={
                    "url": link(pk),
                    "status": status,
                    "service_type": service_type,
                    "heading": f"{_hm(starts_at, tz)}\N{EN DASH}{_hm(ends_at, tz)} "
                    f"{_SERVICE_LABELS.get(service_type, service_type)}",
                    "patients": ", ".join(names[pk]),
                    "guides": f"{lead} + {co}" if co else lead,
                    "status_label": _STATUS_LABELS.get(status, status),
                },
            )
        )
    return sessions


_GUIDE_FIELDS = ("username", "first_name", "last_name", "credential")


def _guide_name(cache: dict[int, str], pk: int | None, values: tuple) -> str:
    """The guide's display name (the User model's rule), once per guide per request."""
    if pk is None:
        return ""
    if pk not in cache:
        cache[pk] = User(pk=pk, **dict(zip(_GUIDE_FIELDS, values, strict=True))).display_name
    return cache[pk]


def _shows(session: ScheduleSession, filters: ScheduleFilters) -> bool:
    if filters.guide is None:
        return True
    return filters.guide.pk in (session.lead_guide_id, session.co_guide_id)


def _slots(location: Location, day: date, sessions: list[ScheduleSession] = ()) -> list[datetime]:
    """30-minute slots over the open hours, stretched to show any session booked outside them
    (an evening session must never vanish from the day view)."""
    step = timedelta(minutes=SLOT_MINUTES)
    day_start, day_end = _local(day, time.min), _local(day + timedelta(days=1), time.min)
    at = min([_local(day, location.opens_at)] + [max(s.starts_at, day_start) for s in sessions])
    at = timezone.localtime(at)
    at = at.replace(minute=at.minute - at.minute % SLOT_MINUTES, second=0, microsecond=0)
    closes = max([_local(day, location.closes_at)] + [min(s.ends_at, day_end) for s in sessions])
    slots = []
    while at < closes:
        slots.append(at)
        at += step
    return slots


def _session_links(can_book: bool) -> Callable[[int], str]:
    """session pk -> its link on the schedule: the run sheet, else (booking staff) the
    reschedule form, else none. URL patterns are reversed once per request, not per block."""
    try:
        sample = reverse("sessions_app:detail", args=[0])
    except NoReverseMatch:
        if not can_book:
            return lambda pk: ""
        sample = reverse("sessions_app:reschedule", args=[0])
    head, _, tail = sample.rpartition("/0/")
    return lambda pk: f"{head}/{pk}/{tail}"


def _book_url(room: Room, starts_at: datetime, base: str = "", tz: tzinfo | None = None) -> str:
    local = starts_at.astimezone(tz or timezone.get_current_timezone())
    # urlencode({"room": pk, "start": "YYYY-MM-DDTHH:MM"}) spelled out: it runs once per free cell.
    start = f"{local:%Y-%m-%dT%H}%3A{local:%M}"
    return f"{base or reverse('sessions_app:book')}?room={room.pk}&start={start}"


def _free_ranges(
    slots: list[datetime], busy: list[ScheduleSession], now: datetime
) -> list[tuple[datetime, datetime]]:
    """Consecutive free 30-minute slots merged into ranges (future only)."""
    ranges: list[tuple[datetime, datetime]] = []
    step = timedelta(minutes=SLOT_MINUTES)
    for slot in slots:
        end = slot + step
        if end <= now or any(s.starts_at < end and s.ends_at > slot for s in busy):
            continue
        if ranges and ranges[-1][1] == slot:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((slot, end))
    return ranges


@require_capability(Capability.VIEW_SCHEDULE)
def schedule_day(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    can_book = user_can(request.user, Capability.BOOK_SESSIONS)
    link, book_base = _session_links(can_book), reverse("sessions_app:book")
    rows: list[dict] = []
    rooms = [filters.room] if filters.room else filters.rooms
    now = timezone.now()
    if filters.location is not None:
        sessions = _sessions(
            request,
            filters.location,
            _local(filters.day, time.min),
            _local(filters.day + timedelta(days=1), time.min),
            link,
        )
        slots = _slots(filters.location, filters.day, sessions)
        by_room: dict[int, list[ScheduleSession]] = {room.pk: [] for room in rooms}
        for session in sessions:
            if session.room_id in by_room:
                by_room[session.room_id].append(session)
        step = timedelta(minutes=SLOT_MINUTES)
        next_slot = _next_slot(now)
        tz = timezone.get_current_timezone()
        for index, slot in enumerate(slots):
            end = slot + step
            cells = []
            for room in rooms:
                here = [s for s in by_room[room.pk] if s.starts_at < end and s.ends_at > slot]
                blocking = [s for s in here if s.status in BLOCKING_STATUSES]
                starting = [
                    s.block
                    for s in here
                    if _shows(s, filters) and (s.starts_at >= slot or index == 0)
                ]
                continuing = any(
                    _shows(s, filters) and s.starts_at < slot and index > 0 for s in here
                )
                free = not blocking and end > now
                cells.append(
                    {
                        "room": room,
                        "blocks": starting,
                        "continuing": continuing and not starting,
                        "free": free,
                        "book_url": _book_url(room, max(slot, next_slot), book_base, tz)
                        if free and can_book
                        else "",
                    }
                )
            rows.append(
                {
                    "slot": slot,
                    "time": f"{slot:%H:%M}",
                    "start": f"{slot:%Y-%m-%dT%H:%M}",
                    "cells": cells,
                }
            )
    context = {
        "filters": filters,
        "rooms": rooms,
        "rows": rows,
        "can_book": can_book,
        "prev_query": filters.query(date=(filters.day - timedelta(days=1)).isoformat()),
        "next_query": filters.query(date=(filters.day + timedelta(days=1)).isoformat()),
        "today_query": filters.query(date=timezone.localdate().isoformat()),
        "week_query": filters.query(),
        "view": "day",
    }
    return render(request, "sessions_app/schedule_day.html", context)


def _next_slot(now: datetime) -> datetime:
    """The next 5-minute boundary: a free slot already under way is booked from now."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    return local + timedelta(minutes=5 - local.minute % 5)


@require_capability(Capability.VIEW_SCHEDULE)
def schedule_week(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    can_book = user_can(request.user, Capability.BOOK_SESSIONS)
    link, book_base = _session_links(can_book), reverse("sessions_app:book")
    monday = filters.day - timedelta(days=filters.day.weekday())
    days = [monday + timedelta(days=n) for n in range(7)]
    rooms = [filters.room] if filters.room else filters.rooms
    table: list[dict] = []
    now = timezone.now()
    if filters.location is not None:
        sessions = _sessions(
            request,
            filters.location,
            _local(monday, time.min),
            _local(monday + timedelta(days=7), time.min),
            link,
        )
        # Per day, computed once for every room: the window, the open-hours slots.
        windows = [
            (day, _local(day, time.min), _local(day + timedelta(days=1), time.min)) for day in days
        ]
        day_slots = {day: _slots(filters.location, day) for day in days}
        blocks = {s.pk: s.block for s in sessions if _shows(s, filters)}
        day_labels = {day: date_format(day, "D j M") for day in days}
        tz = timezone.get_current_timezone()
        next_slot = _next_slot(now)
        for room in rooms:
            cells = []
            room_sessions = [s for s in sessions if s.room_id == room.pk]
            for day, start, end in windows:
                todays = [s for s in room_sessions if s.starts_at < end and s.ends_at > start]
                busy = [s for s in todays if s.status in BLOCKING_STATUSES]
                free = _free_ranges(day_slots[day], busy, now)
                cells.append(
                    {
                        "day_label": day_labels[day],
                        "blocks": [blocks[s.pk] for s in todays if s.pk in blocks],
                        "free": [
                            {
                                "label": f"{_hm(a, tz)}\N{EN DASH}{_hm(b, tz)}",
                                "url": _book_url(room, max(a, next_slot), book_base, tz)
                                if can_book
                                else "",
                            }
                            for a, b in free
                        ],
                    }
                )
            table.append({"room": room, "cells": cells})
    context = {
        "filters": filters,
        "days": days,
        "rooms": rooms,
        "table": table,
        "can_book": can_book,
        "prev_query": filters.query(date=(monday - timedelta(days=7)).isoformat()),
        "next_query": filters.query(date=(monday + timedelta(days=7)).isoformat()),
        "today_query": filters.query(date=timezone.localdate().isoformat()),
        "day_query": filters.query(),
        "today": timezone.localdate(),
        "view": "week",
    }
    return render(request, "sessions_app/schedule_week.html", context)


def day_url_for(session: Session) -> str:
    """The day view showing `session` (used after booking actions)."""
    query = urlencode(
        {
            "date": timezone.localtime(session.starts_at).date().isoformat(),
            "location": session.location_id,
        }
    )
    return f"{reverse('sessions_app:schedule_day')}?{query}"
