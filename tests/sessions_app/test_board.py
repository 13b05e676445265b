"""The live monitoring board: who sees it, what it shows per participant, constant queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from sessions_app.models import Session
from sessions_app.rules import ServiceType
from sessions_app.selectors import OVERDUE, board_rows, next_vitals_due, with_board_data
from sessions_app.services import clinical
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
BOARD = reverse("sessions_app:board")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(service_type, patients, room, guide, clinician, actor, hours=0.0) -> Session:
    return f.book(
        service_type=service_type,
        patients=patients,
        room=room,
        guide=guide,
        clinician=clinician,
        actor=actor,
        starts_at=f.at(hours),
    )


def dosed_iv(patient, room, guide, clinician, front_desk) -> Session:
    session = book(ServiceType.IV_INFUSION, [patient], room, guide, clinician, front_desk)
    f.to_medication(session, clinician)
    clinical.dose_record(
        participant=session.participants.get(),
        actor=clinician,
        dose_mg=Decimal("35"),
        weight_kg=Decimal("70"),
        lot_number="L",
        infusion_minutes=40,
    )
    return session


def due(session: Session):
    session = with_board_data(Session.objects.filter(pk=session.pk)).get()
    participant = session.participants.all()[0]
    return next_vitals_due(participant, session, now=datetime.now(tz=UTC))


# --- The cadence -------------------------------------------------------------------------------


def test_iv_vitals_are_due_every_10_minutes_during_the_infusion(
    patient, room, guide, clinician, front_desk, clock
):
    session = dosed_iv(patient, room, guide, clinician, front_desk)
    assert due(session).due_at == NOW + timedelta(minutes=10)
    clock.shift(timedelta(minutes=11))
    late = due(session)
    assert late.overdue and late.label == OVERDUE and late.minutes_late == 1


def test_iv_vitals_are_due_every_15_minutes_after_the_infusion(
    patient, room, guide, clinician, front_desk, clock
):
    session = dosed_iv(patient, room, guide, clinician, front_desk)
    clock.shift(timedelta(minutes=41))
    clinical.vitals_record(
        participant=session.participants.get(), actor=clinician, **f.NORMAL_VITALS
    )
    assert due(session).due_at == NOW + timedelta(minutes=56)
    assert not due(session).overdue


def test_im_vitals_are_due_15_minutes_after_the_dose(
    patient, room, guide, clinician, front_desk, clock
):
    session = book(ServiceType.GUIDED, [patient], room, guide, clinician, front_desk)
    f.to_medication(session, clinician)
    f.record_ketamine_doses(session, clinician)
    assert due(session).due_at == NOW + timedelta(minutes=15)


def test_spravato_shows_the_40_minute_bp_check_and_the_2_hour_countdown(
    spravato_patient, room, guide, clinician, front_desk, clock
):
    session = book(ServiceType.SPRAVATO, [spravato_patient], room, guide, clinician, front_desk)
    f.to_medication(session, clinician)
    participant = session.participants.get()
    clinical.spravato_device_record(participant=participant, actor=clinician, lot_number="S")
    clock.shift(timedelta(minutes=20))
    rows = board_rows(with_board_data(Session.objects.filter(pk=session.pk)))
    entry = rows[0].participants[0]
    assert entry.spravato_bp.label == "due"
    assert entry.spravato_bp.due_at == NOW + timedelta(minutes=40)
    assert entry.monitoring_minutes_left == 100
    assert rows[0].minutes_since_dose == 20

    clock.shift(timedelta(minutes=45))
    entry = board_rows(with_board_data(Session.objects.filter(pk=session.pk)))[0].participants[0]
    assert entry.spravato_bp.overdue
    assert entry.vitals_due.overdue


# --- The page ----------------------------------------------------------------------------------


def test_a_clinician_sees_an_overdue_check_in_words_and_the_alerts(
    client, patient, room, guide, clinician, front_desk, clock
):
    session = dosed_iv(patient, room, guide, clinician, front_desk)
    session.refresh_from_db()
    clinical.adverse_event_record(
        participant=session.participants.get(),
        actor=clinician,
        kind="vomiting",
        severity="severe",
        serious=True,
    )
    clock.shift(timedelta(minutes=25))
    client.force_login(clinician)
    response = client.get(BOARD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "IV infusion" in body
    assert "overdue" in body
    assert "25 min" in body
    assert "Serious adverse event: Vomiting" in body
    assert 'hx-trigger="every 30s"' in body
    assert 'http-equiv="refresh"' in body


def test_the_board_shows_only_sessions_in_progress(
    client, patient, room, guide, clinician, front_desk
):
    book(ServiceType.GUIDED, [patient], room, guide, clinician, front_desk, hours=2)
    client.force_login(clinician)
    response = client.get(BOARD)
    assert response.context["rows"] == []
    assert "No session in progress." in response.content.decode()


def test_an_htmx_refresh_gets_only_the_table(client, clinician):
    client.force_login(clinician)
    response = client.get(BOARD, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "<table" in body


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(BOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role_fixture", ["guide", "front_desk"])
def test_guides_and_the_front_desk_may_not_see_the_board(client, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(BOARD).status_code == 403


def test_a_clinician_cannot_pick_another_location(
    client, clinician, location, other_location, front_desk
):
    room = f.make_room(other_location)
    there = f.make_user(Role.CLINICIAN, locations=[other_location])
    session = book(
        ServiceType.GUIDED,
        [f.make_patient(other_location)],
        room,
        f.make_user(Role.GUIDE, locations=[other_location]),
        there,
        front_desk,
    )
    f.start_and_check_in(session, there)
    client.force_login(clinician)
    response = client.get(BOARD, {"location": other_location.pk})
    assert response.status_code == 200
    assert response.context["location"] == location
    assert response.context["rows"] == []


@pytest.mark.parametrize("value", ["abc", "-1", "999999", "1 OR 1=1", "", "x" * 5000])
def test_a_bad_location_parameter_falls_back_to_the_users_location(
    client, clinician, location, value
):
    client.force_login(clinician)
    response = client.get(BOARD, {"location": value})
    assert response.status_code == 200
    assert response.context["location"] == location


def test_an_administrator_may_pick_any_location(client, administrator, other_location, front_desk):
    room = f.make_room(other_location)
    there = f.make_user(Role.CLINICIAN, locations=[other_location])
    session = book(
        ServiceType.GUIDED,
        [f.make_patient(other_location)],
        room,
        f.make_user(Role.GUIDE, locations=[other_location]),
        there,
        front_desk,
    )
    f.start_and_check_in(session, there)
    client.force_login(administrator)
    response = client.get(BOARD, {"location": other_location.pk})
    assert [row.session for row in response.context["rows"]] == [session]


def test_the_board_runs_a_constant_number_of_queries(
    client, clinician, location, guide, other_guide, front_desk, django_assert_max_num_queries
):
    def running(n: int) -> None:
        for _ in range(n):
            room = f.make_room(location)
            session = book(
                ServiceType.IV_INFUSION,
                [f.make_patient(location)],
                room,
                f.make_user(Role.GUIDE, locations=[location]),
                f.make_user(Role.CLINICIAN, locations=[location]),
                front_desk,
            )
            f.to_medication(session, session.clinician)

    running(1)
    client.force_login(clinician)
    with django_assert_max_num_queries(20) as one:
        client.get(BOARD)
    running(4)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(BOARD)
    assert len(response.context["rows"]) == 5
