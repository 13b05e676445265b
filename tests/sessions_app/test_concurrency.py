"""Races on PostgreSQL: simultaneous bookings and phase advances leave exactly one winner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sessions_app.models import PhaseTransition, Session
from sessions_app.services.phases import session_advance_phase
from tests import factories as f
from tests.races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_bookings_of_the_same_room_and_guide_leave_one_session(
    room, guide, clinician, front_desk, location
):
    first, second = f.make_patient(location), f.make_patient(location)
    starts_at = f.at(2)

    def book(patient):
        return lambda: f.book(
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
            starts_at=starts_at,
        )

    results, errors = race([book(first), book(second)])

    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert set(errors[0].message_dict) == {"room", "lead_guide", "clinician"}
    assert Session.objects.count() == 1


def test_twenty_simultaneous_bookings_leave_one_session(
    room, guide, clinician, front_desk, location
):
    patients = [f.make_patient(location) for _ in range(20)]
    starts_at = f.at(3)

    def book(patient):
        return lambda: f.book(
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
            starts_at=starts_at,
        )

    results, errors = race([book(p) for p in patients])

    assert len(results) == 1
    assert len(errors) == 19
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert Session.objects.filter(starts_at=starts_at).count() == 1


def test_two_bookings_of_one_patient_in_different_rooms_leave_one_session(
    patient, guide, other_guide, clinician, other_clinician, front_desk, location
):
    starts_at = f.at(4)
    rooms = [f.make_room(location), f.make_room(location)]
    teams = [(guide, clinician), (other_guide, other_clinician)]

    def book(room, team):
        return lambda: f.book(
            patients=[patient],
            room=room,
            guide=team[0],
            clinician=team[1],
            actor=front_desk,
            starts_at=starts_at,
        )

    results, errors = race([book(r, t) for r, t in zip(rooms, teams, strict=True)])

    assert len(results) == 1
    assert [set(e.message_dict) for e in errors] == [{"patients"}]
    assert Session.objects.count() == 1


def test_two_clinicians_advancing_at_once_log_one_transition(
    patient, room, guide, clinician, other_clinician, front_desk
):
    session = f.book(
        patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk
    )
    f.start_and_check_in(session, clinician)
    f.record_pre_dose_vitals(session, clinician)

    def advance(actor):
        return lambda: session_advance_phase(
            session=session, actor=actor, expected_phase=Session.Phase.PREPARATION
        )

    results, errors = race([advance(clinician), advance(other_clinician)])

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert PhaseTransition.objects.filter(session=session, to_phase="medication").count() == 1
    session.refresh_from_db()
    assert session.phase == Session.Phase.MEDICATION


def test_the_exclusion_constraint_refuses_an_overlapping_raw_insert(
    patient, room, guide, other_guide, clinician, other_clinician, front_desk
):
    existing = f.book(
        patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk
    )
    overlapping = {
        "service_type": "guided",
        "route": "im",
        "location": room.location,
        "room": room,
        "starts_at": existing.starts_at + timedelta(minutes=30),
        "ends_at": existing.ends_at + timedelta(minutes=30),
        "lead_guide": other_guide,
        "clinician": other_clinician,
        "booked_by": front_desk,
    }
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Session.objects.create(**overlapping)
    assert "sessions_app_session_room_no_overlap" in str(caught.value)

    # The same raw insert is fine once the existing session is cancelled.
    Session.objects.filter(pk=existing.pk).update(status="cancelled", cancel_reason="Ill")
    assert Session.objects.create(**overlapping).pk


@pytest.mark.parametrize(
    ("field", "constraint"),
    [
        ("lead_guide", "sessions_app_session_lead_guide_no_overlap"),
        ("clinician", "sessions_app_session_clinician_no_overlap"),
    ],
)
def test_the_exclusion_constraint_refuses_a_person_in_two_places(
    patient, room, guide, clinician, front_desk, location, field, constraint
):
    existing = f.book(
        patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk
    )
    fields = {
        "service_type": "guided",
        "route": "im",
        "location": location,
        "room": f.make_room(location),
        "starts_at": existing.starts_at,
        "ends_at": existing.ends_at,
        "lead_guide": f.make_user(f.Role.GUIDE) if field != "lead_guide" else guide,
        "clinician": f.make_user(f.Role.CLINICIAN) if field != "clinician" else clinician,
        "booked_by": front_desk,
    }
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Session.objects.create(**fields)
    assert constraint in str(caught.value)
