"""Small, explicit builders for test data. Every name is generated, never a real person."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_roles
from facilities.models import Location, Room
from patients.models import Patient
from sessions_app.models import Session
from sessions_app.services.booking import session_book

_seq = itertools.count(1)

PASSWORD = "correct-horse-battery-staple"


def make_location(name: str | None = None) -> Location:
    return Location.objects.create(name=name or f"Location {next(_seq)}", address="1 Test Street")


def make_room(location: Location | None = None, capacity: int = 1, name: str | None = None) -> Room:
    return Room.objects.create(
        location=location or make_location(), name=name or f"Room {next(_seq)}", capacity=capacity
    )


def make_user(
    *roles: Role, username: str | None = None, locations: list[Location] | None = None, **fields
) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=username or f"user{n}",
        password=PASSWORD,
        first_name=fields.pop("first_name", f"Staff{n}"),
        last_name=fields.pop("last_name", f"Member{n}"),
        **fields,
    )
    user_set_roles(user=user, roles=list(roles))
    if locations:
        user.locations.set(locations)
    return user


def make_patient(location: Location | None = None, **fields) -> Patient:
    n = next(_seq)
    defaults = {
        "mrn": f"MRN{n:06d}",
        "first_name": f"Pat{n}",
        "last_name": f"Ient{n}",
        "date_of_birth": date(1985, 5, 17),
        "home_location": location or make_location(),
    }
    defaults.update(fields)
    return Patient.objects.create(**defaults)


def make_spravato_patient(location: Location | None = None, **fields) -> Patient:
    fields.setdefault("rems_patient_id", f"REMS{next(_seq):05d}")
    fields.setdefault("rems_enrolled_on", date(2026, 1, 5))
    return make_patient(location, **fields)


def at(hours_from_now: float) -> datetime:
    """A time on a 15-minute boundary, `hours_from_now` hours ahead."""
    base = timezone.now().replace(second=0, microsecond=0)
    base -= timedelta(minutes=base.minute % 15)
    return base + timedelta(hours=hours_from_now)


def book(
    *,
    service_type: str = Session.ServiceType.GUIDED,
    patients: list[Patient],
    room: Room,
    guide: User,
    clinician: User,
    actor: User,
    starts_at: datetime | None = None,
    minutes: int = 120,
    **extra,
) -> Session:
    starts_at = starts_at or at(1)
    return session_book(
        service_type=service_type,
        patients=patients,
        room=room,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        lead_guide=guide,
        clinician=clinician,
        actor=actor,
        **extra,
    )
