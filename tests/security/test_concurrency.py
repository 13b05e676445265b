"""Races that must leave exactly one winner, on the real PostgreSQL (row locks, exclusion
constraints): 20 simultaneous bookings of one room or one guide, two clinicians advancing the
same phase, and a patient edited in two tabs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from accounts.roles import Role
from patients.models import Patient
from patients.services import STALE_EDIT, patient_update
from sessions_app.models import PhaseTransition, Session
from sessions_app.services.phases import session_advance_phase
from tests import factories as f
from tests.races import race

RACERS = 20


def _refused(errors: list[Exception]) -> bool:
    return all(isinstance(e, ValidationError | IntegrityError) for e in errors)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_bookings_of_one_room_by_different_staff_leave_one(location, front_desk):
    room = f.make_room(location)
    starts_at = f.at(5)
    attempts = []
    for _ in range(RACERS):
        guide = f.make_user(Role.GUIDE, locations=[location])
        clinician = f.make_user(Role.CLINICIAN, locations=[location])
        patient = f.make_patient(location)
        attempts.append(
            lambda p=patient, g=guide, c=clinician: f.book(
                patients=[p],
                room=room,
                guide=g,
                clinician=c,
                actor=front_desk,
                starts_at=starts_at,
            )
        )
    results, errors = race(attempts)
    assert len(results) == 1, errors
    assert len(errors) == RACERS - 1 and _refused(errors), errors
    assert Session.objects.filter(room=room).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_bookings_of_one_guide_in_different_rooms_leave_one(location, front_desk, guide):
    starts_at = f.at(6)
    attempts = []
    for _ in range(RACERS):
        room = f.make_room(location)
        clinician = f.make_user(Role.CLINICIAN, locations=[location])
        patient = f.make_patient(location)
        attempts.append(
            lambda p=patient, r=room, c=clinician: f.book(
                patients=[p],
                room=r,
                guide=guide,
                clinician=c,
                actor=front_desk,
                starts_at=starts_at,
            )
        )
    results, errors = race(attempts)
    assert len(results) == 1, errors
    assert len(errors) == RACERS - 1 and _refused(errors), errors
    assert Session.objects.filter(lead_guide=guide).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clinicians_advancing_the_same_phase_leave_one_transition(
    room, guide, clinician, other_clinician, front_desk, patient
):
    session = f.book(
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=f.at(0.25),
    )
    f.start_and_check_in(session, clinician)
    f.record_pre_dose_vitals(session, clinician)
    before = PhaseTransition.objects.filter(session=session).count()

    def advance(actor):
        return lambda: session_advance_phase(
            session=Session.objects.get(pk=session.pk),
            actor=actor,
            expected_phase=Session.Phase.PREPARATION,
        )

    results, errors = race([advance(clinician), advance(other_clinician)])
    assert len(results) == 1, errors
    assert len(errors) == 1 and _refused(errors), errors
    session.refresh_from_db()
    assert session.phase == Session.Phase.MEDICATION
    assert PhaseTransition.objects.filter(session=session).count() == before + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_patient_saved_from_two_tabs_at_once_keeps_one_edit(patient, front_desk, clinician):
    version = patient.version

    def save(actor, phone):
        return lambda: patient_update(
            patient=Patient.objects.get(pk=patient.pk), actor=actor, version=version, phone=phone
        )

    results, errors = race([save(front_desk, "555-0101"), save(clinician, "555-0202")])
    assert len(results) == 1
    assert len(errors) == 1 and STALE_EDIT in errors[0].messages
    patient.refresh_from_db()
    assert patient.version == version + 1
    assert patient.phone == results[0].phone


@pytest.mark.django_db
def test_the_second_tab_is_refused_with_a_message(client, front_desk, patient):
    """Both tabs opened at the same version; the first save wins, the second is told why."""
    client.force_login(front_desk)
    url = reverse("patients:edit", args=[patient.pk])
    form = client.get(url).context["form"]
    data = {
        name: "" if value is None else value
        for name, value in ((n, form[n].value()) for n in form.fields)
        if not isinstance(value, bool) or value
    }
    data["home_location"] = patient.home_location_id
    first = {**data, "phone": "555-0101"}
    second = {**data, "phone": "555-0202"}
    assert client.post(url, first).status_code == 302
    response = client.post(url, second)
    assert response.status_code == 200
    assert STALE_EDIT in response.content.decode().replace("&#x27;", "'")
    patient.refresh_from_db()
    assert patient.phone == "555-0101"
