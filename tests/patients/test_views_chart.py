"""The patient chart: who sees what, course progress, notes, scores (chart and table), and the
assessment and treatment-course forms."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import Assessment, TreatmentCourse
from patients.services import assessment_record, course_create
from sessions_app.models import AdverseEvent, IntegrationNote, NoteAddendum, Session
from tests import factories as f

pytestmark = pytest.mark.django_db


def _detail(patient) -> str:
    return reverse("patients:detail", args=[patient.pk])


def _past_session(patient, *, room, guide, clinician, actor, days_ago=7, course=None, done=True):
    starts = timezone.now() - timedelta(days=days_ago)
    session = f.book(
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=actor,
        starts_at=starts,
        allow_past=True,
        courses={patient.pk: course} if course else None,
    )
    if done:
        # Test data: the phase machine has its own tests; here only the outcome matters.
        Session.objects.filter(pk=session.pk).update(status="completed", phase="completed")
    return session


def _scores(patient, actor, *totals, scale="phq9"):
    for days_ago, items in totals:
        assessment_record(
            patient=patient,
            scale=scale,
            items=items,
            actor=actor,
            administered_at=timezone.now() - timedelta(days=days_ago),
        )


PHQ_HIGH = [3, 3, 3, 2, 2, 2, 2, 1, 0]  # 18, no self-harm answer
PHQ_LOW = [1, 1, 0, 0, 1, 0, 0, 0, 0]  # 3
PHQ_ALERT = [1, 1, 1, 1, 1, 1, 1, 1, 1]  # 9, item 9 = 1


def test_front_desk_sees_demographics_but_nothing_clinical(client, front_desk, patient, clinician):
    patient.allergies = "Latex"
    patient.save()
    _scores(patient, clinician, (3, PHQ_HIGH))
    client.force_login(front_desk)
    response = client.get(_detail(patient))
    page = response.content.decode()
    assert response.status_code == 200
    assert patient.mrn in page
    assert "Latex" not in page
    assert "Outcome scores" not in page
    assert "score-series" not in page
    assert not response.context["clinical"]


def test_a_clinician_sees_screening_courses_sessions_notes_and_scores(
    client, clinician, guide, front_desk, patient, room
):
    patient.allergies = "Latex"
    patient.has_arteriovenous_malformation = True
    patient.save()
    course = course_create(
        patient=patient,
        kind="induction",
        service_type="guided",
        planned_sessions=6,
        started_on=timezone.localdate() - timedelta(days=30),
        actor=clinician,
    )
    for n in range(4):
        _past_session(
            patient,
            room=room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
            days_ago=20 - n * 3,
            course=course,
        )
    session = _past_session(
        patient, room=room, guide=guide, clinician=clinician, actor=front_desk, days_ago=1
    )
    participant = session.participants.get()
    note = IntegrationNote.objects.create(
        participant=participant,
        author=guide,
        written_at=timezone.now(),
        activity="journaling",
        text="Wrote about the garden.",
    )
    NoteAddendum.objects.create(
        integration_note=note, author=guide, written_at=timezone.now(), text="Also the sea."
    )
    AdverseEvent.objects.create(
        participant=participant,
        occurred_at=timezone.now(),
        kind="nausea",
        severity="mild",
        recorded_by=clinician,
    )
    _scores(patient, clinician, (20, PHQ_HIGH), (2, PHQ_LOW))
    client.force_login(clinician)
    response = client.get(_detail(patient))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Latex" in page
    assert "Arteriovenous malformation" in page
    assert "4 of 6 induction series sessions" in page
    assert "Wrote about the garden." in page and "Also the sea." in page
    assert "Nausea" in page
    series = response.context["series"]
    assert [p["y"] for p in series[0]["points"]] == [18, 3]
    assert series[0]["bands"][0] == {"low": 0, "high": 4, "label": "Minimal"}
    assert 'id="score-series"' in page  # json_script for chart.js
    assert "Moderately severe" in page and "Minimal" in page  # the table, readable without JS
    assert "<script>" not in page.replace('<script type="application/json"', "")


def test_a_phq9_self_harm_answer_shows_a_safety_alert(client, clinician, patient):
    _scores(patient, clinician, (1, PHQ_ALERT))
    client.force_login(clinician)
    page = client.get(_detail(patient)).content.decode()
    assert 'id="safety-alert"' in page


def test_a_guide_sees_the_clinical_chart_of_a_patient_in_their_session(
    client, guide, clinician, front_desk, patient, room
):
    _past_session(patient, room=room, guide=guide, clinician=clinician, actor=front_desk)
    client.force_login(guide)
    response = client.get(_detail(patient))
    assert response.status_code == 200
    assert response.context["clinical"]


def test_a_guide_gets_404_for_a_patient_outside_their_sessions(
    client, guide, other_guide, clinician, front_desk, patient, room
):
    _past_session(patient, room=room, guide=other_guide, clinician=clinician, actor=front_desk)
    client.force_login(guide)
    assert client.get(_detail(patient)).status_code == 404


def test_a_clinician_gets_404_for_another_locations_patient(client, clinician, other_location):
    stranger = f.make_patient(other_location)
    client.force_login(clinician)
    assert client.get(_detail(stranger)).status_code == 404
    assert client.get(reverse("patients:detail", args=[999999])).status_code == 404


def test_anonymous_chart_access_goes_to_login(client, patient):
    response = client.get(_detail(patient))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_chart_runs_the_same_number_of_queries_for_little_or_much_history(
    client, clinician, guide, front_desk, patient, room, django_assert_max_num_queries
):
    def build(n):
        for i in range(n):
            session = _past_session(
                patient,
                room=room,
                guide=guide,
                clinician=clinician,
                actor=front_desk,
                days_ago=60 - i * 3 - len(built),
            )
            built.append(session)
            participant = session.participants.get()
            note = IntegrationNote.objects.create(
                participant=participant,
                author=guide,
                written_at=timezone.now(),
                activity="talk",
                text=f"Note {i}",
            )
            NoteAddendum.objects.create(
                integration_note=note, author=guide, written_at=timezone.now(), text="add"
            )
            AdverseEvent.objects.create(
                participant=participant,
                occurred_at=timezone.now(),
                kind="headache",
                severity="mild",
                recorded_by=clinician,
            )
            _scores(patient, clinician, (30 - i, PHQ_HIGH))
            _scores(patient, clinician, (30 - i, [1] * 7), scale="gad7")

    built: list = []
    build(1)
    client.force_login(clinician)
    client.get(_detail(patient))
    with django_assert_max_num_queries(25) as one:
        client.get(_detail(patient))
    build(8)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(_detail(patient))
    assert len(response.context["participations"]) == 9


# --- Record an assessment -------------------------------------------------------------------


def _assessment_url(patient, scale="phq9") -> str:
    return reverse("patients:assessment_create", args=[patient.pk]) + f"?scale={scale}"


def _items(values) -> dict:
    return {f"item_{n}": v for n, v in enumerate(values, start=1)}


def test_a_clinician_records_a_phq9_and_item_9_raises_the_alert(client, clinician, patient):
    client.force_login(clinician)
    page = client.get(_assessment_url(patient)).content.decode()
    assert 'name="item_9"' in page and 'name="item_10"' not in page
    response = client.post(
        _assessment_url(patient),
        {"administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), **_items(PHQ_ALERT)},
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get(patient=patient)
    assert assessment.total == 9
    assert assessment.safety_alert
    assert assessment.recorded_by == clinician


def test_the_scale_decides_the_number_of_items(client, clinician, patient):
    client.force_login(clinician)
    page = client.get(_assessment_url(patient, "madrs")).content.decode()
    assert 'name="item_10"' in page and 'max="6"' in page
    # An unknown scale falls back to PHQ-9 rather than failing.
    assert client.get(_assessment_url(patient, "../../etc")).status_code == 200


def test_an_out_of_range_item_is_an_error_and_nothing_is_stored(client, clinician, patient):
    client.force_login(clinician)
    values = [*PHQ_LOW[:-1], 7]
    response = client.post(
        _assessment_url(patient),
        {"administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), **_items(values)},
    )
    assert response.status_code == 200
    assert "less than or equal to 3" in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_future_assessment_date_is_refused(client, clinician, patient):
    client.force_login(clinician)
    later = timezone.localtime() + timedelta(days=2)
    response = client.post(
        _assessment_url(patient),
        {"administered_at": later.strftime("%Y-%m-%dT%H:%M"), **_items(PHQ_LOW)},
    )
    assert response.status_code == 200
    assert "cannot be dated in the future" in response.content.decode()
    assert not Assessment.objects.exists()


def test_front_desk_may_not_record_assessments(client, front_desk, patient):
    client.force_login(front_desk)
    assert client.get(_assessment_url(patient)).status_code == 403


def test_recording_for_a_patient_outside_the_guides_sessions_is_404(client, guide, patient):
    client.force_login(guide)
    assert client.post(_assessment_url(patient), _items(PHQ_LOW)).status_code == 404
    assert not Assessment.objects.exists()


# --- Add a treatment course -------------------------------------------------------------------


def _course_url(patient) -> str:
    return reverse("patients:course_create", args=[patient.pk])


def test_a_clinician_adds_a_treatment_course(client, clinician, patient):
    client.force_login(clinician)
    assert client.get(_course_url(patient)).status_code == 200
    response = client.post(
        _course_url(patient),
        {
            "kind": "induction",
            "service_type": "iv_infusion",
            "planned_sessions": 6,
            "started_on": "2026-03-02",
        },
    )
    assert response.status_code == 302
    course = TreatmentCourse.objects.get(patient=patient)
    assert (course.service_type, course.planned_sessions) == ("iv_infusion", 6)


def test_an_invalid_course_shows_the_error_and_stores_nothing(client, clinician, patient):
    client.force_login(clinician)
    response = client.post(
        _course_url(patient),
        {"kind": "induction", "service_type": "bogus", "planned_sessions": 0, "started_on": "x"},
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not TreatmentCourse.objects.exists()


def test_course_forms_are_403_for_guides_and_404_for_front_desk(client, guide, front_desk, patient):
    client.force_login(guide)
    assert client.get(_course_url(patient)).status_code == 403
    client.force_login(front_desk)
    assert client.get(_course_url(patient)).status_code == 404


def test_json_series_round_trips(client, clinician, patient):
    _scores(patient, clinician, (5, PHQ_HIGH))
    client.force_login(clinician)
    page = client.get(_detail(patient)).content.decode()
    marker = page.index('id="score-series"')
    start = page.index(">", marker) + 1
    data = json.loads(page[start : page.index("</script>", start)])
    assert data[0]["scale"] == "phq9" and data[0]["points"][0]["y"] == 18


def test_a_long_history_shows_the_latest_ten_with_a_show_all_link(
    client, clinician, guide, front_desk, patient, room
):
    for i in range(12):
        session = _past_session(
            patient, room=room, guide=guide, clinician=clinician, actor=front_desk, days_ago=40 - i
        )
        IntegrationNote.objects.create(
            participant=session.participants.get(),
            author=guide,
            written_at=timezone.now() - timedelta(days=40 - i),
            activity="talk",
            text=f"History note {i:02}",
        )
    client.force_login(clinician)

    latest = client.get(_detail(patient))
    assert len(latest.context["participations"]) == 10
    page = latest.content.decode()
    assert "History note 11" in page and "History note 01" not in page
    assert 'href="?history=all#sessions"' in page and 'href="?history=all#notes"' in page

    everything = client.get(_detail(patient) + "?history=all")
    assert len(everything.context["participations"]) == 12
    assert "History note 00" in everything.content.decode()
    assert not everything.context["more_sessions"] and not everything.context["more_notes"]


def test_an_unknown_history_value_shows_the_latest_entries(client, clinician, patient):
    client.force_login(clinician)
    response = client.get(_detail(patient) + "?history=<script>")
    assert response.status_code == 200 and response.context["show_all_history"] is False
