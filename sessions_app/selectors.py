"""Read queries about sessions that more than one caller needs."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from facilities.models import Room
from patients.models import Patient

from .models import (
    AdverseEvent,
    DoseAdministration,
    DoseDecision,
    IntegrationNote,
    NoteAddendum,
    Participant,
    PhaseTransition,
    Session,
    VitalSign,
)
from .rules import clinic_rule, vitals_interval_minutes

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


# --- Run sheet, live board, guides' lists (read-only; constant query counts) -------------------

OVERDUE = "overdue"


def with_run_sheet_data(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Everything the run sheet and the phase gates read, in a fixed number of queries.

    The prefetch names match the related names that services.phases reads
    (participants__vitals, __doses, __dose_decisions), so advance_blockers() and
    discharge_blockers() run on these rows without further queries.
    """
    return queryset.select_related(
        "room", "location", "lead_guide", "co_guide", "clinician"
    ).prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related("patient", "discharged_by", "rems_form"),
        ),
        Prefetch(
            "participants__vitals",
            queryset=VitalSign.objects.select_related("recorded_by").order_by("recorded_at"),
        ),
        Prefetch(
            "participants__vitals__addenda",
            queryset=NoteAddendum.objects.select_related("author"),
        ),
        Prefetch(
            "participants__doses",
            queryset=DoseAdministration.objects.select_related(
                "administered_by", "witness"
            ).order_by("administered_at"),
        ),
        Prefetch(
            "participants__dose_decisions",
            queryset=DoseDecision.objects.select_related("decided_by"),
        ),
        Prefetch(
            "participants__adverse_events",
            queryset=AdverseEvent.objects.select_related("recorded_by"),
        ),
        Prefetch(
            "participants__integration_notes",
            queryset=IntegrationNote.objects.select_related("author"),
        ),
        Prefetch(
            "participants__integration_notes__addenda",
            queryset=NoteAddendum.objects.select_related("author"),
        ),
        Prefetch("transitions", queryset=PhaseTransition.objects.select_related("actor")),
    )


def with_board_data(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """The live board's rows: fewer relations than the run sheet, still a fixed query count."""
    # The board shows the room and the clinician (not the guides), and reads no dose decisions.
    return queryset.select_related("room", "clinician").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.select_related("patient")),
        Prefetch("participants__vitals", queryset=VitalSign.objects.order_by("recorded_at")),
        Prefetch(
            "participants__doses", queryset=DoseAdministration.objects.order_by("administered_at")
        ),
        Prefetch(
            "participants__adverse_events", queryset=AdverseEvent.objects.filter(serious=True)
        ),
    )


@dataclass(frozen=True)
class VitalsDue:
    """When this participant's next monitoring check is due, as the board and run sheet show it."""

    label: str
    due_at: datetime | None = None
    overdue: bool = False
    minutes_late: int = 0


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _minutes_left(until: datetime | None, now: datetime) -> int | None:
    """Whole minutes until `until`, rounded up (a countdown shows 1 until it is over)."""
    if until is None:
        return None
    return max(0, math.ceil((until - now).total_seconds() / 60))


def first_dose_at(participant: Participant) -> datetime | None:
    return min((d.administered_at for d in participant.doses.all()), default=None)


def spravato_bp_check(participant: Participant, *, now: datetime) -> VitalsDue | None:
    """The Spravato 40-minute blood-pressure check (label's peak), done or due."""
    first = first_dose_at(participant)
    if first is None:
        return None
    low, high = clinic_rule("SPRAVATO_BP_CHECK_WINDOW_MINUTES")
    target = first + timedelta(minutes=clinic_rule("SPRAVATO_BP_CHECK_MINUTES"))
    window_end = first + timedelta(minutes=high)
    for vital in participant.vitals.all():
        if vital.has_bp and first + timedelta(minutes=low) <= vital.recorded_at <= window_end:
            return VitalsDue(label="done", due_at=vital.recorded_at)
    if now > window_end:
        return VitalsDue(
            label=OVERDUE, due_at=target, overdue=True, minutes_late=_minutes(now - target)
        )
    if now >= target:
        return VitalsDue(label="due now", due_at=target)
    return VitalsDue(label="due", due_at=target)


def next_vitals_due(participant: Participant, session: Session, *, now: datetime) -> VitalsDue:
    """The next vitals check for one participant (rules.vitals_interval_minutes cadence)."""
    if not participant.is_active:
        return VitalsDue(label="not attending")
    if participant.discharged_at is not None:
        return VitalsDue(label="discharged")
    doses = list(participant.doses.all())
    if not doses:
        pre_dose = [
            v
            for v in participant.vitals.all()
            if v.phase == Session.Phase.PREPARATION and v.is_full_set
        ]
        if pre_dose:
            return VitalsDue(label="pre-dose vitals taken", due_at=pre_dose[-1].recorded_at)
        return VitalsDue(label="pre-dose vitals needed")
    first = min(d.administered_at for d in doses)
    if session.is_spravato:
        check = spravato_bp_check(participant, now=now)
        if check is not None and check.label != "done":
            return VitalsDue(
                label=f"40-minute BP {check.label}",
                due_at=check.due_at,
                overdue=check.overdue,
                minutes_late=check.minutes_late,
            )
        return VitalsDue(label="BP before discharge")
    infusion = max((d.infusion_minutes or 0 for d in doses), default=0) or None
    measured = [
        v.recorded_at for v in participant.vitals.all() if v.has_bp and v.recorded_at >= first
    ]
    baseline = max([first, *measured])
    interval = vitals_interval_minutes(
        session.service_type,
        minutes_since_dose=(baseline - first).total_seconds() / 60,
        infusion_minutes=infusion,
    )
    if interval is None:  # pragma: no cover - only Spravato has no cadence
        return VitalsDue(label="no cadence")
    due_at = baseline + timedelta(minutes=interval)
    if now > due_at:
        return VitalsDue(
            label=OVERDUE, due_at=due_at, overdue=True, minutes_late=_minutes(now - due_at)
        )
    return VitalsDue(label="due", due_at=due_at)


def participant_alerts(participant: Participant) -> list[str]:
    """Open alerts: the latest reading is flagged, or a serious adverse event was recorded."""
    alerts: list[str] = []
    vitals = list(participant.vitals.all())
    if vitals and vitals[-1].flagged:
        alerts.append(vitals[-1].flag_reasons or "Flagged vital signs")
    alerts.extend(
        f"Serious adverse event: {event.get_kind_display()}"
        for event in participant.adverse_events.all()
        if event.serious
    )
    return alerts


@dataclass(frozen=True)
class BoardParticipant:
    participant: Participant
    vitals_due: VitalsDue
    spravato_bp: VitalsDue | None
    monitoring_ends_at: datetime | None
    monitoring_minutes_left: int | None
    alerts: list[str]


@dataclass(frozen=True)
class BoardRow:
    session: Session
    minutes_since_dose: int | None
    participants: list[BoardParticipant]

    @property
    def has_overdue(self) -> bool:
        return any(p.vitals_due.overdue for p in self.participants)

    @property
    def alert_count(self) -> int:
        return sum(len(p.alerts) for p in self.participants)


def board_rows(sessions: Iterable[Session], *, now: datetime | None = None) -> list[BoardRow]:
    """One row per in-progress session (pass a queryset built with with_board_data)."""
    now = now or timezone.now()
    rows: list[BoardRow] = []
    monitoring = timedelta(minutes=clinic_rule("SPRAVATO_MONITORING_MINUTES"))
    for session in sessions:
        entries: list[BoardParticipant] = []
        firsts: list[datetime] = []
        for participant in session.participants.all():
            if not participant.is_active:
                continue
            first = first_dose_at(participant)
            if first is not None:
                firsts.append(first)
            ends_at = first + monitoring if session.is_spravato and first else None
            entries.append(
                BoardParticipant(
                    participant=participant,
                    vitals_due=next_vitals_due(participant, session, now=now),
                    spravato_bp=spravato_bp_check(participant, now=now)
                    if session.is_spravato
                    else None,
                    monitoring_ends_at=ends_at,
                    monitoring_minutes_left=_minutes_left(ends_at, now),
                    alerts=participant_alerts(participant),
                )
            )
        rows.append(
            BoardRow(
                session=session,
                minutes_since_dose=_minutes(now - min(firsts)) if firsts else None,
                participants=entries,
            )
        )
    return rows


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "vitals", "dose", "phase", "decision", "adverse_event", "integration_note"
    participant: Participant | None
    title: str
    detail: str
    flagged: bool = False
    vital_sign: VitalSign | None = None
    addenda: tuple = ()


def _mg(amount) -> str:
    """35.00 -> "35", 35.25 -> "35.25" (no exponent for 100)."""
    return f"{amount.normalize():f}"


def session_timeline(session: Session) -> list[TimelineEntry]:
    """Vitals, monitoring notes, doses, decisions, adverse events and phase changes in time
    order (pass a session loaded through with_run_sheet_data: no queries here)."""
    entries: list[TimelineEntry] = [
        TimelineEntry(
            at=t.at,
            kind="phase",
            participant=None,
            title=f"Phase: {t.get_to_phase_display()}",
            detail=f"by {t.actor}",
        )
        for t in session.transitions.all()
    ]
    for p in session.participants.all():
        for v in p.vitals.all():
            parts = []
            if v.has_bp:
                parts.append(f"BP {v.systolic}/{v.diastolic}")
            if v.heart_rate is not None:
                parts.append(f"HR {v.heart_rate}")
            if v.spo2 is not None:
                parts.append(f"SpO2 {v.spo2}%")
            if v.respiratory_rate is not None:
                parts.append(f"RR {v.respiratory_rate}")
            if v.sedation:
                parts.append(f"sedation {v.get_sedation_display().lower()}")
            if v.dissociation:
                parts.append(f"dissociation {v.get_dissociation_display().lower()}")
            entries.append(
                TimelineEntry(
                    at=v.recorded_at,
                    kind="vitals",
                    participant=p,
                    title=", ".join(parts) or "Monitoring note",
                    detail=v.note,
                    flagged=v.flagged,
                    vital_sign=v,
                    addenda=tuple(v.addenda.all()),
                )
            )
        for d in p.doses.all():
            if d.device_number:
                title = (
                    f"Spravato device {d.device_number} ({_mg(d.dose_mg)} mg), lot {d.lot_number}"
                )
            else:
                per_kg = f", {d.mg_per_kg} mg/kg" if d.mg_per_kg is not None else ""
                title = (
                    f"Ketamine {_mg(d.dose_mg)} mg {d.get_route_display()}{per_kg}, "
                    f"lot {d.lot_number}"
                )
            detail = f"by {d.administered_by}"
            if d.infusion_minutes:
                detail += f"; infusion over {d.infusion_minutes} min"
            if d.wasted_mg:
                detail += f"; {_mg(d.wasted_mg)} mg wasted, witnessed by {d.witness}"
            entries.append(
                TimelineEntry(
                    at=d.administered_at, kind="dose", participant=p, title=title, detail=detail
                )
            )
        for decision in p.dose_decisions.all():
            entries.append(
                TimelineEntry(
                    at=decision.decided_at,
                    kind="decision",
                    participant=p,
                    title="Decision to proceed despite elevated BP",
                    detail=f"{decision.reason} (by {decision.decided_by})",
                )
            )
        for event in p.adverse_events.all():
            entries.append(
                TimelineEntry(
                    at=event.occurred_at,
                    kind="adverse_event",
                    participant=p,
                    title=(
                        f"Adverse event: {event.get_kind_display()} "
                        f"({event.get_severity_display()})" + (", serious" if event.serious else "")
                    ),
                    detail=" ".join(x for x in (event.description, event.action_taken) if x),
                    flagged=event.serious or event.severity == AdverseEvent.Severity.SEVERE,
                )
            )
        if p.discharged_at:
            entries.append(
                TimelineEntry(
                    at=p.discharged_at,
                    kind="discharge",
                    participant=p,
                    title="Discharged",
                    detail=f"by {p.discharged_by}; {p.transport_arrangement}",
                )
            )
    entries.sort(key=lambda e: e.at)
    return entries


def sessions_led_by(user: User, *, start: datetime, end: datetime) -> QuerySet[Session]:
    """Sessions the guide leads or co-leads in [start, end), with what the lists show."""
    return (
        Session.objects.filter(Q(lead_guide=user) | Q(co_guide=user))
        .filter(starts_at__gte=start, starts_at__lt=end)
        # What the session lists show: room and guides; of each participant the attendance
        # and the patient's short name.
        .select_related("room", "lead_guide", "co_guide")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("patient").only(
                    "session", "attendance", "patient__first_name", "patient__last_name"
                ),
            )
        )
        .order_by("starts_at")
    )


def patient_integration_notes(patient: Patient) -> QuerySet[IntegrationNote]:
    """The patient's integration notes across sessions, newest first, with their addenda."""
    return (
        IntegrationNote.objects.filter(participant__patient=patient)
        .select_related("author", "participant__session")
        .prefetch_related(
            Prefetch("addenda", queryset=NoteAddendum.objects.select_related("author"))
        )
        .order_by("-written_at")
    )


TREND_SCALES = ("phq9", "gad7")


def outcome_trend(patient: Patient, *, per_scale: int = 5) -> dict[str, list]:
    """The latest PHQ-9 and GAD-7 totals (newest first), one query."""
    from patients.models import Assessment

    trend: dict[str, list] = {scale: [] for scale in TREND_SCALES}
    for assessment in Assessment.objects.filter(patient=patient, scale__in=TREND_SCALES).order_by(
        "-administered_at"
    ):
        if len(trend[assessment.scale]) < per_scale:
            trend[assessment.scale].append(assessment)
    return trend
