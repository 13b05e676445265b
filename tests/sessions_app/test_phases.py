"""Phases move forward through gates: pre-dose vitals, doses, Spravato monitoring, discharge."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from sessions_app.models import Participant, PhaseTransition, Session
from sessions_app.rules import ServiceType
from sessions_app.services import clinical, phases
from sessions_app.services.booking import participant_check_in, participant_mark_no_show
from sessions_app.services.clinical import (
    dose_decision_record,
    spravato_device_record,
    vitals_record,
)
from sessions_app.services.phases import (
    participant_discharge,
    session_advance_phase,
    session_start,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def refused(call, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.messages


def advance_refused(session: Session, actor) -> list[str]:
    return refused(session_advance_phase, session=session, actor=actor)


def state(session: Session) -> tuple[str, str]:
    session.refresh_from_db()
    return session.status, session.phase


@pytest.fixture
def guided(patient, room, guide, clinician, front_desk):
    return f.book(patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk)


@pytest.fixture
def couples(location, group_room, guide, clinician, front_desk):
    partners = [
        f.make_patient(location, first_name="Ann", last_name="Baker"),
        f.make_patient(location, first_name="Bob", last_name="Baker"),
    ]
    return f.book(
        service_type=ServiceType.COUPLES,
        patients=partners,
        room=group_room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
    )


def make_spravato(patient, room, guide, clinician, front_desk) -> Session:
    return f.book(
        service_type=ServiceType.SPRAVATO,
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
    )


@pytest.fixture
def spravato(spravato_patient, room, guide, clinician, front_desk):
    return make_spravato(spravato_patient, room, guide, clinician, front_desk)


def discharge(participant: Participant, actor) -> Participant:
    return participant_discharge(
        participant=participant,
        actor=actor,
        transport_arrangement="Partner drives",
        symptoms_resolved=True,
    )


# --- Moving forward, one step at a time, logged ---------------------------------------------


def test_the_next_phase_is_always_the_following_one():
    order = list(Session.Phase)
    assert dict(itertools.pairwise(order)) == phases.NEXT_PHASE


def test_starting_opens_preparation_and_logs_who_and_when(guided, guide):
    session_start(session=guided, actor=guide)

    assert state(guided) == (Session.Status.IN_PROGRESS, Session.Phase.PREPARATION)
    assert guided.started_at == NOW
    log = list(guided.transitions.values_list("from_phase", "to_phase", "actor", "at"))
    assert log == [("", "preparation", guide.pk, NOW)]


def test_a_session_starts_only_once(guided, guide):
    session_start(session=guided, actor=guide)
    assert refused(session_start, session=guided, actor=guide) == [phases.NOT_STARTABLE]


def test_a_scheduled_session_cannot_advance(guided, clinician):
    assert advance_refused(guided, clinician) == [phases.NOT_IN_PROGRESS]
    assert state(guided) == (Session.Status.SCHEDULED, Session.Phase.PREPARATION)


def test_the_session_walks_forward_one_step_at_a_time_and_logs_each(
    guided, guide, clinician, other_clinician, clock
):
    f.start_and_check_in(guided, guide)
    f.record_pre_dose_vitals(guided, clinician)

    clock.shift(minutes(5))
    session_advance_phase(session=guided, actor=clinician)
    assert state(guided) == (Session.Status.IN_PROGRESS, Session.Phase.MEDICATION)

    f.record_ketamine_doses(guided, clinician)
    clock.shift(minutes(60))
    session_advance_phase(session=guided, actor=other_clinician)
    assert state(guided) == (Session.Status.IN_PROGRESS, Session.Phase.INTEGRATION)

    clock.shift(minutes(30))
    discharge(guided.participants.get(), clinician)
    session_advance_phase(session=guided, actor=guide)
    assert state(guided) == (Session.Status.COMPLETED, Session.Phase.COMPLETED)
    assert guided.completed_at == NOW + minutes(95)

    log = list(guided.transitions.values_list("from_phase", "to_phase", "actor", "at"))
    assert log == [
        ("", "preparation", guide.pk, NOW),
        ("preparation", "medication", clinician.pk, NOW + minutes(5)),
        ("medication", "integration", other_clinician.pk, NOW + minutes(65)),
        ("integration", "completed", guide.pk, NOW + minutes(95)),
    ]
    assert advance_refused(guided, clinician) == [phases.NOT_IN_PROGRESS]


def test_one_advance_never_skips_a_phase(guided, clinician):
    f.to_medication(guided, clinician)
    f.record_ketamine_doses(guided, clinician)
    session_advance_phase(session=guided, actor=clinician)
    # Integration, not completed, although nothing else was needed to pass the dose gate.
    assert state(guided) == (Session.Status.IN_PROGRESS, Session.Phase.INTEGRATION)
    assert guided.transitions.count() == 3


def test_a_click_on_an_outdated_page_is_refused(guided, clinician):
    f.to_medication(guided, clinician)
    errors = refused(
        session_advance_phase,
        session=guided,
        actor=clinician,
        expected_phase=Session.Phase.PREPARATION,
    )
    assert errors == [phases.ALREADY_MOVED.format(phase="Medication")]
    assert guided.transitions.filter(to_phase="medication").count() == 1


def test_a_refused_advance_logs_nothing(guided, clinician):
    f.start_and_check_in(guided, clinician)
    advance_refused(guided, clinician)
    assert list(guided.transitions.values_list("to_phase", flat=True)) == ["preparation"]


# --- The medication gate: check-in and pre-dose vitals ------------------------------------


def test_medication_needs_pre_dose_vitals(guided, clinician):
    f.start_and_check_in(guided, clinician)
    assert advance_refused(guided, clinician) == [
        phases.PRE_DOSE_VITALS_MISSING.format(patient="Ana R.")
    ]
    assert state(guided) == (Session.Status.IN_PROGRESS, Session.Phase.PREPARATION)


def test_medication_needs_every_patient_checked_in(guided, clinician):
    session_start(session=guided, actor=clinician)
    f.record_pre_dose_vitals(guided, clinician)
    assert advance_refused(guided, clinician) == [phases.NOT_CHECKED_IN.format(patient="Ana R.")]


def test_pre_dose_vitals_need_bp_heart_rate_and_spo2(guided, clinician):
    f.start_and_check_in(guided, clinician)
    vitals_record(
        participant=guided.participants.get(), actor=clinician, systolic=120, diastolic=80
    )
    vitals_record(participant=guided.participants.get(), actor=clinician, heart_rate=70, spo2=98)
    assert advance_refused(guided, clinician) == [
        phases.PRE_DOSE_VITALS_MISSING.format(patient="Ana R.")
    ]


def test_pre_dose_vitals_30_minutes_old_still_count(guided, clinician, clock):
    f.start_and_check_in(guided, clinician)
    f.record_pre_dose_vitals(guided, clinician)
    clock.shift(minutes(30))
    session_advance_phase(session=guided, actor=clinician)
    assert state(guided)[1] == Session.Phase.MEDICATION


def test_pre_dose_vitals_older_than_30_minutes_are_stale(guided, clinician, clock):
    f.start_and_check_in(guided, clinician)
    f.record_pre_dose_vitals(guided, clinician)
    clock.shift(minutes(31))
    assert advance_refused(guided, clinician) == [
        phases.PRE_DOSE_VITALS_STALE.format(patient="Ana R.", minutes=30)
    ]
    f.record_pre_dose_vitals(guided, clinician)
    session_advance_phase(session=guided, actor=clinician)
    assert state(guided)[1] == Session.Phase.MEDICATION


def test_the_vitals_age_limit_comes_from_settings(settings, guided, clinician, clock):
    settings.CLINIC_RULES = {**settings.CLINIC_RULES, "PRE_DOSE_VITALS_MAX_AGE_MINUTES": 10}
    f.start_and_check_in(guided, clinician)
    f.record_pre_dose_vitals(guided, clinician)
    clock.shift(minutes(11))
    assert advance_refused(guided, clinician) == [
        phases.PRE_DOSE_VITALS_STALE.format(patient="Ana R.", minutes=10)
    ]


def test_every_participant_needs_their_own_pre_dose_vitals(couples, clinician):
    f.start_and_check_in(couples, clinician)
    ann = couples.participants.get(patient__first_name="Ann")
    vitals_record(participant=ann, actor=clinician, **f.NORMAL_VITALS)
    assert advance_refused(couples, clinician) == [
        phases.PRE_DOSE_VITALS_MISSING.format(patient="Bob B.")
    ]


def test_a_participant_who_did_not_come_does_not_hold_the_others_back(couples, clinician):
    session_start(session=couples, actor=clinician)
    ann = couples.participants.get(patient__first_name="Ann")
    bob = couples.participants.get(patient__first_name="Bob")
    participant_check_in(participant=ann, actor=clinician)
    participant_mark_no_show(participant=bob, actor=clinician)
    vitals_record(participant=ann, actor=clinician, **f.NORMAL_VITALS)
    session_advance_phase(session=couples, actor=clinician)
    assert state(couples)[1] == Session.Phase.MEDICATION


def test_medication_needs_someone_attending(guided, clinician):
    session_start(session=guided, actor=clinician)
    participant_mark_no_show(participant=guided.participants.get(), actor=clinician)
    assert advance_refused(guided, clinician) == [phases.NO_PARTICIPANTS]


def test_an_elevated_bp_only_flags_a_ketamine_session(guided, clinician):
    f.start_and_check_in(guided, clinician)
    f.record_pre_dose_vitals(guided, clinician, systolic=150, diastolic=95)
    session_advance_phase(session=guided, actor=clinician)
    assert state(guided)[1] == Session.Phase.MEDICATION


# --- Spravato: elevated pre-dose BP needs a clinician's decision ---------------------------


def test_spravato_bp_above_140_over_90_stops_the_dose_until_a_decision(spravato, clinician):
    f.start_and_check_in(spravato, clinician)
    f.record_pre_dose_vitals(spravato, clinician, systolic=150, diastolic=85)
    assert advance_refused(spravato, clinician) == [
        phases.BP_DECISION_NEEDED.format(bp="150/85", patient="Sam R.", limit="140/90")
    ]

    decision = dose_decision_record(
        participant=spravato.participants.get(),
        actor=clinician,
        reason="Baseline hypertension, stable; benefit outweighs risk.",
    )
    assert decision.decided_by == clinician
    assert decision.vital_sign.systolic == 150
    session_advance_phase(session=spravato, actor=clinician)
    assert state(spravato)[1] == Session.Phase.MEDICATION


def test_spravato_bp_of_140_over_90_needs_no_decision(spravato, clinician):
    f.start_and_check_in(spravato, clinician)
    f.record_pre_dose_vitals(spravato, clinician, systolic=140, diastolic=90)
    errors = refused(
        dose_decision_record, participant=spravato.participants.get(), actor=clinician, reason="x"
    )
    assert errors == [clinical.DECISION_NOT_NEEDED]
    session_advance_phase(session=spravato, actor=clinician)
    assert state(spravato)[1] == Session.Phase.MEDICATION


def test_a_dose_decision_needs_a_reason(spravato, clinician):
    f.start_and_check_in(spravato, clinician)
    f.record_pre_dose_vitals(spravato, clinician, systolic=130, diastolic=95)
    with pytest.raises(ValidationError) as caught:
        dose_decision_record(participant=spravato.participants.get(), actor=clinician, reason=" ")
    assert caught.value.message_dict == {"reason": [clinical.DECISION_REASON_REQUIRED]}


def test_a_decision_covers_only_the_reading_it_was_made_on(spravato, clinician, clock):
    f.start_and_check_in(spravato, clinician)
    f.record_pre_dose_vitals(spravato, clinician, systolic=150, diastolic=85)
    dose_decision_record(participant=spravato.participants.get(), actor=clinician, reason="Ok")
    clock.shift(minutes(10))
    f.record_pre_dose_vitals(spravato, clinician, systolic=165, diastolic=95)
    assert advance_refused(spravato, clinician) == [
        phases.BP_DECISION_NEEDED.format(bp="165/95", patient="Sam R.", limit="140/90")
    ]


def test_dose_decisions_are_for_spravato_only(guided, clinician):
    f.start_and_check_in(guided, clinician)
    f.record_pre_dose_vitals(guided, clinician, systolic=150, diastolic=95)
    errors = refused(
        dose_decision_record, participant=guided.participants.get(), actor=clinician, reason="x"
    )
    assert errors == [clinical.NOT_SPRAVATO]


# --- The integration gate: doses --------------------------------------------------------------


def test_integration_needs_a_dose_for_every_participant(couples, clinician):
    f.to_medication(couples, clinician)
    assert advance_refused(couples, clinician) == [
        phases.DOSE_MISSING.format(patient="Ann B."),
        phases.DOSE_MISSING.format(patient="Bob B."),
    ]


def devices(session: Session, actor, count: int, clock) -> None:
    participant = session.participants.get()
    for _ in range(count):
        if participant.doses.exists():
            clock.shift(minutes(5))
        spravato_device_record(participant=participant, actor=actor, lot_number="SPV-1")


def test_spravato_needs_56_or_84_mg(spravato, clinician, clock):
    f.to_medication(spravato, clinician)
    devices(spravato, clinician, 1, clock)
    assert advance_refused(spravato, clinician) == [
        phases.SPRAVATO_DOSE_INCOMPLETE.format(patient="Sam R.", given=28, allowed="56 or 84")
    ]
    devices(spravato, clinician, 1, clock)
    session_advance_phase(session=spravato, actor=clinician)
    assert state(spravato)[1] == Session.Phase.INTEGRATION


def test_spravato_84_mg_is_three_numbered_devices(spravato, clinician, clock):
    f.to_medication(spravato, clinician)
    devices(spravato, clinician, 3, clock)
    doses = spravato.participants.get().doses.order_by("administered_at")
    assert [(d.device_number, d.dose_mg, d.drug, d.route) for d in doses] == [
        (n, 28, "esketamine", "intranasal") for n in (1, 2, 3)
    ]
    session_advance_phase(session=spravato, actor=clinician)
    assert state(spravato)[1] == Session.Phase.INTEGRATION


def test_a_fourth_device_is_refused(spravato, clinician, clock):
    f.to_medication(spravato, clinician)
    devices(spravato, clinician, 3, clock)
    clock.shift(minutes(5))
    errors = refused(
        spravato_device_record,
        participant=spravato.participants.get(),
        actor=clinician,
        lot_number="SPV-1",
    )
    assert errors == [clinical.DEVICE_LIMIT.format(patient="Sam R.", mg=84)]
    assert spravato.participants.get().doses.count() == 3


def test_devices_must_be_at_least_5_minutes_apart(spravato, clinician, clock):
    f.to_medication(spravato, clinician)
    participant = spravato.participants.get()
    spravato_device_record(participant=participant, actor=clinician, lot_number="SPV-1")
    clock.shift(timedelta(minutes=4, seconds=59))
    errors = refused(
        spravato_device_record, participant=participant, actor=clinician, lot_number="SPV-1"
    )
    assert errors == [clinical.DEVICE_TOO_SOON.format(minutes=5, at="10:00", next="10:05")]
    clock.shift(timedelta(seconds=1))
    spravato_device_record(participant=participant, actor=clinician, lot_number="SPV-1")
    assert participant.doses.count() == 2


def older_spravato(location, room, guide, clinician, front_desk, born: date) -> Session:
    patient = f.make_spravato_patient(
        location, first_name="Olga", last_name="Old", date_of_birth=born
    )
    return make_spravato(patient, room, guide, clinician, front_desk)


def test_28_mg_is_allowed_from_age_65(location, room, guide, clinician, front_desk, clock):
    session = older_spravato(location, room, guide, clinician, front_desk, date(1961, 3, 2))
    f.to_medication(session, clinician)
    devices(session, clinician, 1, clock)
    session_advance_phase(session=session, actor=clinician)
    assert state(session)[1] == Session.Phase.INTEGRATION


def test_28_mg_is_not_enough_the_day_before_turning_65(
    location, room, guide, clinician, front_desk, clock
):
    session = older_spravato(location, room, guide, clinician, front_desk, date(1961, 3, 3))
    f.to_medication(session, clinician)
    devices(session, clinician, 1, clock)
    assert advance_refused(session, clinician) == [
        phases.SPRAVATO_DOSE_INCOMPLETE.format(patient="Olga O.", given=28, allowed="56 or 84")
    ]


def test_older_adults_are_still_capped_at_84_mg(
    location, room, guide, clinician, front_desk, clock
):
    session = older_spravato(location, room, guide, clinician, front_desk, date(1950, 1, 1))
    f.to_medication(session, clinician)
    devices(session, clinician, 3, clock)
    clock.shift(minutes(5))
    errors = refused(
        spravato_device_record,
        participant=session.participants.get(),
        actor=clinician,
        lot_number="SPV-1",
    )
    assert errors == [clinical.DEVICE_LIMIT.format(patient="Olga O.", mg=84)]


# --- Discharge and completion -------------------------------------------------------------


def bp(participant: Participant, actor) -> None:
    vitals_record(participant=participant, actor=actor, systolic=128, diastolic=82)


@pytest.fixture
def dosed_spravato(spravato, clinician, clock):
    """A Spravato session in integration; the first device was given at NOW (10:00 local)."""
    f.to_medication(spravato, clinician)
    devices(spravato, clinician, 2, clock)
    session_advance_phase(session=spravato, actor=clinician)
    return Participant.objects.select_related("session", "patient").get(session=spravato)


def test_spravato_discharge_after_two_hours_with_both_bp_checks(dosed_spravato, clinician, clock):
    clock.move_to(NOW + minutes(40))
    bp(dosed_spravato, clinician)
    clock.move_to(NOW + minutes(110))
    bp(dosed_spravato, clinician)
    clock.move_to(NOW + minutes(120))

    assert phases.discharge_blockers(dosed_spravato) == []
    discharge(dosed_spravato, clinician)
    dosed_spravato.refresh_from_db()
    assert dosed_spravato.discharged_at == NOW + minutes(120)
    assert dosed_spravato.discharged_by == clinician
    assert dosed_spravato.transport_arrangement == "Partner drives"


def test_spravato_discharge_is_refused_before_120_minutes(dosed_spravato, clinician, clock):
    clock.move_to(NOW + minutes(40))
    bp(dosed_spravato, clinician)
    clock.move_to(NOW + minutes(110))
    bp(dosed_spravato, clinician)
    clock.move_to(NOW + timedelta(minutes=119, seconds=59))

    errors = refused(
        participant_discharge,
        participant=dosed_spravato,
        actor=clinician,
        transport_arrangement="Taxi",
        symptoms_resolved=True,
    )
    assert errors == [
        phases.SPRAVATO_MONITORING_TOO_SHORT.format(patient="Sam R.", minutes=119, required=120)
    ]
    dosed_spravato.refresh_from_db()
    assert dosed_spravato.discharged_at is None


@pytest.mark.parametrize("at_minutes", [29, 61])
def test_spravato_discharge_needs_a_bp_30_to_60_minutes_after_the_dose(
    dosed_spravato, clinician, clock, at_minutes
):
    clock.move_to(NOW + minutes(at_minutes))
    bp(dosed_spravato, clinician)
    clock.move_to(NOW + minutes(110))
    bp(dosed_spravato, clinician)
    clock.move_to(NOW + minutes(120))
    assert phases.discharge_blockers(dosed_spravato) == [
        phases.SPRAVATO_40_MIN_BP_MISSING.format(patient="Sam R.", low=30, high=60)
    ]


def test_spravato_discharge_needs_a_bp_in_the_last_30_minutes(dosed_spravato, clinician, clock):
    clock.move_to(NOW + minutes(40))
    bp(dosed_spravato, clinician)
    clock.move_to(NOW + minutes(89))
    bp(dosed_spravato, clinician)
    clock.move_to(NOW + minutes(120))
    assert phases.discharge_blockers(dosed_spravato) == [
        phases.SPRAVATO_DISCHARGE_BP_MISSING.format(patient="Sam R.", minutes=30)
    ]


def test_discharge_needs_transport_and_resolved_symptoms(guided, clinician):
    f.to_integration(guided, clinician)
    with pytest.raises(ValidationError) as caught:
        participant_discharge(
            participant=guided.participants.get(),
            actor=clinician,
            transport_arrangement=" ",
            symptoms_resolved=False,
        )
    assert caught.value.message_dict == {
        "transport_arrangement": [phases.DISCHARGE_TRANSPORT_REQUIRED],
        "symptoms_resolved": [phases.DISCHARGE_SYMPTOMS],
    }


def test_discharge_happens_in_integration_only(guided, clinician):
    f.to_medication(guided, clinician)
    assert phases.discharge_blockers(guided.participants.get()) == [
        phases.DISCHARGE_ONLY_IN_INTEGRATION
    ]


def test_a_patient_is_discharged_once(guided, clinician):
    f.to_integration(guided, clinician)
    participant = discharge(guided.participants.get(), clinician)
    assert phases.discharge_blockers(participant) == [
        phases.ALREADY_DISCHARGED.format(patient="Ana R.")
    ]


def test_completion_waits_for_every_participant_to_be_discharged(couples, clinician):
    f.to_integration(couples, clinician)
    assert advance_refused(couples, clinician) == [
        phases.NOT_DISCHARGED.format(patient="Ann B."),
        phases.NOT_DISCHARGED.format(patient="Bob B."),
    ]
    discharge(couples.participants.get(patient__first_name="Ann"), clinician)
    assert advance_refused(couples, clinician) == [phases.NOT_DISCHARGED.format(patient="Bob B.")]
    discharge(couples.participants.get(patient__first_name="Bob"), clinician)
    session_advance_phase(session=couples, actor=clinician)
    assert state(couples) == (Session.Status.COMPLETED, Session.Phase.COMPLETED)


def test_a_spravato_session_completes_only_after_discharge(dosed_spravato, clinician, clock):
    session = dosed_spravato.session
    assert advance_refused(session, clinician) == [phases.NOT_DISCHARGED.format(patient="Sam R.")]
    clock.move_to(NOW + minutes(45))
    bp(dosed_spravato, clinician)
    clock.move_to(NOW + minutes(125))
    bp(dosed_spravato, clinician)
    discharge(dosed_spravato, clinician)
    session_advance_phase(session=session, actor=clinician)
    assert state(session) == (Session.Status.COMPLETED, Session.Phase.COMPLETED)
    assert PhaseTransition.objects.filter(session=session).count() == 4
