"""The benchmark's data generator (`manage.py seed_bulk`), run tiny: counts and every rule."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count

from accounts.models import User
from patients.models import Assessment, Patient, TreatmentCourse
from patients.scales import SCALES
from sessions_app.management.commands.seed_bulk import ALREADY_SEEDED
from sessions_app.models import (
    AdverseEvent,
    DoseAdministration,
    DoseDecision,
    IntegrationNote,
    NoteAddendum,
    Participant,
    PhaseTransition,
    RemsMonitoringForm,
    Session,
    VitalSign,
)

NOW = "2026-03-10T15:20:00-05:00"  # a Tuesday afternoon in the clinic's time zone
PATIENTS, SESSIONS = 150, 500


def seed(**options) -> None:
    call_command(
        "seed_bulk",
        patients=PATIENTS,
        sessions=SESSIONS,
        seed=7,
        now=NOW,
        no_progress=True,
        stdout=open("/dev/null", "w"),  # noqa: SIM115
        **options,
    )


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One dataset for the module's read-only tests, rolled back at the end of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def data(seeded, db):
    return None


def _assert_no_overlap(rows, what: str) -> None:
    by_key = defaultdict(list)
    for key, starts, ends in rows:
        if key is not None:
            by_key[key].append((starts, ends))
    for key, spans in by_key.items():
        spans.sort()
        for (_, previous_end), (next_start, _) in itertools.pairwise(spans):
            assert next_start >= previous_end, f"{what} {key} is double-booked at {next_start}"


# Runs before the module's dataset exists (it seeds an empty database twice).
def test_the_same_seed_gives_the_same_data(db):
    def fingerprint():
        return list(
            Session.objects.order_by("pk").values_list(
                "pk", "starts_at", "room__name", "status", "service_type", "lead_guide__username"
            )
        ), VitalSign.objects.count()

    runs = []
    for _ in range(2):
        with transaction.atomic():
            seed()
            runs.append(fingerprint())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]


def test_it_creates_the_requested_numbers(data):
    assert Session.objects.count() == SESSIONS
    assert Patient.objects.count() == PATIENTS
    roles = Counter(
        User.objects.filter(username__startswith="bench_").values_list("groups__name", flat=True)
    )
    assert roles == {"Guide": 48, "Clinician": 36, "Front desk": 12, "Administrator": 3}
    assert set(Session.objects.values_list("service_type", flat=True)) == {
        "guided",
        "semi_guided",
        "iv_infusion",
        "couples",
        "group",
        "spravato",
    }


def test_every_status_appears_where_it_belongs(data):
    statuses = Counter(Session.objects.values_list("status", flat=True))
    assert statuses["completed"] > SESSIONS * 0.5
    assert statuses["cancelled"] and statuses["no_show"] and statuses["scheduled"]
    assert statuses["in_progress"] >= 1
    assert not Session.objects.filter(status="cancelled", cancel_reason="").exists()
    now = Session.objects.filter(status="in_progress").first().started_at
    assert not Session.objects.filter(status="completed", completed_at__gt=now).exists()
    assert not Session.objects.filter(status="scheduled", starts_at__lt=now).exists()


def test_participant_counts_follow_the_service_rules(data):
    sessions = Session.objects.annotate(n=Count("participants")).select_related("room")
    for session in sessions:
        if session.service_type == "couples":
            assert session.n == 2
        elif session.service_type == "group":
            assert 2 <= session.n <= min(6, session.room.capacity)
        else:
            assert session.n == 1
        assert session.n <= session.room.capacity


def test_no_room_guide_clinician_or_patient_is_double_booked(data):
    live = Session.objects.exclude(status__in=["cancelled", "no_show"])
    for column in ("room_id", "lead_guide_id", "clinician_id", "co_guide_id"):
        _assert_no_overlap(live.values_list(column, "starts_at", "ends_at"), column)
    _assert_no_overlap(
        Participant.objects.exclude(session__status__in=["cancelled", "no_show"]).values_list(
            "patient_id", "session__starts_at", "session__ends_at"
        ),
        "patient",
    )
    guides = live.filter(co_guide__isnull=False).values_list("lead_guide_id", "co_guide_id")
    assert all(lead != co for lead, co in guides)


def test_completed_sessions_carry_their_clinical_record(data):
    completed = Session.objects.filter(status="completed")
    transitions = PhaseTransition.objects.filter(session__in=completed)
    assert transitions.count() == 4 * completed.count()
    attended = Participant.objects.filter(session__in=completed, attendance="checked_in")
    vitals = VitalSign.objects.filter(participant__in=attended).count()
    assert 8 <= vitals / attended.count() <= 11
    assert VitalSign.objects.filter(flagged=True).exclude(flag_reasons="").exists()
    assert IntegrationNote.objects.count() >= attended.count()
    assert AdverseEvent.objects.exists() and DoseDecision.objects.exists()
    assert NoteAddendum.objects.exists() or IntegrationNote.objects.count() < 300
    # Every attended participant of a completed session was dosed and discharged.
    assert not attended.filter(doses__isnull=True).exists()
    assert not attended.filter(discharged_at__isnull=True).exists()


def test_doses_follow_the_drug_rules(data):
    spravato = defaultdict(list)
    for dose in DoseAdministration.objects.select_related("participant__session"):
        if dose.drug == "esketamine":
            assert dose.dose_mg == 28 and dose.weight_kg is None
            spravato[dose.participant_id].append(dose)
        else:
            # From the columns: SQLite's generated mg_per_kg divides 58.00 by 77.0 as integers.
            assert dose.weight_kg and 0.3 <= dose.dose_mg / dose.weight_kg <= 1.1
            if dose.route == "iv":
                assert dose.infusion_minutes == 40
        if dose.wasted_mg:
            assert dose.witness_id and dose.witness_id != dose.administered_by_id
    assert spravato
    for devices in spravato.values():
        devices.sort(key=lambda d: d.device_number)
        assert [d.device_number for d in devices] == list(range(1, len(devices) + 1))
        for first, second in itertools.pairwise(devices):
            assert second.administered_at - first.administered_at >= timedelta(minutes=5)
    completed_spravato = Participant.objects.filter(
        session__service_type="spravato", session__status="completed", attendance="checked_in"
    ).count()
    assert RemsMonitoringForm.objects.count() >= completed_spravato * 0.7


def test_assessments_add_up(data):
    assessments = list(Assessment.objects.all())
    assert {a.scale for a in assessments} >= {"phq9", "gad7"}
    for assessment in assessments:
        spec = SCALES[assessment.scale]
        assert len(assessment.items) == spec.items
        assert sum(assessment.items) == assessment.total <= spec.max_total
        assert all(0 <= item <= spec.item_max for item in assessment.items)
        assert assessment.safety_alert == (assessment.scale == "phq9" and assessment.items[8] > 0)
    assert TreatmentCourse.objects.filter(status="completed").exists()


def test_rows_pass_the_model_constraints(data):
    for model in (
        Patient,
        TreatmentCourse,
        Session,
        Participant,
        VitalSign,
        DoseAdministration,
        IntegrationNote,
        AdverseEvent,
        RemsMonitoringForm,
        Assessment,
    ):
        for row in model.objects.order_by("?")[:40]:
            row.validate_constraints()
    enrolled = Patient.objects.filter(participations__session__service_type="spravato")
    assert not enrolled.filter(rems_enrolled_on__isnull=True).exists()


def test_it_refuses_to_seed_twice(data):
    with pytest.raises(CommandError, match=ALREADY_SEEDED[:40]):
        seed()
    seed(skip_if_seeded=True)
    assert Session.objects.count() == SESSIONS
