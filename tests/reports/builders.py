"""Hand-built history for report tests: sessions in the past with explicit times.

Booking goes through `session_book(allow_past=True)` (the import path the services offer for
history), cancellation and no-shows through their services; clinical rows that the services
would stamp with `timezone.now()` are created directly with explicit times (append-only models
accept inserts), so every figure in the tests can be worked out by hand.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from sessions_app.models import (
    AdverseEvent,
    DoseAdministration,
    Participant,
    PhaseTransition,
    Session,
    VitalSign,
)
from sessions_app.rules import Drug, Route
from sessions_app.services.booking import session_book, session_cancel, session_mark_no_show

TZ = ZoneInfo(settings.TIME_ZONE)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh), tzinfo=TZ) + timedelta(minutes=mm)


def booked(
    *,
    service_type: str,
    patients,
    room,
    guide,
    clinician,
    actor,
    starts_at: datetime,
    minutes: int = 120,
    **extra,
) -> Session:
    return session_book(
        service_type=service_type,
        patients=patients,
        room=room,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        lead_guide=guide,
        clinician=clinician,
        actor=actor,
        allow_past=True,
        **extra,
    )


def cancelled(session: Session, actor, reason: str = "Patient unwell") -> Session:
    return session_cancel(session=session, reason=reason, actor=actor)


def no_show(session: Session, actor) -> Session:
    return session_mark_no_show(session=session, actor=actor)


def completed(
    session: Session,
    actor,
    *,
    prep: int = 30,
    med: int = 60,
    integ: int = 30,
    no_show_patients=(),
) -> Session:
    """Run the session's phase log with the given minutes per phase, starting on time."""
    t0 = session.starts_at
    times = {
        Session.Phase.PREPARATION: t0,
        Session.Phase.MEDICATION: t0 + timedelta(minutes=prep),
        Session.Phase.INTEGRATION: t0 + timedelta(minutes=prep + med),
        Session.Phase.COMPLETED: t0 + timedelta(minutes=prep + med + integ),
    }
    previous = ""
    for phase, at in times.items():
        PhaseTransition.objects.create(
            session=session, from_phase=previous, to_phase=phase, actor=actor, at=at
        )
        previous = phase
    Session.objects.filter(pk=session.pk).update(
        status=Session.Status.COMPLETED,
        phase=Session.Phase.COMPLETED,
        started_at=t0,
        completed_at=times[Session.Phase.COMPLETED],
    )
    skip = {p.pk for p in no_show_patients}
    session.participants.exclude(patient_id__in=skip).update(
        attendance=Participant.Attendance.CHECKED_IN, checked_in_at=t0
    )
    session.participants.filter(patient_id__in=skip).update(
        attendance=Participant.Attendance.NO_SHOW
    )
    session.refresh_from_db()
    return session


def participant(session: Session, patient=None) -> Participant:
    qs = session.participants.all()
    return qs.get(patient=patient) if patient is not None else qs.get()


def vitals(part: Participant, actor, at: datetime, *, phase: str, flagged=False, **values):
    values = {"systolic": 120, "diastolic": 80, "heart_rate": 70, "spo2": 98, **values}
    return VitalSign.objects.create(
        participant=part,
        recorded_at=at,
        recorded_by=actor,
        phase=phase,
        flagged=flagged,
        flag_reasons="test flag" if flagged else "",
        **values,
    )


def dose(
    part: Participant,
    actor,
    at: datetime,
    *,
    mg: str = "35",
    lot: str = "LOT-A",
    route: str = Route.IM,
    infusion_minutes: int | None = None,
    wasted: str = "0",
    witness=None,
    device_number: int | None = None,
) -> DoseAdministration:
    esketamine = route == Route.INTRANASAL
    return DoseAdministration.objects.create(
        participant=part,
        drug=Drug.ESKETAMINE if esketamine else Drug.KETAMINE,
        route=route,
        dose_mg=Decimal(mg),
        weight_kg=None if esketamine else Decimal("70"),
        device_number=device_number,
        infusion_minutes=infusion_minutes,
        lot_number=lot,
        administered_at=at,
        administered_by=actor,
        wasted_mg=Decimal(wasted),
        witness=witness,
    )


def adverse_event(part: Participant, actor, at: datetime, *, serious: bool = False):
    return AdverseEvent.objects.create(
        participant=part,
        occurred_at=at,
        kind=AdverseEvent.Kind.NAUSEA,
        severity=AdverseEvent.Severity.MILD,
        serious=serious,
        recorded_by=actor,
    )
