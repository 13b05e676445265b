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


# --- Driving a session through its phases (sessions_app tests) --------------------------------

NORMAL_VITALS = {"systolic": 122, "diastolic": 78, "heart_rate": 72, "spo2": 98}


def start_and_check_in(session: Session, actor: User) -> Session:
    """Start a booked session and check every participant in."""
    from sessions_app.services.booking import participant_check_in
    from sessions_app.services.phases import session_start

    session = session_start(session=session, actor=actor)
    for participant in session.participants.all():
        participant_check_in(participant=participant, actor=actor)
    return session


def record_pre_dose_vitals(session: Session, actor: User, **values) -> None:
    """Normal pre-dose vitals (overridable) for every participant of a session."""
    from sessions_app.services.clinical import vitals_record

    for participant in session.participants.all():
        vitals_record(participant=participant, actor=actor, **{**NORMAL_VITALS, **values})


def to_medication(session: Session, actor: User) -> Session:
    """Start, check in, take pre-dose vitals and open the medication phase."""
    from sessions_app.services.phases import session_advance_phase

    start_and_check_in(session, actor)
    record_pre_dose_vitals(session, actor)
    return session_advance_phase(session=session, actor=actor)


def record_ketamine_doses(session: Session, actor: User) -> None:
    from decimal import Decimal

    from sessions_app.services.clinical import dose_record

    for participant in session.participants.all():
        dose_record(
            participant=participant,
            actor=actor,
            dose_mg=Decimal("35"),
            weight_kg=Decimal("70"),
            lot_number="LOT-1",
        )


def to_integration(session: Session, actor: User) -> Session:
    """A ketamine session moved on to integration, every participant dosed."""
    from sessions_app.services.phases import session_advance_phase

    to_medication(session, actor)
    record_ketamine_doses(session, actor)
    return session_advance_phase(session=session, actor=actor)
