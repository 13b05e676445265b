"""The session's phases: preparation -> medication -> integration -> completed, and discharge.

`advance_blockers()` is the one place that says why a session cannot move on; the run sheet
shows its messages on the disabled button and `session_advance_phase()` refuses with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from ..models import DoseAdministration, Participant, PhaseTransition, Session, VitalSign
from ..rules import bp_needs_dose_decision, clinic_rule

NEXT_PHASE = {
    Session.Phase.PREPARATION: Session.Phase.MEDICATION,
    Session.Phase.MEDICATION: Session.Phase.INTEGRATION,
    Session.Phase.INTEGRATION: Session.Phase.COMPLETED,
}

NOT_STARTABLE = "Only a scheduled session can be started."
NOT_IN_PROGRESS = "The session is not in progress."
ALREADY_MOVED = "The session has already moved to {phase}; reload the page."
NO_PARTICIPANTS = "No patient is attending this session."
NOT_CHECKED_IN = "{patient} is not checked in."
PRE_DOSE_VITALS_MISSING = "Pre-dose vitals missing for {patient}"
PRE_DOSE_VITALS_STALE = (
    "Pre-dose vitals for {patient} are older than {minutes} minutes; take them again."
)
BP_DECISION_NEEDED = (
    "Pre-dose BP {bp} for {patient} is above {limit}: a clinician must record the decision "
    "to proceed."
)
DOSE_MISSING = "No dose recorded for {patient}"
SPRAVATO_DOSE_INCOMPLETE = "{patient} has {given} mg of esketamine; the dose must be {allowed} mg."
NOT_DISCHARGED = "{patient} has not been discharged."
DISCHARGE_ONLY_IN_INTEGRATION = "Patients are discharged during the integration phase."
DISCHARGE_TRANSPORT_REQUIRED = "Record how the patient gets home (no driving until tomorrow)."
DISCHARGE_SYMPTOMS = "Confirm that sedation, dissociation and respiratory depression have resolved."
SPRAVATO_MONITORING_TOO_SHORT = (
    "{patient} has been monitored for {minutes} minutes; Spravato requires at least {required}."
)
SPRAVATO_40_MIN_BP_MISSING = (
    "No blood pressure recorded for {patient} between {low} and {high} minutes after the dose."
)
SPRAVATO_DISCHARGE_BP_MISSING = (
    "Take {patient}'s blood pressure before discharge (none in the last {minutes} minutes)."
)
ALREADY_DISCHARGED = "{patient} has already been discharged."


@dataclass(frozen=True)
class ParticipantClinicalState:
    """What the gates need to know about one participant, from prefetched rows."""

    participant: Participant
    vitals: list[VitalSign]
    doses: list[DoseAdministration]

    @property
    def latest_pre_dose(self) -> VitalSign | None:
        full = [v for v in self.vitals if v.phase == Session.Phase.PREPARATION and v.is_full_set]
        return max(full, key=lambda v: v.recorded_at, default=None)

    @property
    def first_dose_at(self) -> datetime | None:
        return min((d.administered_at for d in self.doses), default=None)

    @property
    def total_mg(self):
        return sum((d.dose_mg for d in self.doses), start=0)


def _state(participant: Participant) -> ParticipantClinicalState:
    return ParticipantClinicalState(
        participant=participant,
        vitals=list(participant.vitals.all()),
        doses=list(participant.doses.all()),
    )


def active_participants(session: Session) -> list[Participant]:
    """Attending participants with their vitals, doses and decisions (prefetch-aware)."""
    return [p for p in session.participants.all() if p.is_active]


def prefetch_clinical(queryset):
    return queryset.prefetch_related(
        "participants__patient",
        "participants__vitals",
        "participants__doses",
        "participants__dose_decisions",
    )


def spravato_allowed_totals(participant: Participant, on: datetime) -> tuple[int, ...]:
    allowed = tuple(clinic_rule("SPRAVATO_ALLOWED_TOTAL_MG"))
    if participant.patient.age_on(timezone.localtime(on).date()) >= clinic_rule(
        "SPRAVATO_OLDER_ADULT_AGE"
    ):
        allowed = (clinic_rule("SPRAVATO_OLDER_ADULT_START_MG"), *allowed)
    return allowed


def _medication_blockers(session: Session, now: datetime) -> list[str]:
    blockers: list[str] = []
    max_age = timedelta(minutes=clinic_rule("PRE_DOSE_VITALS_MAX_AGE_MINUTES"))
    for participant in active_participants(session):
        name = participant.patient.short_name
        if participant.attendance != Participant.Attendance.CHECKED_IN:
            blockers.append(NOT_CHECKED_IN.format(patient=name))
        latest = _state(participant).latest_pre_dose
        if latest is None:
            blockers.append(PRE_DOSE_VITALS_MISSING.format(patient=name))
            continue
        if now - latest.recorded_at > max_age:
            blockers.append(
                PRE_DOSE_VITALS_STALE.format(
                    patient=name, minutes=int(max_age.total_seconds() // 60)
                )
            )
            continue
        if session.is_spravato and bp_needs_dose_decision(latest.systolic, latest.diastolic):
            decided = any(d.vital_sign_id == latest.pk for d in participant.dose_decisions.all())
            if not decided:
                blockers.append(
                    BP_DECISION_NEEDED.format(
                        bp=f"{latest.systolic}/{latest.diastolic}",
                        patient=name,
                        limit=f"{clinic_rule('PRE_DOSE_SYSTOLIC_ABOVE')}/"
                        f"{clinic_rule('PRE_DOSE_DIASTOLIC_ABOVE')}",
                    )
                )
    return blockers


def _integration_blockers(session: Session) -> list[str]:
    blockers: list[str] = []
    for participant in active_participants(session):
        state = _state(participant)
        name = participant.patient.short_name
        if not state.doses:
            blockers.append(DOSE_MISSING.format(patient=name))
        elif session.is_spravato:
            allowed = spravato_allowed_totals(participant, state.first_dose_at)
            if int(state.total_mg) not in allowed:
                blockers.append(
                    SPRAVATO_DOSE_INCOMPLETE.format(
                        patient=name,
                        given=int(state.total_mg),
                        allowed=" or ".join(str(a) for a in allowed),
                    )
                )
    return blockers


def _completion_blockers(session: Session) -> list[str]:
    return [
        NOT_DISCHARGED.format(patient=p.patient.short_name)
        for p in active_participants(session)
        if p.discharged_at is None
    ]


def advance_blockers(session: Session, *, now: datetime | None = None) -> list[str]:
    """Why the session cannot move to its next phase now (empty: it can)."""
    now = now or timezone.now()
    if session.status != Session.Status.IN_PROGRESS:
        return [NOT_IN_PROGRESS]
    if not active_participants(session):
        return [NO_PARTICIPANTS]
    if session.phase == Session.Phase.PREPARATION:
        return _medication_blockers(session, now)
    if session.phase == Session.Phase.MEDICATION:
        return _integration_blockers(session)
    if session.phase == Session.Phase.INTEGRATION:
        return _completion_blockers(session)
    return [NOT_IN_PROGRESS]


def _log(session: Session, from_phase: str, to_phase: str, actor: User, at: datetime) -> None:
    try:
        with transaction.atomic():
            PhaseTransition.objects.create(
                session=session, from_phase=from_phase, to_phase=to_phase, actor=actor, at=at
            )
    except IntegrityError as error:
        # The unique (session, to_phase) constraint: another request got there first.
        label = Session.Phase(to_phase).label
        raise ValidationError(ALREADY_MOVED.format(phase=label)) from error


@transaction.atomic
def session_start(*, session: Session, actor: User) -> Session:
    """Open the session: status in progress, phase preparation (logged)."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError(NOT_STARTABLE)
    now = timezone.now()
    _log(session, "", Session.Phase.PREPARATION, actor, now)
    session.status = Session.Status.IN_PROGRESS
    session.started_at = now
    session.save(update_fields=["status", "started_at", "updated_at"])
    return session


@transaction.atomic
def session_advance_phase(
    *, session: Session, actor: User, expected_phase: str | None = None
) -> Session:
    """Move one step forward if every gate is met; log who and when.

    The row lock makes two clinicians' simultaneous clicks run one after the other; the second
    sees the new phase and is refused (`expected_phase` is the phase the clicker was looking at).
    """
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if expected_phase is not None and locked.phase != expected_phase:
        raise ValidationError(ALREADY_MOVED.format(phase=locked.get_phase_display()))
    session = prefetch_clinical(Session.objects.filter(pk=locked.pk)).get()
    now = timezone.now()
    blockers = advance_blockers(session, now=now)
    if blockers:
        raise ValidationError(blockers)
    from_phase = session.phase
    to_phase = NEXT_PHASE[Session.Phase(from_phase)]
    _log(session, from_phase, to_phase, actor, now)
    session.phase = to_phase
    fields = ["phase", "updated_at"]
    if to_phase == Session.Phase.COMPLETED:
        session.status = Session.Status.COMPLETED
        session.completed_at = now
        fields += ["status", "completed_at"]
    session.save(update_fields=fields)
    return session


def discharge_blockers(participant: Participant, *, now: datetime | None = None) -> list[str]:
    """Why this patient cannot be discharged yet (Spravato's monitoring rules; empty: can)."""
    now = now or timezone.now()
    session = participant.session
    name = participant.patient.short_name
    if participant.discharged_at is not None:
        return [ALREADY_DISCHARGED.format(patient=name)]
    if session.status != Session.Status.IN_PROGRESS or session.phase != Session.Phase.INTEGRATION:
        return [DISCHARGE_ONLY_IN_INTEGRATION]
    if not session.is_spravato:
        return []
    state = _state(participant)
    first = state.first_dose_at
    if first is None:
        return [DOSE_MISSING.format(patient=name)]
    blockers: list[str] = []
    required = clinic_rule("SPRAVATO_MONITORING_MINUTES")
    monitored = int((now - first).total_seconds() // 60)
    if monitored < required:
        blockers.append(
            SPRAVATO_MONITORING_TOO_SHORT.format(patient=name, minutes=monitored, required=required)
        )
    low, high = clinic_rule("SPRAVATO_BP_CHECK_WINDOW_MINUTES")
    bp_times = [v.recorded_at for v in state.vitals if v.has_bp]
    if not any(
        first + timedelta(minutes=low) <= at <= first + timedelta(minutes=high) for at in bp_times
    ):
        blockers.append(SPRAVATO_40_MIN_BP_MISSING.format(patient=name, low=low, high=high))
    within = clinic_rule("SPRAVATO_DISCHARGE_BP_WITHIN_MINUTES")
    if not any(
        at >= now - timedelta(minutes=within) and at >= first + timedelta(minutes=high)
        for at in bp_times
    ):
        blockers.append(SPRAVATO_DISCHARGE_BP_MISSING.format(patient=name, minutes=within))
    return blockers


@transaction.atomic
def participant_discharge(
    *,
    participant: Participant,
    actor: User,
    transport_arrangement: str,
    symptoms_resolved: bool,
) -> Participant:
    """A clinician decides the patient is ready to leave."""
    participant = (
        Participant.objects.select_for_update()
        .select_related("session", "patient")
        .prefetch_related("vitals", "doses")
        .get(pk=participant.pk)
    )
    errors: dict[str, list[str]] = {}
    blockers = discharge_blockers(participant)
    if blockers:
        errors["__all__"] = blockers
    if not transport_arrangement.strip():
        errors["transport_arrangement"] = [DISCHARGE_TRANSPORT_REQUIRED]
    if not symptoms_resolved:
        errors["symptoms_resolved"] = [DISCHARGE_SYMPTOMS]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    participant.ready_to_leave_at = now
    participant.discharged_at = now
    participant.discharged_by = actor
    participant.transport_arrangement = transport_arrangement.strip()
    participant.save()
    return participant
