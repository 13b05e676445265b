"""Patients: never hard-deleted, edits refused when based on a stale version."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from patients import services
from patients.models import Patient, ProtectedDeleteError
from patients.services import patient_create, patient_deactivate, patient_update
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_patient_is_never_deleted(patient):
    with pytest.raises(ProtectedDeleteError):
        patient.delete()
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_deactivating_keeps_the_patient(patient, front_desk):
    patient_deactivate(patient=patient, actor=front_desk)
    patient.refresh_from_db()
    assert patient.is_active is False
    assert patient.version == 2


def test_an_update_bumps_the_version(patient, front_desk):
    updated = patient_update(patient=patient, actor=front_desk, version=1, phone="555-0100")
    assert (updated.phone, updated.version) == ("555-0100", 2)
    patient.refresh_from_db()
    assert (patient.phone, patient.version) == ("555-0100", 2)


def test_the_second_of_two_tabs_is_refused(patient, front_desk, clinician):
    first_tab = Patient.objects.get(pk=patient.pk)
    second_tab = Patient.objects.get(pk=patient.pk)

    patient_update(patient=first_tab, actor=front_desk, version=1, phone="555-0100")
    with pytest.raises(ValidationError) as caught:
        patient_update(patient=second_tab, actor=clinician, version=1, phone="555-0199")

    assert caught.value.messages == [services.STALE_EDIT]
    patient.refresh_from_db()
    assert (patient.phone, patient.version) == ("555-0100", 2)


def test_an_update_is_validated(patient, front_desk):
    with pytest.raises(ValidationError) as caught:
        patient_update(
            patient=patient, actor=front_desk, version=1, rems_enrolled_on=date(2026, 1, 5)
        )
    assert "patients_patient_rems_enrolment_has_id" in str(caught.value)
    patient.refresh_from_db()
    assert patient.rems_enrolled_on is None


def test_create_validates_a_unique_mrn(patient, front_desk, location):
    with pytest.raises(ValidationError) as caught:
        patient_create(
            actor=front_desk,
            mrn=patient.mrn,
            first_name="Dup",
            last_name="Licate",
            date_of_birth=date(1990, 1, 1),
            home_location=location,
        )
    assert "mrn" in caught.value.message_dict


def test_spravato_contraindications_are_listed_by_name(location):
    patient = f.make_patient(
        location, has_arteriovenous_malformation=True, has_ketamine_hypersensitivity=True
    )
    assert patient.spravato_contraindications == [
        "Arteriovenous malformation",
        "Hypersensitivity to ketamine or esketamine",
    ]


def test_age_counts_whole_years(location):
    patient = f.make_patient(location, date_of_birth=date(1961, 3, 2))
    assert patient.age_on(date(2026, 3, 1)) == 64
    assert patient.age_on(date(2026, 3, 2)) == 65


def test_a_bulk_delete_of_patients_is_refused_too(patient):
    from patients.models import Patient, ProtectedDeleteError

    with pytest.raises(ProtectedDeleteError):
        Patient.objects.filter(pk=patient.pk).delete()
    assert Patient.objects.filter(pk=patient.pk).exists()
