"""Guides: "my sessions", and integration notes per participant with addenda."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.services import assessment_record
from sessions_app.models import IntegrationNote, NoteAddendum, Participant, Session
from sessions_app.rules import ServiceType
from sessions_app.services import clinical
from tests import factories as f

pytestmark = pytest.mark.django_db

# A Wednesday, 10:00 in the clinic's time zone.
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
MY_SESSIONS = reverse("sessions_app:my_sessions")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def couples(location, group_room, guide, clinician, front_desk):
    partners = [
        f.make_patient(location, first_name="Ann", last_name="Baker"),
        f.make_patient(location, first_name="Bob", last_name="Baker"),
    ]
    return f.book(
        service_type=ServiceType.COUPLES,
        patients=partners,
        room=group_room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
    )


def participants(session: Session) -> list[Participant]:
    return list(Participant.objects.filter(session=session).order_by("patient__first_name"))


def notes_url(participant: Participant) -> str:
    return reverse("sessions_app:notes", args=[participant.session_id, participant.pk])


def addendum_url(note: IntegrationNote) -> str:
    p = note.participant
    return reverse("sessions_app:note_addendum", args=[p.session_id, p.pk, note.pk])


# --- My sessions -------------------------------------------------------------------------------


def test_a_guide_sees_their_sessions_today_and_this_week(
    client, guide, other_guide, clinician, front_desk, patient, room, location
):
    today = f.book(
        patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk
    )
    friday = f.book(
        patients=[f.make_patient(location, first_name="Fay", last_name="Friday")],
        room=room,
        guide=other_guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=f.at(48),
        co_guide=guide,
    )
    not_mine = f.book(
        patients=[f.make_patient(location)],
        room=room,
        guide=other_guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=f.at(24),
    )
    next_week = f.book(
        patients=[f.make_patient(location)],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=f.at(24 * 7),
    )
    client.force_login(guide)
    response = client.get(MY_SESSIONS)
    assert response.status_code == 200
    assert response.context["today_sessions"] == [today]
    assert response.context["week_sessions"] == [friday]
    assert not_mine not in response.context["week_sessions"]
    assert next_week not in response.context["week_sessions"]
    assert "Ana R." in response.content.decode()


def test_my_sessions_runs_a_constant_number_of_queries(
    client, guide, clinician, front_desk, location, group_room, django_assert_max_num_queries
):
    def group(hours: float) -> None:
        f.book(
            service_type=ServiceType.GROUP,
            patients=[f.make_patient(location) for _ in range(4)],
            room=group_room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
            starts_at=f.at(hours),
        )

    group(1)
    client.force_login(guide)
    with django_assert_max_num_queries(15) as few:
        client.get(MY_SESSIONS)
    for hours in (4, 24, 27, 50):
        group(hours)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(MY_SESSIONS)


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(MY_SESSIONS)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role_fixture", ["clinician", "front_desk"])
def test_my_sessions_is_for_guides(client, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(MY_SESSIONS).status_code == 403


# --- Integration notes -------------------------------------------------------------------------


def test_a_note_is_written_for_one_partner_only(client, guide, clinician, couples):
    f.to_integration(couples, clinician)
    ann, bob = participants(couples)
    client.force_login(guide)
    page = client.get(notes_url(ann))
    assert page.status_code == 200
    assert "New note for Ann Baker" in page.content.decode()

    response = client.post(notes_url(ann), {"activity": "journaling", "text": "Wrote a letter"})
    assert response.status_code == 302
    note = IntegrationNote.objects.get()
    assert note.participant == ann
    assert (note.activity, note.text, note.author) == ("journaling", "Wrote a letter", guide)
    assert not bob.integration_notes.exists()
    assert "Wrote a letter" not in client.get(notes_url(bob)).content.decode()


def test_earlier_notes_and_the_outcome_trend_are_shown_beside_the_form(
    client, guide, clinician, front_desk, patient, room, clock
):
    first = f.book(
        patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk
    )
    f.to_integration(first, clinician)
    clinical.integration_note_add(
        participant=first.participants.get(), actor=guide, activity="art", text="Drew a river"
    )
    assessment_record(patient=patient, scale="phq9", items=[2] * 9, actor=clinician)
    assessment_record(patient=patient, scale="gad7", items=[1] * 7, actor=clinician)
    clock.shift(timedelta(days=2))
    second = f.book(
        patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk
    )
    f.to_integration(second, clinician)
    client.force_login(guide)
    response = client.get(notes_url(second.participants.get()))
    body = response.content.decode()
    assert [n.text for n in response.context["earlier_notes"]] == ["Drew a river"]
    assert "Drew a river" in body
    assert "<strong>18</strong> (Moderately severe)" in body
    assert "<strong>7</strong> (Mild)" in body


def test_a_note_before_integration_is_refused_and_nothing_is_stored(
    client, guide, clinician, couples
):
    f.to_medication(couples, clinician)
    ann, _ = participants(couples)
    client.force_login(guide)
    response = client.post(notes_url(ann), {"activity": "talk", "text": "Too early"})
    assert response.status_code == 200
    assert clinical.NOTE_TOO_EARLY in response.content.decode()
    assert not IntegrationNote.objects.exists()


def test_an_empty_note_shows_the_error(client, guide, clinician, couples):
    f.to_integration(couples, clinician)
    ann, _ = participants(couples)
    client.force_login(guide)
    response = client.post(notes_url(ann), {"activity": "talk", "text": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert not IntegrationNote.objects.exists()


def test_an_unknown_activity_is_a_form_error(client, guide, clinician, couples):
    f.to_integration(couples, clinician)
    ann, _ = participants(couples)
    client.force_login(guide)
    response = client.post(notes_url(ann), {"activity": "<b>x</b>", "text": "ok"})
    assert response.status_code == 200
    assert response.context["form"].errors["activity"]
    assert not IntegrationNote.objects.exists()


def test_a_clinician_reads_notes_but_cannot_write_them(client, clinician, couples):
    f.to_integration(couples, clinician)
    ann, _ = participants(couples)
    client.force_login(clinician)
    assert client.get(notes_url(ann)).status_code == 200
    assert client.post(notes_url(ann), {"activity": "talk", "text": "x"}).status_code == 403
    assert not IntegrationNote.objects.exists()


def test_the_front_desk_cannot_open_notes(client, front_desk, couples):
    ann, _ = participants(couples)
    client.force_login(front_desk)
    assert client.get(notes_url(ann)).status_code == 403


def test_another_guides_patient_is_404(client, other_guide, clinician, couples):
    f.to_integration(couples, clinician)
    ann, _ = participants(couples)
    client.force_login(other_guide)
    assert client.get(notes_url(ann)).status_code == 404
    assert client.post(notes_url(ann), {"activity": "talk", "text": "x"}).status_code == 404
    assert not IntegrationNote.objects.exists()


def test_a_participant_of_another_session_in_the_path_is_404(
    client, guide, clinician, couples, patient, room, front_desk
):
    other = f.book(
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
        starts_at=f.at(5),
    )
    intruder = other.participants.get()
    client.force_login(guide)
    url = reverse("sessions_app:notes", args=[couples.pk, intruder.pk])
    assert client.get(url).status_code == 404


# --- Addenda -----------------------------------------------------------------------------------


@pytest.fixture
def note(guide, clinician, couples) -> IntegrationNote:
    f.to_integration(couples, clinician)
    ann, _ = participants(couples)
    return clinical.integration_note_add(
        participant=ann, actor=guide, activity="talk", text="Spoke about grief"
    )


def test_a_guide_amends_their_note_and_the_original_stays(client, guide, note):
    client.force_login(guide)
    response = client.post(addendum_url(note), {f"n{note.pk}-text": "Also: sleep improved"})
    assert response.status_code == 302
    addendum = NoteAddendum.objects.get()
    assert addendum.integration_note == note and addendum.author == guide
    note.refresh_from_db()
    assert note.text == "Spoke about grief"
    body = client.get(notes_url(note.participant)).content.decode()
    assert "Spoke about grief" in body and "Also: sleep improved" in body


def test_an_empty_addendum_shows_the_error(client, guide, note):
    client.force_login(guide)
    response = client.post(addendum_url(note), {f"n{note.pk}-text": ""})
    assert response.status_code == 200
    assert response.context["addendum_form"].errors["text"]
    assert not NoteAddendum.objects.exists()


def test_only_the_author_may_add_an_addendum(client, guide, other_guide, couples, note):
    couples.co_guide = other_guide
    couples.save(update_fields=["co_guide"])
    client.force_login(other_guide)
    response = client.post(addendum_url(note), {f"n{note.pk}-text": "Not mine"})
    assert response.status_code == 200
    assert clinical.ADDENDUM_NOT_AUTHOR in html.unescape(response.content.decode())
    assert not NoteAddendum.objects.exists()


def test_a_note_reached_through_the_wrong_participant_is_404(client, guide, couples, note):
    _, bob = participants(couples)
    client.force_login(guide)
    url = reverse("sessions_app:note_addendum", args=[couples.pk, bob.pk, note.pk])
    assert client.post(url, {f"n{note.pk}-text": "x"}).status_code == 404


def test_a_clinician_cannot_add_an_addendum_to_a_guides_note(client, clinician, note):
    client.force_login(clinician)
    assert client.post(addendum_url(note), {f"n{note.pk}-text": "x"}).status_code == 403
