"""Booking, rescheduling, cancelling and attendance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from facilities.models import Room
from patients.models import Patient, TreatmentCourse

from ..models import Participant, Session
from ..rules import ServiceType, rems_setting, rule_for
from ..selectors import booking_conflicts

WRONG_PATIENT_COUNT = "{service} sessions need {count} patient(s); {given} selected."
DUPLICATE_PATIENT = "Each patient can be added to a session only once."
OVER_ROOM_CAPACITY = "{room} holds {capacity} patient(s); {given} selected."
ROOM_INACTIVE = "{room} is not in use."
ROUTE_NOT_ALLOWED = "{service} sessions allow {allowed}, not {route}."
ROUTE_REQUIRED = "Choose a route: {allowed}."
NOT_A_GUIDE = "{user} is not a guide."
NOT_A_CLINICIAN = "{user} is not a clinician."
SAME_GUIDE_TWICE = "The co-guide must be a different person from the lead guide."
PATIENT_INACTIVE = "{patient} is inactive; reactivate the patient before booking."
NOT_REMS_ENROLLED = (
    "{patient} has no recorded Spravato REMS enrolment; record it on the patient's chart first."
)
SPRAVATO_CONTRAINDICATED = "{patient} has a contraindication to esketamine: {reasons}."
KETAMINE_HYPERSENSITIVE = "{patient} has a recorded hypersensitivity to ketamine."
ENDS_BEFORE_START = "The session must end after it starts."
TOO_LONG = "A session cannot last more than 12 hours."
IN_THE_PAST = "A new session cannot start in the past."
COURSE_MISMATCH = "That treatment course belongs to another patient."
NOT_RESCHEDULABLE = "Only a scheduled session that has not started can be moved."
NOT_CANCELLABLE = "A session can be cancelled only before medication starts."
CANCEL_REASON_REQUIRED = "Give a reason for the cancellation."
NO_SHOW_ONLY_BEFORE_START = "A no-show can be recorded only before the session starts."
CHECK_IN_CLOSED = "Patients can be checked in only before medication starts."

MAX_SESSION_LENGTH = timedelta(hours=12)


def _merge(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_staff(
    errors: dict[str, list[str]], *, lead_guide: User, co_guide: User | None, clinician: User
) -> None:
    if not lead_guide.has_role(Role.GUIDE):
        _merge(errors, "lead_guide", NOT_A_GUIDE.format(user=lead_guide))
    if co_guide is not None:
        if co_guide.pk == lead_guide.pk:
            _merge(errors, "co_guide", SAME_GUIDE_TWICE)
        elif not co_guide.has_role(Role.GUIDE):
            _merge(errors, "co_guide", NOT_A_GUIDE.format(user=co_guide))
    if not clinician.has_role(Role.CLINICIAN):
        _merge(errors, "clinician", NOT_A_CLINICIAN.format(user=clinician))


def _check_times(errors: dict[str, list[str]], starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        _merge(errors, "ends_at", ENDS_BEFORE_START)
    elif ends_at - starts_at > MAX_SESSION_LENGTH:
        _merge(errors, "ends_at", TOO_LONG)


def _lock_resources(room: Room, staff: Sequence[User | None], patients: Sequence[Patient]) -> None:
    """Row-lock everything the booking needs, always in the same order (room, staff, patients).

    Two bookings that share a room, a person or a patient queue here, so the second one's
    conflict check sees the first one's committed session (no double booking under a race).
    The fixed order means two such bookings can never deadlock. SQLite serialises writers anyway.
    """
    list(Room.objects.select_for_update().filter(pk=room.pk))
    staff_ids = sorted({user.pk for user in staff if user is not None})
    list(User.objects.select_for_update().filter(pk__in=staff_ids).order_by("pk"))
    list(
        Patient.objects.select_for_update()
        .filter(pk__in=sorted(p.pk for p in patients))
        .order_by("pk")
    )


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_book(
    *,
    service_type: str,
    patients: Sequence[Patient],
    room: Room,
    starts_at: datetime,
    ends_at: datetime,
    lead_guide: User,
    clinician: User,
    actor: User,
    route: str | None = None,
    co_guide: User | None = None,
    courses: dict[int, TreatmentCourse] | None = None,
    notes: str = "",
    allow_past: bool = False,
) -> Session:
    """Book a session. Raises ValidationError keyed by form field, naming every conflict.

    `courses` maps a patient's pk to the treatment course this session belongs to.
    `allow_past` is for importing history (demo and benchmark data), never for the web forms.
    """
    rule = rule_for(service_type)
    service = ServiceType(service_type).label
    errors: dict[str, list[str]] = {}
    patients = list(patients)
    courses = courses or {}

    if len({p.pk for p in patients}) != len(patients):
        _merge(errors, "patients", DUPLICATE_PATIENT)
    if not rule.min_patients <= len(patients) <= rule.max_patients:
        _merge(
            errors,
            "patients",
            WRONG_PATIENT_COUNT.format(
                service=service, count=rule.patient_count_text, given=len(patients)
            ),
        )
    if len(patients) > room.capacity:
        _merge(
            errors,
            "room",
            OVER_ROOM_CAPACITY.format(room=room.name, capacity=room.capacity, given=len(patients)),
        )
    if not room.is_active:
        _merge(errors, "room", ROOM_INACTIVE.format(room=room.name))

    allowed = ", ".join(r.label for r in rule.routes)
    if route is None or route == "":
        if len(rule.routes) == 1:
            route = rule.routes[0]
        else:
            _merge(errors, "route", ROUTE_REQUIRED.format(allowed=allowed))
    elif route not in rule.routes:
        _merge(
            errors, "route", ROUTE_NOT_ALLOWED.format(service=service, allowed=allowed, route=route)
        )

    for patient in patients:
        if not patient.is_active:
            _merge(errors, "patients", PATIENT_INACTIVE.format(patient=patient.full_name))
        if patient.has_ketamine_hypersensitivity:
            _merge(errors, "patients", KETAMINE_HYPERSENSITIVE.format(patient=patient.full_name))
        if rule.is_spravato:
            if rems_setting("REQUIRE_ENROLMENT_TO_BOOK") and not patient.is_rems_enrolled:
                _merge(errors, "patients", NOT_REMS_ENROLLED.format(patient=patient.full_name))
            reasons = [r for r in patient.spravato_contraindications if "Hypersensitivity" not in r]
            if reasons:
                _merge(
                    errors,
                    "patients",
                    SPRAVATO_CONTRAINDICATED.format(
                        patient=patient.full_name, reasons=", ".join(reasons).lower()
                    ),
                )
        course = courses.get(patient.pk)
        if course is not None and course.patient_id != patient.pk:
            _merge(errors, "patients", COURSE_MISMATCH)

    _check_staff(errors, lead_guide=lead_guide, co_guide=co_guide, clinician=clinician)
    _check_times(errors, starts_at, ends_at)
    if not allow_past and starts_at < timezone.now() - timedelta(minutes=5):
        _merge(errors, "starts_at", IN_THE_PAST)
    _raise_if(errors)

    _lock_resources(room, [lead_guide, co_guide, clinician], patients)
    conflicts = booking_conflicts(
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        staff={"lead_guide": lead_guide, "co_guide": co_guide, "clinician": clinician},
        patients=patients,
    )
    _raise_if(conflicts)

    session = Session.objects.create(
        service_type=service_type,
        route=route,
        location_id=room.location_id,
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        lead_guide=lead_guide,
        co_guide=co_guide,
        clinician=clinician,
        booked_by=actor,
        notes=notes,
    )
    # One save per patient (at most six): the audit trail hooks model saves, not bulk inserts.
    for patient in patients:
        Participant.objects.create(session=session, patient=patient, course=courses.get(patient.pk))
    return session


class _Unchanged:
    """Default for session_reschedule's optional arguments: keep what the session has."""


UNCHANGED: Any = _Unchanged()


@transaction.atomic
def session_reschedule(
    *,
    session: Session,
    starts_at: datetime,
    ends_at: datetime,
    actor: User,
    room: Room = UNCHANGED,
    lead_guide: User = UNCHANGED,
    co_guide: User | None = UNCHANGED,
    clinician: User = UNCHANGED,
) -> Session:
    """Move a scheduled session and optionally change its room or staff (co_guide=None removes
    the co-guide); conflicts are checked as for a new booking."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError(NOT_RESCHEDULABLE)
    room = session.room if room is UNCHANGED else room
    lead_guide = session.lead_guide if lead_guide is UNCHANGED else lead_guide
    clinician = session.clinician if clinician is UNCHANGED else clinician
    co_guide = session.co_guide if co_guide is UNCHANGED else co_guide
    participants = list(
        session.participants.filter(
            attendance__in=[Participant.Attendance.EXPECTED, Participant.Attendance.CHECKED_IN]
        ).select_related("patient")
    )
    patients = [p.patient for p in participants]

    errors: dict[str, list[str]] = {}
    _check_staff(errors, lead_guide=lead_guide, co_guide=co_guide, clinician=clinician)
    _check_times(errors, starts_at, ends_at)
    if starts_at < timezone.now() - timedelta(minutes=5):
        _merge(errors, "starts_at", IN_THE_PAST)
    if len(patients) > room.capacity:
        _merge(
            errors,
            "room",
            OVER_ROOM_CAPACITY.format(room=room.name, capacity=room.capacity, given=len(patients)),
        )
    _raise_if(errors)

    _lock_resources(room, [lead_guide, co_guide, clinician], patients)
    _raise_if(
        booking_conflicts(
            starts_at=starts_at,
            ends_at=ends_at,
            room=room,
            staff={"lead_guide": lead_guide, "co_guide": co_guide, "clinician": clinician},
            patients=patients,
            exclude_pk=session.pk,
        )
    )
    session.starts_at = starts_at
    session.ends_at = ends_at
    session.room = room
    session.location_id = room.location_id
    session.lead_guide = lead_guide
    session.co_guide = co_guide
    session.clinician = clinician
    session.save()
    return session


@transaction.atomic
def session_cancel(*, session: Session, reason: str, actor: User) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    if not reason.strip():
        raise ValidationError({"reason": [CANCEL_REASON_REQUIRED]})
    if session.status not in (Session.Status.SCHEDULED, Session.Status.IN_PROGRESS) or (
        session.phase != Session.Phase.PREPARATION
    ):
        raise ValidationError(NOT_CANCELLABLE)
    session.status = Session.Status.CANCELLED
    session.cancel_reason = reason.strip()
    session.cancelled_at = timezone.now()
    session.save()
    return session


@transaction.atomic
def session_mark_no_show(*, session: Session, actor: User) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError(NO_SHOW_ONLY_BEFORE_START)
    session.status = Session.Status.NO_SHOW
    session.save()
    for participant in session.participants.all():
        participant.attendance = Participant.Attendance.NO_SHOW
        participant.save(update_fields=["attendance", "updated_at"])
    return session


@transaction.atomic
def participant_check_in(*, participant: Participant, actor: User) -> Participant:
    participant = (
        Participant.objects.select_for_update().select_related("session").get(pk=participant.pk)
    )
    session = participant.session
    if not session.is_open or session.phase != Session.Phase.PREPARATION:
        raise ValidationError(CHECK_IN_CLOSED)
    participant.attendance = Participant.Attendance.CHECKED_IN
    participant.checked_in_at = timezone.now()
    participant.save()
    return participant


@transaction.atomic
def participant_mark_no_show(*, participant: Participant, actor: User) -> Participant:
    """One patient of a couples or group session did not come; the others go ahead."""
    participant = (
        Participant.objects.select_for_update().select_related("session").get(pk=participant.pk)
    )
    session = participant.session
    if not session.is_open or session.phase != Session.Phase.PREPARATION:
        raise ValidationError(CHECK_IN_CLOSED)
    participant.attendance = Participant.Attendance.NO_SHOW
    participant.checked_in_at = None
    participant.save()
    return participant


def sessions_book_series(
    *,
    count: int,
    every_days: Sequence[int],
    first_starts_at: datetime,
    duration: timedelta,
    **booking: object,
) -> list[Session]:
    """Book a series (e.g. six infusions twice weekly) as ordinary, independent sessions.

    `every_days` is the gap pattern in days, repeated: (3, 4) gives Monday/Thursday. All or none
    are booked: a conflict in any occurrence is reported with its date and nothing is saved.
    """
    sessions: list[Session] = []
    starts_at = first_starts_at
    with transaction.atomic():
        for index in range(count):
            try:
                sessions.append(
                    session_book(starts_at=starts_at, ends_at=starts_at + duration, **booking)
                )
            except ValidationError as error:
                day = timezone.localtime(starts_at).strftime("%a %d %b")
                raise ValidationError(
                    {
                        field: [f"Session {index + 1} ({day}): {m}" for m in messages]
                        for field, messages in error.message_dict.items()
                    }
                ) from error
            starts_at = starts_at + timedelta(days=every_days[index % len(every_days)])
    return sessions
