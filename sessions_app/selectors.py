"""Read queries about sessions that more than one caller needs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from facilities.models import Room
from patients.models import Patient

from .models import Participant, Session

BLOCKING_STATUSES = [Session.Status.SCHEDULED, Session.Status.IN_PROGRESS, Session.Status.COMPLETED]

ROOM_TAKEN = "{room} is already booked {when} ({service})."
PERSON_BUSY = "{user} is already in another session {when}."
PATIENT_BUSY = "{patient} already has a session {when}."


def overlapping_sessions(
    *, starts_at: datetime, ends_at: datetime, exclude_pk: int | None = None
) -> QuerySet[Session]:
    """Sessions that hold their resources during [starts_at, ends_at). Cancelled ones do not."""
    qs = Session.objects.filter(
        starts_at__lt=ends_at, ends_at__gt=starts_at, status__in=BLOCKING_STATUSES
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def session_when(session: Session) -> str:
    """The session's slot as conflict messages show it: "Mon 02 Mar 10:00-12:00"."""
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    return f"{start:%a %d %b %H:%M}-{end:%H:%M}"


def booking_conflicts(
    *,
    starts_at: datetime,
    ends_at: datetime,
    room: Room,
    staff: dict[str, User | None],
    patients: Iterable[Patient],
    exclude_pk: int | None = None,
) -> dict[str, list[str]]:
    """Field -> messages naming each conflict, in words the front desk uses.

    `staff` maps a form field ("lead_guide", "co_guide", "clinician") to the person chosen.
    """
    overlapping = overlapping_sessions(starts_at=starts_at, ends_at=ends_at, exclude_pk=exclude_pk)
    errors: dict[str, list[str]] = {}

    for session in overlapping.filter(room=room).select_related("room"):
        errors.setdefault("room", []).append(
            ROOM_TAKEN.format(
                room=room.name,
                when=session_when(session),
                service=session.get_service_type_display(),
            )
        )

    people = {field: user for field, user in staff.items() if user is not None}
    if people:
        ids = [user.pk for user in people.values()]
        busy = overlapping.filter(
            Q(lead_guide_id__in=ids) | Q(co_guide_id__in=ids) | Q(clinician_id__in=ids)
        )
        for session in busy:
            for field, user in people.items():
                if user.pk in (session.lead_guide_id, session.co_guide_id, session.clinician_id):
                    errors.setdefault(field, []).append(
                        PERSON_BUSY.format(user=user, when=session_when(session))
                    )

    patient_by_id = {patient.pk: patient for patient in patients}
    if patient_by_id:
        taken = (
            Participant.objects.filter(
                session__in=overlapping,
                patient_id__in=list(patient_by_id),
                attendance__in=[
                    Participant.Attendance.EXPECTED,
                    Participant.Attendance.CHECKED_IN,
                ],
            )
            .select_related("session")
            .order_by("session__starts_at")
        )
        for participant in taken:
            errors.setdefault("patients", []).append(
                PATIENT_BUSY.format(
                    patient=patient_by_id[participant.patient_id].full_name,
                    when=session_when(participant.session),
                )
            )
    return errors
