"""Booking rules: the service-type table, eligibility, roles, conflicts, series, cancelling."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from sessions_app.models import Participant, Session
from sessions_app.rules import Route, ServiceType
from sessions_app.selectors import PATIENT_BUSY, PERSON_BUSY, ROOM_TAKEN, session_when
from sessions_app.services import booking
from sessions_app.services.booking import (
    participant_check_in,
    participant_mark_no_show,
    session_cancel,
    session_mark_no_show,
    session_reschedule,
    sessions_book_series,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(guide, clinician, front_desk):
    return {"guide": guide, "clinician": clinician, "actor": front_desk}


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.message_dict


def count_message(service_type: str, count: str, given: int) -> str:
    return booking.WRONG_PATIENT_COUNT.format(
        service=ServiceType(service_type).label, count=count, given=given
    )


# --- The service-type table -----------------------------------------------------------------


def test_it_books_a_guided_session_for_one_patient(staff, patient, room):
    session = f.book(patients=[patient], room=room, **staff)

    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    assert session.phase == Session.Phase.PREPARATION
    assert session.route == Route.IM
    assert session.location_id == room.location_id
    assert session.booked_by == staff["actor"]
    assert [p.patient for p in session.participants.all()] == [patient]
    assert session.participants.get().attendance == Participant.Attendance.EXPECTED


@pytest.mark.parametrize(
    ("service_type", "route", "count", "too_few", "too_many"),
    [
        (ServiceType.GUIDED, None, "1", 0, 2),
        (ServiceType.SEMI_GUIDED, Route.IM, "1", 0, 2),
        (ServiceType.IV_INFUSION, None, "1", 0, 2),
        (ServiceType.COUPLES, None, "exactly 2", 1, 3),
        (ServiceType.GROUP, None, "2 to 6", 1, 7),
    ],
)
def test_it_refuses_the_wrong_number_of_patients(
    staff, group_room, location, service_type, route, count, too_few, too_many
):
    patients = [f.make_patient(location) for _ in range(too_many)]
    for given in (too_few, too_many):
        errors = refused(
            f.book,
            service_type=service_type,
            route=route,
            patients=patients[:given],
            room=group_room,
            **staff,
        )
        assert errors["patients"] == [count_message(service_type, count, given)]
    assert not Session.objects.exists()


def test_it_refuses_a_second_patient_in_a_spravato_session(staff, location, group_room):
    patients = [f.make_spravato_patient(location) for _ in range(2)]
    errors = refused(
        f.book, service_type=ServiceType.SPRAVATO, patients=patients, room=group_room, **staff
    )
    assert errors["patients"] == [count_message(ServiceType.SPRAVATO, "1", 2)]


def test_it_books_a_couples_session_for_exactly_two(staff, location, group_room):
    partners = [f.make_patient(location) for _ in range(2)]
    session = f.book(service_type=ServiceType.COUPLES, patients=partners, room=group_room, **staff)
    assert session.participants.count() == 2


def test_it_books_a_group_of_six(staff, location, group_room):
    patients = [f.make_patient(location) for _ in range(6)]
    session = f.book(service_type=ServiceType.GROUP, patients=patients, room=group_room, **staff)
    assert session.participants.count() == 6


def test_it_refuses_a_seventh_patient(staff, location, group_room):
    patients = [f.make_patient(location) for _ in range(7)]
    errors = refused(
        f.book, service_type=ServiceType.GROUP, patients=patients, room=group_room, **staff
    )
    assert errors["patients"] == [count_message(ServiceType.GROUP, "2 to 6", 7)]
    assert not Session.objects.exists()


def test_it_never_books_a_group_above_the_rooms_capacity(staff, location):
    small = f.make_room(location, capacity=3, name="Fern")
    patients = [f.make_patient(location) for _ in range(4)]
    errors = refused(f.book, service_type=ServiceType.GROUP, patients=patients, room=small, **staff)
    assert errors == {"room": [booking.OVER_ROOM_CAPACITY.format(room="Fern", capacity=3, given=4)]}


def test_a_group_can_fill_the_room_exactly(staff, location):
    small = f.make_room(location, capacity=3, name="Fern")
    patients = [f.make_patient(location) for _ in range(3)]
    session = f.book(service_type=ServiceType.GROUP, patients=patients, room=small, **staff)
    assert session.participants.count() == 3


def test_it_refuses_the_same_patient_twice(staff, patient, group_room):
    errors = refused(
        f.book,
        service_type=ServiceType.COUPLES,
        patients=[patient, patient],
        room=group_room,
        **staff,
    )
    assert booking.DUPLICATE_PATIENT in errors["patients"]


def test_it_refuses_a_room_that_is_not_in_use(staff, patient, room):
    room.is_active = False
    room.save()
    errors = refused(f.book, patients=[patient], room=room, **staff)
    assert errors == {"room": [booking.ROOM_INACTIVE.format(room=room.name)]}


# --- Routes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service_type", "route", "allowed"),
    [
        (ServiceType.GUIDED, Route.IV, "Intramuscular (IM)"),
        (ServiceType.IV_INFUSION, Route.IM, "Intravenous (IV)"),
        (ServiceType.SEMI_GUIDED, Route.INTRANASAL, "Intramuscular (IM), Intravenous (IV)"),
        (ServiceType.SPRAVATO, Route.IM, "Intranasal"),
    ],
)
def test_it_refuses_a_route_the_service_type_does_not_allow(
    staff, location, room, service_type, route, allowed
):
    patient = f.make_spravato_patient(location)
    errors = refused(
        f.book, service_type=service_type, route=route, patients=[patient], room=room, **staff
    )
    assert errors == {
        "route": [
            booking.ROUTE_NOT_ALLOWED.format(
                service=ServiceType(service_type).label, allowed=allowed, route=route
            )
        ]
    }


def test_semi_guided_needs_a_chosen_route(staff, patient, room):
    errors = refused(
        f.book, service_type=ServiceType.SEMI_GUIDED, patients=[patient], room=room, **staff
    )
    assert errors == {
        "route": [booking.ROUTE_REQUIRED.format(allowed="Intramuscular (IM), Intravenous (IV)")]
    }


@pytest.mark.parametrize("route", [Route.IM, Route.IV])
def test_semi_guided_allows_im_or_iv(staff, patient, room, route):
    session = f.book(
        service_type=ServiceType.SEMI_GUIDED, route=route, patients=[patient], room=room, **staff
    )
    assert session.route == route


def test_a_single_route_service_gets_its_route_without_asking(staff, spravato_patient, room):
    session = f.book(
        service_type=ServiceType.SPRAVATO, patients=[spravato_patient], room=room, **staff
    )
    assert session.route == Route.INTRANASAL


# --- Eligibility ----------------------------------------------------------------------------


def test_it_refuses_an_inactive_patient(staff, patient, room):
    patient.is_active = False
    patient.save()
    errors = refused(f.book, patients=[patient], room=room, **staff)
    assert errors == {"patients": [booking.PATIENT_INACTIVE.format(patient="Ana Rivera")]}


def test_it_refuses_spravato_without_a_recorded_rems_enrolment(staff, patient, room):
    errors = refused(
        f.book, service_type=ServiceType.SPRAVATO, patients=[patient], room=room, **staff
    )
    assert errors == {"patients": [booking.NOT_REMS_ENROLLED.format(patient="Ana Rivera")]}
    assert not Session.objects.exists()


def test_it_books_spravato_for_an_enrolled_patient(staff, spravato_patient, room):
    session = f.book(
        service_type=ServiceType.SPRAVATO, patients=[spravato_patient], room=room, **staff
    )
    assert session.is_spravato


def test_the_rems_switch_turns_the_enrolment_check_off(settings, staff, patient, room):
    settings.REMS = {**settings.REMS, "REQUIRE_ENROLMENT_TO_BOOK": False}
    session = f.book(service_type=ServiceType.SPRAVATO, patients=[patient], room=room, **staff)
    assert session.participants.get().patient == patient


def test_rems_enrolment_is_not_needed_for_ketamine(staff, patient, room):
    assert not patient.is_rems_enrolled
    assert f.book(service_type=ServiceType.GUIDED, patients=[patient], room=room, **staff)


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("has_aneurysmal_vascular_disease", "aneurysmal vascular disease"),
        ("has_arteriovenous_malformation", "arteriovenous malformation"),
        ("has_intracerebral_hemorrhage_history", "history of intracerebral haemorrhage"),
    ],
)
def test_it_refuses_spravato_for_a_contraindicated_patient(staff, location, room, field, reason):
    patient = f.make_spravato_patient(location, first_name="Kim", last_name="Lee", **{field: True})
    errors = refused(
        f.book, service_type=ServiceType.SPRAVATO, patients=[patient], room=room, **staff
    )
    assert errors == {
        "patients": [booking.SPRAVATO_CONTRAINDICATED.format(patient="Kim Lee", reasons=reason)]
    }


def test_an_esketamine_contraindication_does_not_stop_ketamine(staff, location, room):
    patient = f.make_patient(location, has_arteriovenous_malformation=True)
    assert f.book(service_type=ServiceType.GUIDED, patients=[patient], room=room, **staff)


@pytest.mark.parametrize("service_type", [ServiceType.GUIDED, ServiceType.SPRAVATO])
def test_it_refuses_a_patient_hypersensitive_to_ketamine(staff, location, room, service_type):
    patient = f.make_spravato_patient(
        location, first_name="Kim", last_name="Lee", has_ketamine_hypersensitivity=True
    )
    errors = refused(f.book, service_type=service_type, patients=[patient], room=room, **staff)
    # Reported once, not again as an esketamine contraindication.
    assert errors == {"patients": [booking.KETAMINE_HYPERSENSITIVE.format(patient="Kim Lee")]}


# --- Roles ----------------------------------------------------------------------------------


def test_the_lead_guide_must_be_a_guide(staff, patient, room, other_clinician):
    errors = refused(f.book, patients=[patient], room=room, **{**staff, "guide": other_clinician})
    assert errors == {"lead_guide": [booking.NOT_A_GUIDE.format(user=other_clinician)]}


def test_the_clinician_must_be_a_clinician(staff, patient, room, other_guide):
    errors = refused(f.book, patients=[patient], room=room, **{**staff, "clinician": other_guide})
    assert errors == {"clinician": [booking.NOT_A_CLINICIAN.format(user=other_guide)]}


def test_the_co_guide_must_be_a_guide(staff, patient, room, front_desk):
    errors = refused(f.book, patients=[patient], room=room, co_guide=front_desk, **staff)
    assert errors == {"co_guide": [booking.NOT_A_GUIDE.format(user=front_desk)]}


def test_the_co_guide_must_differ_from_the_lead_guide(staff, patient, room, guide):
    errors = refused(f.book, patients=[patient], room=room, co_guide=guide, **staff)
    assert errors == {"co_guide": [booking.SAME_GUIDE_TWICE]}


def test_a_person_holding_both_roles_can_lead_and_dose(patient, room, front_desk, location):
    both = f.make_user(Role.GUIDE, Role.CLINICIAN, locations=[location])
    session = f.book(patients=[patient], room=room, guide=both, clinician=both, actor=front_desk)
    assert session.lead_guide == session.clinician == both


# --- Times ----------------------------------------------------------------------------------


def test_it_refuses_a_session_that_ends_before_it_starts(staff, patient, room):
    errors = refused(f.book, patients=[patient], room=room, minutes=0, **staff)
    assert errors == {"ends_at": [booking.ENDS_BEFORE_START]}


def test_it_refuses_a_session_longer_than_12_hours(staff, patient, room):
    errors = refused(f.book, patients=[patient], room=room, minutes=12 * 60 + 15, **staff)
    assert errors == {"ends_at": [booking.TOO_LONG]}


def test_it_refuses_a_new_session_in_the_past(staff, patient, room):
    errors = refused(f.book, patients=[patient], room=room, starts_at=f.at(-2), **staff)
    assert errors == {"starts_at": [booking.IN_THE_PAST]}


def test_history_can_be_imported_in_the_past(staff, patient, room):
    assert f.book(patients=[patient], room=room, starts_at=f.at(-48), allow_past=True, **staff)


# --- Conflicts ------------------------------------------------------------------------------


@pytest.fixture
def existing(staff, patient, room):
    """A guided session from at(1) to at(1) + 2 hours."""
    return f.book(patients=[patient], room=room, starts_at=f.at(1), **staff)


def test_it_refuses_the_same_guide_in_overlapping_sessions(
    existing, staff, location, other_clinician
):
    other_room = f.make_room(location)
    errors = refused(
        f.book,
        patients=[f.make_patient(location)],
        room=other_room,
        starts_at=f.at(2),
        **{**staff, "clinician": other_clinician},
    )
    assert errors == {
        "lead_guide": [PERSON_BUSY.format(user=staff["guide"], when=session_when(existing))]
    }
    assert Session.objects.count() == 1


def test_it_refuses_a_guide_who_is_co_guide_elsewhere(
    staff, patient, room, location, other_guide, other_clinician
):
    first = f.book(patients=[patient], room=room, co_guide=other_guide, **staff)
    errors = refused(
        f.book,
        patients=[f.make_patient(location)],
        room=f.make_room(location),
        guide=other_guide,
        clinician=other_clinician,
        actor=staff["actor"],
    )
    assert errors == {
        "lead_guide": [PERSON_BUSY.format(user=other_guide, when=session_when(first))]
    }


def test_it_refuses_a_co_guide_who_is_busy(existing, staff, location, other_guide, other_clinician):
    errors = refused(
        f.book,
        patients=[f.make_patient(location)],
        room=f.make_room(location),
        guide=other_guide,
        co_guide=staff["guide"],
        clinician=other_clinician,
        actor=staff["actor"],
    )
    assert errors == {
        "co_guide": [PERSON_BUSY.format(user=staff["guide"], when=session_when(existing))]
    }


def test_it_refuses_the_same_clinician_in_overlapping_sessions(
    existing, staff, location, other_guide
):
    errors = refused(
        f.book,
        patients=[f.make_patient(location)],
        room=f.make_room(location),
        starts_at=f.at(1.5),
        **{**staff, "guide": other_guide},
    )
    assert errors == {
        "clinician": [PERSON_BUSY.format(user=staff["clinician"], when=session_when(existing))]
    }


def test_it_refuses_the_same_room_in_overlapping_sessions(
    existing, staff, location, room, other_guide, other_clinician
):
    errors = refused(
        f.book,
        patients=[f.make_patient(location)],
        room=room,
        starts_at=f.at(0.5),
        guide=other_guide,
        clinician=other_clinician,
        actor=staff["actor"],
    )
    assert errors == {
        "room": [
            ROOM_TAKEN.format(
                room="Willow", when=session_when(existing), service="Guided (1:1, IM)"
            )
        ]
    }


def test_it_refuses_the_same_patient_in_overlapping_sessions(
    existing, staff, location, patient, other_guide, other_clinician
):
    errors = refused(
        f.book,
        patients=[patient],
        room=f.make_room(location),
        starts_at=f.at(2.75),
        guide=other_guide,
        clinician=other_clinician,
        actor=staff["actor"],
    )
    assert errors == {
        "patients": [PATIENT_BUSY.format(patient="Ana Rivera", when=session_when(existing))]
    }


def test_it_names_every_conflict_at_once(existing, staff, patient, room):
    errors = refused(f.book, patients=[patient], room=room, starts_at=f.at(1), **staff)
    assert set(errors) == {"room", "lead_guide", "clinician", "patients"}


def test_back_to_back_sessions_do_not_conflict(existing, staff, location, room):
    later = f.book(patients=[f.make_patient(location)], room=room, starts_at=f.at(3), **staff)
    assert later.starts_at == existing.ends_at


@pytest.mark.parametrize("how", ["cancelled", "no_show"])
def test_a_cancelled_or_no_show_session_does_not_block(existing, staff, patient, room, how):
    if how == "cancelled":
        session_cancel(session=existing, reason="Patient unwell", actor=staff["actor"])
    else:
        session_mark_no_show(session=existing, actor=staff["actor"])
    again = f.book(patients=[patient], room=room, starts_at=f.at(1), **staff)
    assert again.pk != existing.pk
    assert Session.objects.filter(starts_at=f.at(1)).count() == 2


def test_a_patient_marked_no_show_in_a_group_is_free_for_another_session(
    staff, location, group_room, other_guide, other_clinician
):
    patients = [f.make_patient(location) for _ in range(3)]
    group = f.book(service_type=ServiceType.GROUP, patients=patients, room=group_room, **staff)
    participant_mark_no_show(
        participant=group.participants.get(patient=patients[0]), actor=staff["actor"]
    )
    assert f.book(
        patients=[patients[0]],
        room=f.make_room(location),
        guide=other_guide,
        clinician=other_clinician,
        actor=staff["actor"],
    )


# --- Rescheduling ---------------------------------------------------------------------------


def test_reschedule_does_not_conflict_with_itself(existing, staff):
    moved = session_reschedule(
        session=existing,
        starts_at=f.at(2),
        ends_at=f.at(4),
        actor=staff["actor"],
    )
    moved.refresh_from_db()
    assert (moved.starts_at, moved.ends_at) == (f.at(2), f.at(4))


def test_reschedule_refuses_a_slot_taken_by_another_session(existing, staff, location, room):
    other = f.book(patients=[f.make_patient(location)], room=room, starts_at=f.at(5), **staff)
    errors = refused(
        session_reschedule,
        session=existing,
        starts_at=f.at(4),
        ends_at=f.at(6),
        actor=staff["actor"],
    )
    when = session_when(other)
    assert errors["room"] == [
        ROOM_TAKEN.format(room="Willow", when=when, service=other.get_service_type_display())
    ]
    assert errors["lead_guide"] == [PERSON_BUSY.format(user=staff["guide"], when=when)]
    existing.refresh_from_db()
    assert existing.starts_at == f.at(1)


def test_reschedule_checks_the_patients_other_sessions(
    existing, staff, location, patient, other_guide, other_clinician
):
    elsewhere = f.book(
        patients=[patient],
        room=f.make_room(location),
        starts_at=f.at(5),
        guide=other_guide,
        clinician=other_clinician,
        actor=staff["actor"],
    )
    errors = refused(
        session_reschedule,
        session=existing,
        starts_at=f.at(5),
        ends_at=f.at(7),
        actor=staff["actor"],
    )
    assert errors == {
        "patients": [PATIENT_BUSY.format(patient="Ana Rivera", when=session_when(elsewhere))],
        # existing keeps its guide, clinician and room, which `elsewhere` does not use.
    }


def test_only_a_scheduled_session_can_be_moved(existing, staff):
    session_cancel(session=existing, reason="Unwell", actor=staff["actor"])
    with pytest.raises(ValidationError) as caught:
        session_reschedule(
            session=existing, starts_at=f.at(3), ends_at=f.at(5), actor=staff["actor"]
        )
    assert caught.value.messages == [booking.NOT_RESCHEDULABLE]


# --- Series ---------------------------------------------------------------------------------


def series(staff, patient, room, **extra):
    return sessions_book_series(
        count=6,
        every_days=(3, 4),
        first_starts_at=f.at(24),
        duration=timedelta(hours=2),
        service_type=ServiceType.IV_INFUSION,
        patients=[patient],
        room=room,
        lead_guide=staff["guide"],
        clinician=staff["clinician"],
        actor=staff["actor"],
        **extra,
    )


def test_a_series_books_independent_sessions(staff, patient, room):
    sessions = series(staff, patient, room)

    assert len(sessions) == 6
    assert Session.objects.count() == 6
    gaps = [(b.starts_at - a.starts_at).days for a, b in itertools.pairwise(sessions)]
    assert gaps == [3, 4, 3, 4, 3]
    session_cancel(session=sessions[2], reason="Holiday", actor=staff["actor"])
    statuses = list(Session.objects.order_by("starts_at").values_list("status", flat=True))
    assert statuses == [
        "scheduled",
        "scheduled",
        "cancelled",
        "scheduled",
        "scheduled",
        "scheduled",
    ]


def test_a_series_is_all_or_nothing(staff, patient, room, location, other_guide, other_clinician):
    blocker = f.book(
        patients=[f.make_patient(location)],
        room=room,
        starts_at=f.at(24) + timedelta(days=7),  # the third occurrence
        guide=other_guide,
        clinician=other_clinician,
        actor=staff["actor"],
    )
    with pytest.raises(ValidationError) as caught:
        series(staff, patient, room)

    assert list(Session.objects.all()) == [blocker]
    assert not Participant.objects.filter(patient=patient).exists()
    message = caught.value.message_dict["room"][0]
    assert message.startswith("Session 3 (")
    assert message.endswith(
        ROOM_TAKEN.format(room="Willow", when=session_when(blocker), service="Guided (1:1, IM)")
    )


# --- Cancel, no-show, check-in --------------------------------------------------------------


def test_cancel_needs_a_reason(existing, staff):
    errors = refused(session_cancel, session=existing, reason="  ", actor=staff["actor"])
    assert errors == {"reason": [booking.CANCEL_REASON_REQUIRED]}
    existing.refresh_from_db()
    assert existing.status == Session.Status.SCHEDULED


def test_cancel_stores_the_reason_and_time(existing, staff):
    session_cancel(session=existing, reason=" Snow storm ", actor=staff["actor"])
    existing.refresh_from_db()
    assert existing.status == Session.Status.CANCELLED
    assert existing.cancel_reason == "Snow storm"
    assert existing.cancelled_at is not None


def test_a_session_can_be_cancelled_during_preparation(existing, staff, clinician):
    f.start_and_check_in(existing, clinician)
    session_cancel(session=existing, reason="Patient anxious", actor=clinician)
    existing.refresh_from_db()
    assert existing.status == Session.Status.CANCELLED


def test_it_refuses_to_cancel_once_medication_started(existing, clinician):
    f.to_medication(existing, clinician)
    with pytest.raises(ValidationError) as caught:
        session_cancel(session=existing, reason="Changed mind", actor=clinician)
    assert caught.value.messages == [booking.NOT_CANCELLABLE]
    existing.refresh_from_db()
    assert existing.status == Session.Status.IN_PROGRESS


def test_no_show_only_before_the_session_starts(existing, staff, clinician):
    f.start_and_check_in(existing, clinician)
    with pytest.raises(ValidationError) as caught:
        session_mark_no_show(session=existing, actor=staff["actor"])
    assert caught.value.messages == [booking.NO_SHOW_ONLY_BEFORE_START]


def test_no_show_marks_every_participant(staff, location, group_room):
    patients = [f.make_patient(location) for _ in range(2)]
    session = f.book(service_type=ServiceType.COUPLES, patients=patients, room=group_room, **staff)
    session_mark_no_show(session=session, actor=staff["actor"])
    session.refresh_from_db()
    assert session.status == Session.Status.NO_SHOW
    assert set(session.participants.values_list("attendance", flat=True)) == {"no_show"}


def test_check_in_closes_when_medication_starts(existing, clinician):
    f.to_medication(existing, clinician)
    with pytest.raises(ValidationError) as caught:
        participant_check_in(participant=existing.participants.get(), actor=clinician)
    assert caught.value.messages == [booking.CHECK_IN_CLOSED]


def test_rescheduling_can_remove_the_co_guide(
    front_desk, guide, other_guide, clinician, patient, room
):
    from sessions_app.services.booking import session_reschedule

    session = f.book(
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
        co_guide=other_guide,
    )
    session_reschedule(
        session=session,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        actor=front_desk,
        co_guide=None,
    )
    session.refresh_from_db()
    assert session.co_guide is None
    assert session.lead_guide == guide
