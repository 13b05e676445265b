"""Clinical records made during a session. All append-only: corrections are addenda."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from ..models import (
    AdverseEvent,
    DoseAdministration,
    DoseDecision,
    IntegrationNote,
    NoteAddendum,
    Participant,
    RemsMonitoringForm,
    Session,
    VitalSign,
)
from ..rules import (
    Drug,
    Route,
    bp_needs_dose_decision,
    clinic_rule,
    implausible_vitals,
    rems_setting,
    vitals_flags,
)
from .phases import spravato_allowed_totals

SESSION_NOT_IN_PROGRESS = "The session is not in progress."
PARTICIPANT_NOT_ATTENDING = "{patient} is not attending this session."
VITALS_EMPTY = "Enter at least one measurement, observation or note."
VITALS_IN_FUTURE = "Vitals cannot be recorded in the future."
DOSE_ONLY_IN_MEDICATION = "Doses are recorded during the medication phase."
DOSE_ROUTE_NOT_ALLOWED = "This session's service allows {allowed}, not {route}."
WEIGHT_REQUIRED = "Enter the patient's weight so that mg/kg can be checked."
WASTE_WITNESS_REQUIRED = "A wasted amount must be witnessed by a second staff member."
WASTE_WITNESS_DIFFERENT = "The witness must be someone other than the person giving the dose."
LOT_REQUIRED = "Enter the lot number."
NOT_SPRAVATO = "This is not a Spravato session."
USE_DEVICE_FORM = "Record Spravato doses one device at a time."
DEVICE_TOO_SOON = (
    "Wait {minutes} minutes between devices: the last one was given at {at}; next from {next}."
)
DEVICE_LIMIT = "{patient} has already had {mg} mg, the largest allowed dose."
DECISION_NOT_NEEDED = "The latest pre-dose blood pressure does not need a decision."
DECISION_REASON_REQUIRED = "Give the clinical reason for proceeding."
DECISION_ONLY_BEFORE_DOSE = "Dose decisions are recorded before medication starts."
NOTE_TOO_EARLY = "Integration notes are written once medication is over."
NOTE_TEXT_REQUIRED = "Write the note."
ADDENDUM_TEXT_REQUIRED = "Write the addendum."
ADDENDUM_NOT_AUTHOR = "Only the note's author can add an addendum to an integration note."
OTHER_NEEDS_DESCRIPTION = "Describe the event when the kind is Other."
REMS_NOT_REQUIRED = "REMS monitoring forms are switched off for this clinic."
REMS_ALREADY_SUBMITTED = "The monitoring form for this session was already submitted."
REMS_TOO_EARLY = "Submit the monitoring form after the patient is discharged."


def _require_attending(participant: Participant) -> None:
    if not participant.is_active:
        raise ValidationError(
            PARTICIPANT_NOT_ATTENDING.format(patient=participant.patient.short_name)
        )


def _locked_participant(participant: Participant) -> Participant:
    # Serialises writes for one patient in one session (device numbering, decisions).
    return (
        Participant.objects.select_for_update()
        .select_related("session", "patient")
        .get(pk=participant.pk)
    )


@transaction.atomic
def vitals_record(
    *,
    participant: Participant,
    actor: User,
    systolic: int | None = None,
    diastolic: int | None = None,
    heart_rate: int | None = None,
    spo2: int | None = None,
    respiratory_rate: int | None = None,
    sedation: str = "",
    dissociation: str = "",
    note: str = "",
    recorded_at: datetime | None = None,
) -> VitalSign:
    """Record a monitoring entry. Implausible values are refused; alarming ones are flagged."""
    participant = _locked_participant(participant)
    session = participant.session
    if session.status != Session.Status.IN_PROGRESS:
        raise ValidationError(SESSION_NOT_IN_PROGRESS)
    _require_attending(participant)
    values = {
        "systolic": systolic,
        "diastolic": diastolic,
        "heart_rate": heart_rate,
        "spo2": spo2,
        "respiratory_rate": respiratory_rate,
    }
    errors = {field: [message] for field, message in implausible_vitals(values).items()}
    if all(v is None for v in values.values()) and not (sedation or dissociation or note.strip()):
        errors.setdefault("__all__", []).append(VITALS_EMPTY)
    now = timezone.now()
    recorded_at = recorded_at or now
    if recorded_at > now + timedelta(minutes=2):
        errors.setdefault("recorded_at", []).append(VITALS_IN_FUTURE)
    if errors:
        raise ValidationError(errors)
    flags = vitals_flags(values, pre_dose=session.phase == Session.Phase.PREPARATION)
    return VitalSign.objects.create(
        participant=participant,
        recorded_at=recorded_at,
        recorded_by=actor,
        phase=session.phase,
        sedation=sedation,
        dissociation=dissociation,
        note=note.strip(),
        flagged=bool(flags),
        flag_reasons="; ".join(flags)[:500],
        **values,
    )


@transaction.atomic
def dose_decision_record(*, participant: Participant, actor: User, reason: str) -> DoseDecision:
    """A clinician decides to proceed despite an elevated pre-dose BP (Spravato label)."""
    participant = _locked_participant(participant)
    session = participant.session
    if not session.is_spravato:
        raise ValidationError(NOT_SPRAVATO)
    if session.phase != Session.Phase.PREPARATION:
        raise ValidationError(DECISION_ONLY_BEFORE_DOSE)
    if not reason.strip():
        raise ValidationError({"reason": [DECISION_REASON_REQUIRED]})
    latest = (
        participant.vitals.filter(
            phase=Session.Phase.PREPARATION,
            systolic__isnull=False,
            heart_rate__isnull=False,
            spo2__isnull=False,
        )
        .order_by("-recorded_at")
        .first()
    )
    if latest is None or not bp_needs_dose_decision(latest.systolic, latest.diastolic):
        raise ValidationError(DECISION_NOT_NEEDED)
    return DoseDecision.objects.create(
        participant=participant,
        vital_sign=latest,
        decided_by=actor,
        decided_at=timezone.now(),
        reason=reason.strip(),
    )


def _require_medication_phase(session: Session) -> None:
    if session.status != Session.Status.IN_PROGRESS or session.phase != Session.Phase.MEDICATION:
        raise ValidationError(DOSE_ONLY_IN_MEDICATION)


def _check_waste(
    errors: dict[str, list[str]], wasted_mg: Decimal, witness: User | None, actor: User
) -> None:
    if wasted_mg < 0:
        errors.setdefault("wasted_mg", []).append("Wasted amount cannot be negative.")
    if wasted_mg > 0 and witness is None:
        errors.setdefault("witness", []).append(WASTE_WITNESS_REQUIRED)
    if witness is not None and witness.pk == actor.pk:
        errors.setdefault("witness", []).append(WASTE_WITNESS_DIFFERENT)


@transaction.atomic
def dose_record(
    *,
    participant: Participant,
    actor: User,
    dose_mg: Decimal,
    lot_number: str,
    weight_kg: Decimal | None,
    route: str | None = None,
    infusion_minutes: int | None = None,
    wasted_mg: Decimal = Decimal("0"),
    witness: User | None = None,
    administered_at: datetime | None = None,
    note: str = "",
) -> DoseAdministration:
    """Record a ketamine dose (IM or IV). Spravato devices go through spravato_device_record."""
    participant = _locked_participant(participant)
    session = participant.session
    if session.is_spravato:
        raise ValidationError(USE_DEVICE_FORM)
    _require_medication_phase(session)
    _require_attending(participant)
    route = route or session.route
    errors: dict[str, list[str]] = {}
    rule = session.rule
    if route not in rule.routes:
        errors["route"] = [
            DOSE_ROUTE_NOT_ALLOWED.format(
                allowed=" or ".join(r.label for r in rule.routes), route=Route(route).label
            )
        ]
    if weight_kg is None:
        errors["weight_kg"] = [WEIGHT_REQUIRED]
    if not lot_number.strip():
        errors["lot_number"] = [LOT_REQUIRED]
    _check_waste(errors, wasted_mg, witness, actor)
    if route == Route.IV and not infusion_minutes:
        infusion_minutes = clinic_rule("IV_DEFAULT_INFUSION_MINUTES")
    if errors:
        raise ValidationError(errors)
    dose = DoseAdministration(
        participant=participant,
        drug=Drug.KETAMINE,
        route=route,
        dose_mg=dose_mg,
        weight_kg=weight_kg,
        infusion_minutes=infusion_minutes if route == Route.IV else None,
        lot_number=lot_number.strip(),
        administered_at=administered_at or timezone.now(),
        administered_by=actor,
        wasted_mg=wasted_mg,
        witness=witness,
        note=note,
    )
    dose.full_clean(exclude=["participant", "administered_by", "witness"])
    dose.save()
    return dose


@transaction.atomic
def spravato_device_record(
    *,
    participant: Participant,
    actor: User,
    lot_number: str,
    administered_at: datetime | None = None,
    wasted_mg: Decimal = Decimal("0"),
    witness: User | None = None,
) -> DoseAdministration:
    """One 28 mg Spravato device, at least 5 minutes after the previous one."""
    participant = _locked_participant(participant)
    session = participant.session
    if not session.is_spravato:
        raise ValidationError(NOT_SPRAVATO)
    _require_medication_phase(session)
    _require_attending(participant)
    errors: dict[str, list[str]] = {}
    if not lot_number.strip():
        errors["lot_number"] = [LOT_REQUIRED]
    _check_waste(errors, wasted_mg, witness, actor)
    if errors:
        raise ValidationError(errors)

    at = administered_at or timezone.now()
    device_mg = clinic_rule("SPRAVATO_DEVICE_MG")
    given = list(participant.doses.order_by("administered_at"))
    given_mg = device_mg * len(given)
    if given_mg + device_mg > max(spravato_allowed_totals(participant, at)):
        raise ValidationError(
            DEVICE_LIMIT.format(patient=participant.patient.short_name, mg=given_mg)
        )
    gap = timedelta(minutes=clinic_rule("SPRAVATO_MINUTES_BETWEEN_DEVICES"))
    if given and at - given[-1].administered_at < gap:
        last = timezone.localtime(given[-1].administered_at)
        raise ValidationError(
            DEVICE_TOO_SOON.format(
                minutes=int(gap.total_seconds() // 60),
                at=f"{last:%H:%M}",
                next=f"{last + gap:%H:%M}",
            )
        )
    try:
        with transaction.atomic():
            return DoseAdministration.objects.create(
                participant=participant,
                drug=Drug.ESKETAMINE,
                route=Route.INTRANASAL,
                dose_mg=Decimal(device_mg),
                device_number=len(given) + 1,
                lot_number=lot_number.strip(),
                administered_at=at,
                administered_by=actor,
                wasted_mg=wasted_mg,
                witness=witness,
            )
    except IntegrityError as error:  # pragma: no cover - the row lock makes this unreachable
        raise ValidationError("That device was just recorded by someone else.") from error


@transaction.atomic
def integration_note_add(
    *, participant: Participant, actor: User, activity: str, text: str
) -> IntegrationNote:
    participant = _locked_participant(participant)
    session = participant.session
    if session.phase not in (Session.Phase.INTEGRATION, Session.Phase.COMPLETED):
        raise ValidationError(NOTE_TOO_EARLY)
    _require_attending(participant)
    if not text.strip():
        raise ValidationError({"text": [NOTE_TEXT_REQUIRED]})
    note = IntegrationNote(
        participant=participant,
        author=actor,
        written_at=timezone.now(),
        activity=activity,
        text=text.strip(),
    )
    note.full_clean(exclude=["participant", "author"])
    note.save()
    return note


def note_add_addendum(
    *,
    actor: User,
    text: str,
    integration_note: IntegrationNote | None = None,
    vital_sign: VitalSign | None = None,
) -> NoteAddendum:
    """Correct or add to a saved note. The original is kept exactly as written."""
    if (integration_note is None) == (vital_sign is None):
        raise ValueError("Give exactly one of integration_note or vital_sign.")
    if not text.strip():
        raise ValidationError({"text": [ADDENDUM_TEXT_REQUIRED]})
    if integration_note is not None and integration_note.author_id != actor.pk:
        raise ValidationError(ADDENDUM_NOT_AUTHOR)
    return NoteAddendum.objects.create(
        integration_note=integration_note,
        vital_sign=vital_sign,
        author=actor,
        written_at=timezone.now(),
        text=text.strip(),
    )


def adverse_event_record(
    *,
    participant: Participant,
    actor: User,
    kind: str,
    severity: str,
    serious: bool = False,
    description: str = "",
    action_taken: str = "",
    occurred_at: datetime | None = None,
) -> AdverseEvent:
    if participant.session.status not in (Session.Status.IN_PROGRESS, Session.Status.COMPLETED):
        raise ValidationError(SESSION_NOT_IN_PROGRESS)
    if kind == AdverseEvent.Kind.OTHER and not description.strip():
        raise ValidationError({"description": [OTHER_NEEDS_DESCRIPTION]})
    event = AdverseEvent(
        participant=participant,
        occurred_at=occurred_at or timezone.now(),
        kind=kind,
        severity=severity,
        serious=serious,
        description=description.strip(),
        action_taken=action_taken.strip(),
        recorded_by=actor,
    )
    event.full_clean(exclude=["participant", "recorded_by"])
    event.save()
    return event


@transaction.atomic
def rems_form_submit(
    *, participant: Participant, actor: User, **answers: object
) -> RemsMonitoringForm:
    """Submit the REMS Patient Monitoring Form for one Spravato patient's session."""
    if not rems_setting("MONITORING_FORM_REQUIRED"):
        raise ValidationError(REMS_NOT_REQUIRED)
    participant = _locked_participant(participant)
    if not participant.session.is_spravato:
        raise ValidationError(NOT_SPRAVATO)
    if participant.discharged_at is None:
        raise ValidationError(REMS_TOO_EARLY)
    if RemsMonitoringForm.objects.filter(participant=participant).exists():
        raise ValidationError(REMS_ALREADY_SUBMITTED)
    form = RemsMonitoringForm(
        participant=participant, submitted_at=timezone.now(), submitted_by=actor, **answers
    )
    form.full_clean(exclude=["participant", "submitted_by"])
    form.save()
    return form
