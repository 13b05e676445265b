"""The dashboard opens on each role's work for today."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from sessions_app.services.booking import participant_check_in
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
HOME = reverse("dashboard")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def today(patient, room, guide, clinician, front_desk):
    return f.book(patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk)


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_front_desk_sees_todays_schedule_and_check_ins(client, front_desk, today):
    participant_check_in(participant=today.participants.get(), actor=front_desk)
    client.force_login(front_desk)
    response = client.get(HOME)
    assert response.status_code == 200
    assert response.context["sessions"] == [today]
    assert response.context["checkins"] == {"expected": 0, "checked_in": 1}
    assert "Today's schedule" in response.content.decode()
    assert "guide" not in response.context


def test_a_guide_sees_their_sessions_today_and_this_week(client, guide, other_guide, today):
    client.force_login(other_guide)
    assert client.get(HOME).context["guide"]["today_sessions"] == []
    client.force_login(guide)
    response = client.get(HOME)
    assert response.context["guide"]["today_sessions"] == [today]
    assert "My sessions today" in response.content.decode()
    assert "checkins" not in response.context


def test_a_clinician_sees_todays_sessions_and_the_board(client, clinician, today):
    f.start_and_check_in(today, clinician)
    client.force_login(clinician)
    response = client.get(HOME)
    body = response.content.decode()
    assert response.context["sessions"] == [today]
    assert reverse("sessions_app:board") in body
    assert "1 session in progress" in body


def test_a_clinician_elsewhere_does_not_see_the_session(client, other_location, today):
    elsewhere = f.make_user(Role.CLINICIAN, locations=[other_location])
    client.force_login(elsewhere)
    assert client.get(HOME).context["sessions"] == []


def test_an_administrator_sees_the_overview(client, administrator, clinician, today):
    f.start_and_check_in(today, clinician)
    client.force_login(administrator)
    response = client.get(HOME)
    overview = response.context["overview"]
    assert overview["in_progress_now"] == 1
    assert ("In progress", 1) in overview["by_status"]
    assert "Overview" in response.content.decode()


def test_the_dashboard_runs_a_constant_number_of_queries(
    client, front_desk, guide, clinician, location, group_room, django_assert_max_num_queries
):
    def group(hours: float) -> None:
        f.book(
            service_type="group",
            patients=[f.make_patient(location) for _ in range(3)],
            room=group_room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
            starts_at=f.at(hours),
        )

    group(1)
    client.force_login(front_desk)
    with django_assert_max_num_queries(20) as few:
        client.get(HOME)
    group(4)
    group(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(HOME)
