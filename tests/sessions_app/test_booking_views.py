"""Booking screens: service type first, the booking form and its errors next to the fields,
series, reschedule, cancel, no-show and check-in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from sessions_app.models import Participant, Session
from sessions_app.services.booking import (
    NOT_REMS_ENROLLED,
    WRONG_PATIENT_COUNT,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 08:00 in the clinic's time zone.
NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
BOOK = reverse("sessions_app:book")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour, minute))


def form_data(*, service_type, patients, room, guide, clinician, start="2026-03-03T10:00", **extra):
    data = {
        "service_type": service_type,
        "patients": [p.pk for p in patients],
        "room": room.pk,
        "lead_guide": guide.pk,
        "clinician": clinician.pk,
        "starts_at": start,
        "duration_minutes": 120,
        "route": {"iv_infusion": "iv", "spravato": "intranasal"}.get(service_type, "im"),
    }
    data.update(extra)
    return data


@pytest.fixture
def booked(front_desk, patient, room, guide, clinician):
    return f.book(
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=local(3, 10),
    )


# --- Step one and the form ------------------------------------------------------------------


def test_the_first_step_asks_for_the_service_type_and_keeps_the_slot(client, front_desk, room):
    client.force_login(front_desk)
    response = client.get(BOOK, {"room": room.pk, "start": "2026-03-03T10:00"})
    page = response.content.decode()
    assert response.context["step"] == 1
    assert "?service_type=group&amp;room=" in page and "start=2026-03-03T10%3A00" in page


def test_a_free_slot_prefills_room_and_start(client, front_desk, group_room):
    client.force_login(front_desk)
    response = client.get(
        BOOK, {"service_type": "group", "room": group_room.pk, "start": "2026-03-03T10:00"}
    )
    form = response.context["form"]
    assert form.initial["room"] == group_room.pk
    assert form.initial["starts_at"] == datetime(2026, 3, 3, 10, 0)
    assert form.initial["duration_minutes"] == 180
    page = response.content.decode()
    assert 'value="2026-03-03T10:00"' in page
    assert "Patients (2 to 6)" in page
    assert "multiple" in page


def test_a_single_patient_service_asks_for_one_patient_and_its_routes(client, front_desk):
    client.force_login(front_desk)
    response = client.get(BOOK, {"service_type": "semi_guided"})
    form = response.context["form"]
    assert form.fields["patients"].label == "Patient"
    assert [c[0] for c in form.fields["route"].choices] == ["im", "iv"]


def test_a_room_of_another_location_is_not_prefilled(client, front_desk, other_location):
    far = f.make_room(other_location)
    client.force_login(front_desk)
    response = client.get(BOOK, {"service_type": "guided", "room": far.pk, "start": "junk"})
    assert "room" not in response.context["form"].initial
    assert "starts_at" not in response.context["form"].initial


def test_the_front_desk_books_a_guided_session(client, front_desk, patient, room, guide, clinician):
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="guided", patients=[patient], room=room, guide=guide, clinician=clinician
        ),
    )
    session = Session.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("sessions_app:detail", args=[session.pk])
    assert session.starts_at == local(3, 10)
    assert session.ends_at == local(3, 12)
    assert session.booked_by == front_desk
    assert list(session.participants.values_list("patient", flat=True)) == [patient.pk]


def test_a_group_of_three_is_booked_and_a_group_of_seven_is_refused_next_to_the_field(
    client, front_desk, group_room, guide, clinician, location
):
    patients = [f.make_patient(location) for _ in range(7)]
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="group",
            patients=patients,
            room=group_room,
            guide=guide,
            clinician=clinician,
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    expected = WRONG_PATIENT_COUNT.format(service="Group", count="2 to 6", given=7)
    assert form.errors["patients"] == [expected]
    assert "Nothing was booked" in response.content.decode()
    assert not Session.objects.exists()

    response = client.post(
        BOOK,
        form_data(
            service_type="group",
            patients=patients[:3],
            room=group_room,
            guide=guide,
            clinician=clinician,
        ),
    )
    assert response.status_code == 302
    assert Session.objects.get().participants.count() == 3


def test_every_conflict_is_shown_next_to_its_field_and_nothing_is_saved(
    client, front_desk, booked, patient, room, guide, clinician
):
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="guided",
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            start="2026-03-03T11:00",
        ),
    )
    errors = response.context["form"].errors
    assert "is already booked" in errors["room"][0]
    assert "already in another session" in errors["lead_guide"][0]
    assert "already in another session" in errors["clinician"][0]
    assert "already has a session" in errors["patients"][0]
    assert Session.objects.count() == 1


def test_spravato_without_rems_enrolment_is_refused(
    client, front_desk, patient, room, guide, clinician
):
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="spravato",
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
        ),
    )
    assert response.context["form"].errors["patients"] == [
        NOT_REMS_ENROLLED.format(patient=patient.full_name)
    ]
    assert not Session.objects.exists()


def test_past_start_and_bad_duration_are_field_errors(
    client, front_desk, patient, room, guide, clinician
):
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="guided",
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            start="2026-03-01T10:00",
        ),
    )
    assert "cannot start in the past" in response.context["form"].errors["starts_at"][0]
    response = client.post(
        BOOK,
        form_data(
            service_type="guided",
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            duration_minutes=-5,
        ),
    )
    assert "duration_minutes" in response.context["form"].errors
    assert not Session.objects.exists()


def test_a_series_books_ordinary_sessions_twice_weekly(
    client, front_desk, patient, room, guide, clinician
):
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="iv_infusion",
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            repeat_pattern="3,4",
            repeat_count=4,
        ),
    )
    assert response.status_code == 302
    starts = [timezone.localtime(s.starts_at).date().day for s in Session.objects.all()]
    assert starts == [3, 6, 10, 13]


def test_a_series_with_one_conflict_books_nothing_and_names_the_date(
    client, front_desk, patient, room, guide, clinician, location
):
    other = f.make_patient(location)
    f.book(
        patients=[other],
        room=room,
        guide=f.make_user(Role.GUIDE, locations=[location]),
        clinician=f.make_user(Role.CLINICIAN, locations=[location]),
        actor=front_desk,
        starts_at=local(10, 10),
    )
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="guided",
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            repeat_pattern="7",
            repeat_count=3,
        ),
    )
    assert response.context["form"].errors["room"][0].startswith("Session 2 (Tue 10 Mar)")
    assert Session.objects.count() == 1


def test_a_series_needs_a_pattern(client, front_desk, patient, room, guide, clinician):
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="guided",
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            repeat_count=3,
            repeat_pattern="2; DROP",
        ),
    )
    assert "repeat_pattern" in response.context["form"].errors
    assert not Session.objects.exists()


def test_the_patients_preferred_guide_is_offered_first(
    client, front_desk, patient, guide, other_guide
):
    patient.preferred_guide = other_guide
    patient.save()
    client.force_login(front_desk)
    url = reverse("sessions_app:book_for_patient", args=[patient.pk])
    form = client.get(url, {"service_type": "guided"}).context["form"]
    choices = list(form.fields["lead_guide"].choices)
    assert choices[1][0].value == other_guide.pk
    assert "(preferred by the patient)" in choices[1][1]
    assert form.initial["lead_guide"] == other_guide.pk
    assert form.initial["patients"] == patient.pk


def test_a_course_of_another_patient_is_refused(
    client, front_desk, patient, room, guide, clinician, location
):
    from patients.services import course_create

    other = f.make_patient(location)
    course = course_create(
        patient=other,
        kind="induction",
        service_type="guided",
        planned_sessions=6,
        started_on=timezone.localdate(),
        actor=clinician,
    )
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="guided",
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            course=course.pk,
        ),
    )
    assert "course" in response.context["form"].errors
    assert not Session.objects.exists()


def test_a_course_links_the_participant(client, front_desk, patient, room, guide, clinician):
    from patients.services import course_create

    course = course_create(
        patient=patient,
        kind="induction",
        service_type="guided",
        planned_sessions=6,
        started_on=timezone.localdate(),
        actor=clinician,
    )
    client.force_login(front_desk)
    client.post(
        BOOK,
        form_data(
            service_type="guided",
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            course=course.pk,
        ),
    )
    assert Participant.objects.get().course == course


def test_booking_access(client, guide, clinician, front_desk, other_location):
    assert client.get(BOOK).status_code == 302
    for user in (guide, clinician):
        client.force_login(user)
        assert client.get(BOOK).status_code == 403
        assert client.post(BOOK, {"service_type": "guided"}).status_code == 403
    stranger = f.make_patient(other_location)
    client.force_login(front_desk)
    url = reverse("sessions_app:book_for_patient", args=[stranger.pk])
    assert client.get(url, {"service_type": "guided"}).status_code == 404


def test_a_patient_of_another_location_cannot_be_posted(
    client, front_desk, room, guide, clinician, other_location
):
    stranger = f.make_patient(other_location)
    client.force_login(front_desk)
    response = client.post(
        BOOK,
        form_data(
            service_type="guided", patients=[stranger], room=room, guide=guide, clinician=clinician
        ),
    )
    assert "patients" in response.context["form"].errors
    assert not Session.objects.exists()


# --- Reschedule ---------------------------------------------------------------------------


def _reschedule(session) -> str:
    return reverse("sessions_app:reschedule", args=[session.pk])


def test_a_session_is_moved(client, front_desk, booked, room, guide, clinician):
    client.force_login(front_desk)
    page = client.get(_reschedule(booked)).content.decode()
    assert 'value="2026-03-03T10:00"' in page
    response = client.post(
        _reschedule(booked),
        {
            "starts_at": "2026-03-04T14:00",
            "duration_minutes": 90,
            "room": room.pk,
            "lead_guide": guide.pk,
            "clinician": clinician.pk,
        },
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.starts_at == local(4, 14)
    assert booked.ends_at == local(4, 15, 30)


def test_a_move_into_a_conflict_is_refused_next_to_the_field(
    client, front_desk, booked, room, guide, clinician, location
):
    f.book(
        patients=[f.make_patient(location)],
        room=room,
        guide=f.make_user(Role.GUIDE, locations=[location]),
        clinician=f.make_user(Role.CLINICIAN, locations=[location]),
        actor=front_desk,
        starts_at=local(4, 14),
    )
    client.force_login(front_desk)
    response = client.post(
        _reschedule(booked),
        {
            "starts_at": "2026-03-04T14:30",
            "duration_minutes": 60,
            "room": room.pk,
            "lead_guide": guide.pk,
            "clinician": clinician.pk,
        },
    )
    assert "is already booked" in response.context["form"].errors["room"][0]
    booked.refresh_from_db()
    assert booked.starts_at == local(3, 10)


def test_reschedule_access(client, booked, clinician, front_desk, other_location, guide):
    client.force_login(clinician)
    assert client.get(_reschedule(booked)).status_code == 403
    far_room = f.make_room(other_location)
    far = f.book(
        patients=[f.make_patient(other_location)],
        room=far_room,
        guide=f.make_user(Role.GUIDE),
        clinician=f.make_user(Role.CLINICIAN),
        actor=front_desk,
        starts_at=local(3, 10),
    )
    client.force_login(front_desk)
    assert client.get(_reschedule(far)).status_code == 404
    client.logout()
    assert client.get(_reschedule(booked)).status_code == 302


# --- Cancel, no-show, check-in -------------------------------------------------------------


def test_a_session_is_cancelled_with_a_reason(client, front_desk, booked):
    client.force_login(front_desk)
    url = reverse("sessions_app:cancel", args=[booked.pk])
    response = client.post(url, {"reason": "Patient has the flu"})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Session.Status.CANCELLED
    assert booked.cancel_reason == "Patient has the flu"


def test_a_cancel_without_a_reason_shows_the_error_and_changes_nothing(client, front_desk, booked):
    client.force_login(front_desk)
    url = reverse("sessions_app:cancel", args=[booked.pk])
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert response.context["cancel_form"].errors["reason"]
    booked.refresh_from_db()
    assert booked.status == Session.Status.SCHEDULED


def test_cancel_returns_to_a_local_next_url_only(client, front_desk, booked):
    client.force_login(front_desk)
    url = reverse("sessions_app:cancel", args=[booked.pk])
    response = client.post(url, {"reason": "x", "next": "https://evil.example/"})
    assert response.url == reverse("sessions_app:detail", args=[booked.pk])


def test_a_whole_session_no_show(client, front_desk, booked):
    client.force_login(front_desk)
    url = reverse("sessions_app:no_show", args=[booked.pk])
    assert client.get(url).status_code == 405
    next_url = reverse("sessions_app:schedule_day")
    response = client.post(url, {"next": next_url})
    assert response.url == next_url
    booked.refresh_from_db()
    assert booked.status == Session.Status.NO_SHOW
    assert booked.participants.get().attendance == Participant.Attendance.NO_SHOW


def test_a_second_no_show_is_an_error_message_not_a_crash(client, front_desk, booked):
    client.force_login(front_desk)
    url = reverse("sessions_app:no_show", args=[booked.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "can be recorded only before the session starts" in response.content.decode()


def test_a_participant_is_checked_in_and_another_marked_no_show(
    client, front_desk, group_room, guide, clinician, location
):
    patients = [f.make_patient(location) for _ in range(3)]
    session = f.book(
        service_type="group",
        patients=patients,
        room=group_room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=local(3, 10),
    )
    first, second, _third = session.participants.order_by("pk")
    client.force_login(front_desk)
    assert (
        client.post(reverse("sessions_app:check_in", args=[session.pk, first.pk])).status_code
        == 302
    )
    client.post(reverse("sessions_app:participant_no_show", args=[session.pk, second.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.attendance == Participant.Attendance.CHECKED_IN
    assert first.checked_in_at == NOW
    assert second.attendance == Participant.Attendance.NO_SHOW


def test_check_in_scope_and_roles(client, front_desk, booked, guide, other_location):
    participant = booked.participants.get()
    url = reverse("sessions_app:check_in", args=[booked.pk, participant.pk])
    client.force_login(guide)
    assert client.post(url).status_code == 403
    far = f.book(
        patients=[f.make_patient(other_location)],
        room=f.make_room(other_location),
        guide=f.make_user(Role.GUIDE),
        clinician=f.make_user(Role.CLINICIAN),
        actor=front_desk,
        starts_at=local(3, 10),
    )
    client.force_login(front_desk)
    far_participant = far.participants.get()
    assert (
        client.post(reverse("sessions_app:check_in", args=[far.pk, far_participant.pk])).status_code
        == 404
    )
    # A participant id paired with the wrong session is 404 too.
    assert (
        client.post(
            reverse("sessions_app:check_in", args=[booked.pk, far_participant.pk])
        ).status_code
        == 404
    )
    far_participant.refresh_from_db()
    assert far_participant.attendance == Participant.Attendance.EXPECTED


def test_the_reschedule_page_includes_the_front_desk_actions(client, front_desk, booked):
    client.force_login(front_desk)
    page = client.get(_reschedule(booked)).content.decode()
    assert reverse("sessions_app:cancel", args=[booked.pk]) in page
    assert reverse("sessions_app:no_show", args=[booked.pk]) in page
    participant = booked.participants.get()
    assert reverse("sessions_app:check_in", args=[booked.pk, participant.pk]) in page
