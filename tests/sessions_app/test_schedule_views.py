"""Schedule day and week views: blocks, free slots, filters, scope and a constant query count."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 08:00 in the clinic's time zone (America/New_York, UTC-5).
NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
DAY = reverse("sessions_app:schedule_day")
WEEK = reverse("sessions_app:schedule_week")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour, minute))


@pytest.fixture
def booked(front_desk, patient, room, guide, clinician):
    return f.book(
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=local(3, 10),
        minutes=120,
    )


def test_the_day_view_shows_the_session_and_free_slots_that_open_the_booking_form(
    client, front_desk, booked, room, location
):
    client.force_login(front_desk)
    response = client.get(DAY, {"date": "2026-03-03", "location": location.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ana R." in page and "Gale Guide" in page and "Guided (1:1, IM)" in page
    assert f"/sessions/new/?room={room.pk}&amp;start=2026-03-03T08%3A00" in page
    # Slots the session covers are not offered.
    assert "start=2026-03-03T10%3A00" not in page
    assert "start=2026-03-03T11%3A30" not in page
    assert "start=2026-03-03T12%3A00" in page


def test_rooms_are_columns_and_the_grid_follows_opening_hours(client, front_desk, room, group_room):
    client.force_login(front_desk)
    response = client.get(DAY, {"date": "2026-03-03"})
    assert [r.name for r in response.context["rooms"]] == ["Cedar", "Willow"]
    slots = [row["slot"] for row in response.context["rows"]]
    assert timezone.localtime(slots[0]).strftime("%H:%M") == "08:00"
    assert timezone.localtime(slots[-1]).strftime("%H:%M") == "17:30"


def test_a_session_outside_opening_hours_still_shows_and_stretches_the_grid(
    client, front_desk, patient, room, guide, clinician
):
    f.book(
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=local(3, 18, 30),
        minutes=90,
    )
    client.force_login(front_desk)
    response = client.get(DAY, {"date": "2026-03-03"})
    slots = [timezone.localtime(row["slot"]).strftime("%H:%M") for row in response.context["rows"]]
    assert slots[0] == "08:00"
    assert slots[-1] == "19:30"
    assert "Ana R." in response.content.decode()


def test_past_slots_are_not_offered_for_booking(client, front_desk, room):
    client.force_login(front_desk)
    page = client.get(DAY, {"date": "2026-03-01"}).content.decode()
    assert "/sessions/new/?room=" not in page


def test_guides_see_the_schedule_but_no_booking_links(client, guide, booked):
    client.force_login(guide)
    page = client.get(DAY, {"date": "2026-03-03"}).content.decode()
    assert "Ana R." in page
    assert "/sessions/new/?room=" not in page


def test_the_room_and_guide_filters_narrow_the_view(
    client, front_desk, booked, group_room, other_guide, clinician, location
):
    other = f.make_patient(location, first_name="Bo", last_name="Other")
    f.book(
        patients=[other],
        room=group_room,
        guide=other_guide,
        clinician=f.make_user(Role.CLINICIAN, locations=[location]),
        actor=front_desk,
        starts_at=local(3, 10),
    )
    client.force_login(front_desk)
    page = client.get(DAY, {"date": "2026-03-03", "guide": other_guide.pk}).content.decode()
    assert "Bo O." in page and "Ana R." not in page
    response = client.get(DAY, {"date": "2026-03-03", "room": group_room.pk})
    assert [r.name for r in response.context["rooms"]] == ["Cedar"]


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2026-02-30"},
        {"date": "<script>"},
        {"location": "abc", "room": "-1", "guide": "1 OR 1=1"},
        {"location": "99999999999999999999"},
        {"date": "0000-01-01"},
    ],
)
def test_bad_filters_fall_back_to_defaults(client, front_desk, room, params):
    client.force_login(front_desk)
    assert client.get(DAY, params).status_code == 200
    assert client.get(WEEK, params).status_code == 200


def test_another_locations_sessions_are_not_shown(
    client, front_desk, other_location, guide, clinician, location
):
    far_room = f.make_room(other_location, name="Far room")
    stranger = f.make_patient(other_location, first_name="Far", last_name="Away")
    f.book(
        patients=[stranger],
        room=far_room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=local(3, 10),
    )
    client.force_login(front_desk)
    response = client.get(DAY, {"date": "2026-03-03", "location": other_location.pk})
    assert response.context["filters"].location == location
    assert "Far A." not in response.content.decode()


def test_prev_and_next_move_by_a_day_and_a_week(client, front_desk, room, location):
    client.force_login(front_desk)
    day = client.get(DAY, {"date": "2026-03-03"}).context
    assert "date=2026-03-02" in day["prev_query"] and "date=2026-03-04" in day["next_query"]
    week = client.get(WEEK, {"date": "2026-03-04"}).context
    assert "date=2026-02-23" in week["prev_query"] and "date=2026-03-09" in week["next_query"]


def test_the_week_view_shows_sessions_and_free_time_per_room_and_day(
    client, front_desk, booked, room
):
    client.force_login(front_desk)
    response = client.get(WEEK, {"date": "2026-03-04"})
    page = response.content.decode()
    assert response.context["days"][0].isoformat() == "2026-03-02"
    assert "Ana R." in page
    assert "Free 08:00\u201310:00" in page and "Free 12:00\u201318:00" in page
    assert f"room={room.pk}&amp;start=2026-03-03T12%3A00" in page


def test_anonymous_users_go_to_login_and_roleless_users_get_403(client, location):
    for url in (DAY, WEEK):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(f.make_user(locations=[location]))
    assert client.get(DAY).status_code == 403
    assert client.get(WEEK).status_code == 403


def test_a_user_without_a_location_sees_a_message(client):
    desk = f.make_user(Role.FRONT_DESK)
    client.force_login(desk)
    assert "not assigned to a location" in client.get(DAY).content.decode()


@pytest.mark.parametrize("url", [DAY, WEEK])
def test_the_schedule_runs_a_constant_number_of_queries(
    client,
    front_desk,
    room,
    group_room,
    guide,
    other_guide,
    clinician,
    location,
    url,
    django_assert_max_num_queries,
):
    def add(day, hour, n_patients, lead):
        patients = [f.make_patient(location) for _ in range(n_patients)]
        f.book(
            service_type="group" if n_patients > 1 else "guided",
            patients=patients,
            room=group_room if n_patients > 1 else room,
            guide=lead,
            clinician=f.make_user(Role.CLINICIAN, locations=[location]),
            actor=front_desk,
            starts_at=local(day, hour),
            minutes=60,
        )

    add(3, 9, 1, guide)
    client.force_login(front_desk)
    client.get(url, {"date": "2026-03-03"})
    with django_assert_max_num_queries(12) as one:
        client.get(url, {"date": "2026-03-03"})
    for hour in (11, 13, 15):
        add(3, hour, 4, other_guide)
        add(4, hour, 1, guide)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url, {"date": "2026-03-03"})
    assert response.status_code == 200


def test_sessions_crossing_slots_are_drawn_once(client, front_desk, booked):
    client.force_login(front_desk)
    response = client.get(DAY, {"date": "2026-03-03"})
    blocks = [b for row in response.context["rows"] for c in row["cells"] for b in c["blocks"]]
    assert len(blocks) == 1
    continuing = [c for row in response.context["rows"] for c in row["cells"] if c["continuing"]]
    assert len(continuing) == 3  # 10:30, 11:00, 11:30


def test_cancelled_sessions_free_their_slot(client, front_desk, booked):
    from sessions_app.services.booking import session_cancel

    session_cancel(session=booked, reason="Patient ill", actor=front_desk)
    client.force_login(front_desk)
    page = client.get(DAY, {"date": "2026-03-03"}).content.decode()
    assert "Ana R." not in page
    assert "start=2026-03-03T10%3A00" in page
