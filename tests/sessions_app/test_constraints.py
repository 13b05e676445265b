"""Named database constraints, both ways: full_clean() says why, a raw write is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from patients.models import Assessment, Patient
from sessions_app.models import (
    AdverseEvent,
    DoseAdministration,
    NoteAddendum,
    Participant,
    PhaseTransition,
    Session,
    VitalSign,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(patient, room, guide, clinician, other_clinician, front_desk):
    """Saved rows that valid instances of each model can point at."""
    session = f.book(
        patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk
    )
    return {
        "session": session,
        "participant": session.participants.get(),
        "patient": patient,
        "room": room,
        "guide": guide,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "front_desk": front_desk,
    }


def valid_session(w) -> dict[str, Any]:
    starts_at = f.at(30)
    return {
        "service_type": "guided",
        "route": "im",
        "location": w["room"].location,
        "room": w["room"],
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "lead_guide": w["guide"],
        "clinician": w["clinician"],
        "booked_by": w["front_desk"],
    }


def valid_vitals(w) -> dict[str, Any]:
    return {
        "participant": w["participant"],
        "recorded_at": timezone.now(),
        "recorded_by": w["clinician"],
        "phase": "preparation",
        "systolic": 120,
        "diastolic": 80,
        "heart_rate": 70,
        "spo2": 98,
    }


def valid_dose(w) -> dict[str, Any]:
    return {
        "participant": w["participant"],
        "drug": "ketamine",
        "route": "im",
        "dose_mg": Decimal("35"),
        "weight_kg": Decimal("70"),
        "lot_number": "K-1",
        "administered_at": timezone.now(),
        "administered_by": w["clinician"],
    }


def valid_assessment(w) -> dict[str, Any]:
    return {
        "patient": w["patient"],
        "scale": "phq9",
        "items": [1] * 9,
        "total": 9,
        "recorded_by": w["clinician"],
    }


def valid_patient(w) -> dict[str, Any]:
    return {
        "mrn": "MRN-C-1",
        "first_name": "Cora",
        "last_name": "Check",
        "date_of_birth": date(1980, 1, 1),
        "home_location": w["room"].location,
    }


def valid_event(w) -> dict[str, Any]:
    return {
        "participant": w["participant"],
        "occurred_at": timezone.now(),
        "kind": "nausea",
        "severity": "mild",
        "recorded_by": w["clinician"],
    }


def valid_addendum(w) -> dict[str, Any]:
    return {
        "vital_sign": VitalSign.objects.create(**valid_vitals(w)),
        "author": w["clinician"],
        "written_at": timezone.now(),
        "text": "More.",
    }


@dataclass(frozen=True)
class Case:
    constraint: str
    model: type[models.Model]
    valid: Any
    bad: Any  # world -> the fields that break the rule

    def __str__(self) -> str:
        return self.constraint


CHECKS = [
    Case(
        "sessions_app_session_route_allowed_for_service_type",
        Session,
        valid_session,
        lambda w: {"route": "iv"},
    ),
    Case(
        "sessions_app_session_route_allowed_for_service_type",
        Session,
        valid_session,
        lambda w: {"service_type": "spravato"},
    ),
    Case(
        "sessions_app_session_ends_after_start",
        Session,
        valid_session,
        lambda w: {"ends_at": f.at(30)},
    ),
    Case(
        "sessions_app_session_co_guide_differs",
        Session,
        valid_session,
        lambda w: {"co_guide": w["guide"]},
    ),
    Case(
        "sessions_app_session_completed_consistent",
        Session,
        valid_session,
        lambda w: {"status": "completed", "phase": "integration"},
    ),
    Case(
        "sessions_app_session_completed_consistent",
        Session,
        valid_session,
        lambda w: {"status": "in_progress", "phase": "completed"},
    ),
    Case(
        "sessions_app_session_not_started_in_preparation",
        Session,
        valid_session,
        lambda w: {"status": "cancelled", "cancel_reason": "Ill", "phase": "medication"},
    ),
    Case(
        "sessions_app_session_cancel_has_reason",
        Session,
        valid_session,
        lambda w: {"status": "cancelled", "cancel_reason": ""},
    ),
    Case(
        "sessions_app_participant_discharge_has_clinician",
        Participant,
        lambda w: {"session": w["session"], "patient": f.make_patient(w["room"].location)},
        lambda w: {"discharged_at": timezone.now()},
    ),
    Case(
        "sessions_app_vitalsign_systolic_plausible",
        VitalSign,
        valid_vitals,
        lambda w: {"systolic": 261},
    ),
    Case(
        "sessions_app_vitalsign_spo2_plausible",
        VitalSign,
        valid_vitals,
        lambda w: {"spo2": 49},
    ),
    Case(
        "sessions_app_vitalsign_bp_pair_consistent",
        VitalSign,
        valid_vitals,
        lambda w: {"diastolic": 120},
    ),
    Case(
        "sessions_app_vitalsign_not_empty",
        VitalSign,
        valid_vitals,
        lambda w: {"systolic": None, "diastolic": None, "heart_rate": None, "spo2": None},
    ),
    Case(
        "sessions_app_doseadministration_waste_witnessed",
        DoseAdministration,
        valid_dose,
        lambda w: {"wasted_mg": Decimal("5")},
    ),
    Case(
        "sessions_app_doseadministration_waste_witnessed",
        DoseAdministration,
        valid_dose,
        lambda w: {"wasted_mg": Decimal("5"), "witness": w["clinician"]},
    ),
    Case(
        "sessions_app_doseadministration_drug_route_match",
        DoseAdministration,
        valid_dose,
        lambda w: {"route": "intranasal"},
    ),
    Case(
        "sessions_app_doseadministration_spravato_devices",
        DoseAdministration,
        valid_dose,
        lambda w: {
            "drug": "esketamine",
            "route": "intranasal",
            "dose_mg": Decimal("30"),
            "device_number": 1,
        },
    ),
    Case(
        "sessions_app_doseadministration_spravato_devices",
        DoseAdministration,
        valid_dose,
        lambda w: {
            "drug": "esketamine",
            "route": "intranasal",
            "dose_mg": Decimal("28"),
            "device_number": 4,
        },
    ),
    Case(
        "sessions_app_doseadministration_dose_range",
        DoseAdministration,
        valid_dose,
        lambda w: {"dose_mg": Decimal("0")},
    ),
    Case(
        "sessions_app_doseadministration_iv_has_infusion_time",
        DoseAdministration,
        valid_dose,
        lambda w: {"route": "iv", "infusion_minutes": 300},
    ),
    Case(
        "sessions_app_noteaddendum_exactly_one_note",
        NoteAddendum,
        valid_addendum,
        lambda w: {"vital_sign": None},
    ),
    Case(
        "sessions_app_adverseevent_other_described",
        AdverseEvent,
        valid_event,
        lambda w: {"kind": "other", "description": ""},
    ),
    Case(
        "patients_assessment_total_in_scale_range",
        Assessment,
        valid_assessment,
        lambda w: {"total": 28},
    ),
    Case(
        "patients_assessment_total_in_scale_range",
        Assessment,
        valid_assessment,
        lambda w: {"scale": "gad7", "items": [3] * 7 + [1], "total": 22},
    ),
    Case(
        "patients_assessment_safety_alert_only_phq9",
        Assessment,
        valid_assessment,
        lambda w: {"scale": "gad7", "items": [1] * 7, "total": 7, "safety_alert": True},
    ),
    Case(
        "patients_patient_rems_enrolment_has_id",
        Patient,
        valid_patient,
        lambda w: {"rems_enrolled_on": date(2026, 1, 5), "rems_patient_id": ""},
    ),
    Case(
        "patients_patient_dob_plausible",
        Patient,
        valid_patient,
        lambda w: {"date_of_birth": date(1899, 12, 31)},
    ),
]


@pytest.mark.parametrize("case", CHECKS, ids=str)
def test_a_valid_row_passes_full_clean(world, case):
    # The other half of each case: the base row is fine, only the bad fields break it.
    case.model(**case.valid(world)).full_clean()


@pytest.mark.parametrize("case", CHECKS, ids=str)
def test_full_clean_names_the_broken_constraint(world, case):
    instance = case.model(**{**case.valid(world), **case.bad(world)})
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    assert case.constraint in str(caught.value.messages)


@pytest.mark.parametrize("case", CHECKS, ids=str)
def test_the_database_refuses_a_raw_create(world, case):
    fields = {**case.valid(world), **case.bad(world)}
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        case.model.objects.create(**fields)
    assert case.constraint in str(caught.value)


# A CHECK passes when its condition is NULL: these conditions involve a nullable column, so
# each says "and it is not null" explicitly (migration 0003); a missing value must not slip by.
NULL_CASES = [
    Case(
        "sessions_app_doseadministration_iv_has_infusion_time",
        DoseAdministration,
        valid_dose,
        lambda w: {"route": "iv", "infusion_minutes": None},
    ),
    Case(
        "sessions_app_doseadministration_spravato_devices",
        DoseAdministration,
        valid_dose,
        lambda w: {"drug": "esketamine", "route": "intranasal", "dose_mg": Decimal("28")},
    ),
    Case(
        "sessions_app_vitalsign_bp_pair_consistent",
        VitalSign,
        valid_vitals,
        lambda w: {"diastolic": None},
    ),
]


@pytest.mark.parametrize("case", NULL_CASES, ids=str)
def test_a_missing_value_does_not_slip_through_a_constraint(world, case):
    fields = {**case.valid(world), **case.bad(world)}
    with pytest.raises(IntegrityError), transaction.atomic():
        case.model.objects.create(**fields)


# --- Raw updates ----------------------------------------------------------------------------


def test_the_database_refuses_cancelling_without_a_reason(world):
    session = world["session"]
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Session.objects.filter(pk=session.pk).update(status="cancelled")
    assert "sessions_app_session_cancel_has_reason" in str(caught.value)
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


def test_the_database_refuses_moving_the_end_before_the_start(world):
    session = world["session"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(ends_at=session.starts_at)


def test_the_database_refuses_a_rems_enrolment_without_an_id(world):
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Patient.objects.filter(pk=world["patient"].pk).update(rems_enrolled_on=date(2026, 1, 5))
    assert "patients_patient_rems_enrolment_has_id" in str(caught.value)


def test_the_database_refuses_an_assessment_total_out_of_range(world):
    assessment = Assessment.objects.create(**valid_assessment(world))
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(total=30)


# --- Unique constraints ---------------------------------------------------------------------


def test_a_patient_is_in_a_session_once(world):
    duplicate = Participant(session=world["session"], patient=world["patient"])
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(session=world["session"], patient=world["patient"])


def test_a_session_enters_each_phase_once(world):
    fields = {
        "session": world["session"],
        "from_phase": "",
        "to_phase": "preparation",
        "actor": world["clinician"],
        "at": timezone.now(),
    }
    PhaseTransition.objects.create(**fields)
    with pytest.raises(ValidationError):
        PhaseTransition(**fields).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        PhaseTransition.objects.create(**fields)


def test_a_spravato_device_number_is_used_once(world):
    fields = {
        **valid_dose(world),
        "drug": "esketamine",
        "route": "intranasal",
        "dose_mg": Decimal("28"),
        "weight_kg": None,
        "device_number": 1,
    }
    DoseAdministration.objects.create(**fields)
    with pytest.raises(ValidationError):
        DoseAdministration(**fields).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        DoseAdministration.objects.create(**fields)
