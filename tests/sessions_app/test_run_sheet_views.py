"""The run sheet: who may open it, the one next-step button and its gates, and every form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from sessions_app.models import (
    AdverseEvent,
    DoseAdministration,
    DoseDecision,
    NoteAddendum,
    Participant,
    RemsMonitoringForm,
    Session,
    VitalSign,
)
from sessions_app.rules import ServiceType
from sessions_app.services import clinical, phases
from sessions_app.services.booking import participant_check_in
from sessions_app.services.preparation import PREPARATION_CLOSED
from sessions_app.views.run_sheet import ALREADY_STARTED
from tests import factories as f

pytestmark = pytest.mark.django_db

# A Wednesday, 10:00 in the clinic's time zone.
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def guided(patient, room, guide, clinician, front_desk):
    return f.book(patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk)


@pytest.fixture
def iv(patient, room, guide, clinician, front_desk):
    return f.book(
        service_type=ServiceType.IV_INFUSION,
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
    )


@pytest.fixture
def spravato(spravato_patient, room, guide, clinician, front_desk):
    return f.book(
        service_type=ServiceType.SPRAVATO,
        patients=[spravato_patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
    )


@pytest.fixture
def elsewhere(other_location, front_desk):
    """A session at another location, led by someone else: outside everyone's scope but admin."""
    from accounts.roles import Role

    room = f.make_room(other_location, name="Elm")
    guide = f.make_user(Role.GUIDE, locations=[other_location])
    clinician = f.make_user(Role.CLINICIAN, locations=[other_location])
    patient = f.make_patient(other_location, first_name="Eve", last_name="Elsewhere")
    return f.book(patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk)


def url(name: str, *args) -> str:
    return reverse(f"sessions_app:{name}", args=args)


def only(session: Session) -> Participant:
    return session.participants.get()


def pref(participant: Participant, name: str, data: dict) -> dict:
    return {f"p{participant.pk}-{name}-{key}": value for key, value in data.items()}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response) -> list[str]:
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Opening the run sheet ---------------------------------------------------------------------


def test_a_clinician_opens_the_run_sheet_with_the_start_button(client, clinician, guided):
    client.force_login(clinician)
    response = client.get(url("detail", guided.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Start session" in body
    assert "Ana Rivera" in body
    assert response.context["blockers"] == []


def test_anonymous_users_are_sent_to_the_login_page(client, guided):
    response = client.get(url("detail", guided.pk))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_returns_404_for_a_session_at_another_location(client, clinician, elsewhere):
    client.force_login(clinician)
    assert client.get(url("detail", elsewhere.pk)).status_code == 404


def test_it_returns_404_for_a_session_another_guide_leads(client, other_guide, guided):
    client.force_login(other_guide)
    assert client.get(url("detail", guided.pk)).status_code == 404


def test_the_front_desk_sees_attendance_but_no_clinical_details(
    client, front_desk, clinician, guided
):
    f.start_and_check_in(guided, clinician)
    f.record_pre_dose_vitals(guided, clinician)
    client.force_login(front_desk)
    response = client.get(url("detail", guided.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Checked in" in body
    assert "Latest vitals" not in body
    assert "BP 122/78" not in body
    assert "Monitoring timeline" not in body


def test_a_guide_sees_the_checklist_form_but_no_clinician_actions(client, guide, guided):
    client.force_login(guide)
    response = client.get(url("detail", guided.pk))
    body = response.content.decode()
    assert "Save checklist" in body
    assert 'data-testid="next-step"' not in body
    assert "Record vitals" not in body


def test_the_run_sheet_runs_a_constant_number_of_queries(
    client, clinician, location, group_room, guide, front_desk, django_assert_max_num_queries
):
    def group_of(size: int, hours: float) -> Session:
        patients = [f.make_patient(location) for _ in range(size)]
        session = f.book(
            service_type=ServiceType.GROUP,
            patients=patients,
            room=group_room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
            starts_at=f.at(hours),
        )
        f.to_integration(session, clinician)
        for participant in session.participants.all():
            clinical.vitals_record(participant=participant, actor=clinician, note="Calm")
        return session

    small, large = group_of(2, 1), group_of(6, 4)
    client.force_login(clinician)
    with django_assert_max_num_queries(30) as small_queries:
        client.get(url("detail", small.pk))
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        response = client.get(url("detail", large.pk))
    assert response.status_code == 200


def test_dose_forms_for_a_whole_group_list_the_witnesses_with_one_query(
    client, clinician, location, group_room, guide, front_desk, django_assert_max_num_queries
):
    def medicating_group(size: int, hours: float) -> Session:
        patients = [f.make_patient(location) for _ in range(size)]
        session = f.book(
            service_type=ServiceType.GROUP,
            patients=patients,
            room=group_room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
            starts_at=f.at(hours),
        )
        return f.to_medication(session, clinician)

    small, large = medicating_group(2, 1), medicating_group(6, 4)
    client.force_login(clinician)
    with django_assert_max_num_queries(30) as small_queries:
        client.get(url("detail", small.pk))
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        response = client.get(url("detail", large.pk))
    assert response.content.decode().count("Waste witness") == 6


# --- The next-step button and its gates --------------------------------------------------------


def step(session: Session, status: str | None = None, phase: str | None = None) -> dict:
    """The hidden fields of the next-step form as the page shows them now."""
    session.refresh_from_db()
    return {
        "expected_status": status or session.status,
        "expected_phase": phase or session.phase,
    }


def test_starting_the_session_opens_preparation(client, clinician, guided):
    client.force_login(clinician)
    response = client.post(url("advance", guided.pk), step(guided))
    assert response.status_code == 302
    guided.refresh_from_db()
    assert guided.status == Session.Status.IN_PROGRESS
    assert guided.phase == Session.Phase.PREPARATION


def test_a_double_submitted_start_is_refused_with_a_message(client, clinician, guided):
    client.force_login(clinician)
    data = step(guided)
    client.post(url("advance", guided.pk), data)
    response = client.post(url("advance", guided.pk), data)
    assert ALREADY_STARTED in follow_messages(client, response)
    assert guided.transitions.count() == 1


def test_the_button_is_disabled_with_the_reasons_until_the_gate_is_met(
    client, clinician, front_desk, guided
):
    phases.session_start(session=guided, actor=clinician)
    client.force_login(clinician)

    body = client.get(url("detail", guided.pk)).content.decode()
    assert "Start medication" in body
    assert "disabled" in body.split('data-testid="next-step"')[1].split(">")[0]
    assert "Pre-dose vitals missing for Ana R." in body
    assert "Ana R. is not checked in." in body

    refused = client.post(url("advance", guided.pk), step(guided))
    assert any("Pre-dose vitals missing for Ana R." in m for m in follow_messages(client, refused))
    guided.refresh_from_db()
    assert guided.phase == Session.Phase.PREPARATION

    participant_check_in(participant=only(guided), actor=front_desk)
    f.record_pre_dose_vitals(guided, clinician)
    response = client.get(url("detail", guided.pk))
    assert response.context["blockers"] == []
    client.post(url("advance", guided.pk), step(guided))
    guided.refresh_from_db()
    assert guided.phase == Session.Phase.MEDICATION


def test_a_stale_page_cannot_advance_twice(client, clinician, guided):
    f.start_and_check_in(guided, clinician)
    f.record_pre_dose_vitals(guided, clinician)
    client.force_login(clinician)
    data = step(guided)
    client.post(url("advance", guided.pk), data)
    response = client.post(url("advance", guided.pk), data)
    assert any("already moved" in m for m in follow_messages(client, response))
    guided.refresh_from_db()
    assert guided.phase == Session.Phase.MEDICATION
    assert guided.transitions.count() == 2


def test_a_guide_cannot_advance_the_phase(client, guide, guided):
    client.force_login(guide)
    assert client.post(url("advance", guided.pk), step(guided)).status_code == 403
    guided.refresh_from_db()
    assert guided.status == Session.Status.SCHEDULED


def test_advancing_another_locations_session_is_404(client, clinician, elsewhere):
    client.force_login(clinician)
    assert client.post(url("advance", elsewhere.pk), step(elsewhere)).status_code == 404


def test_garbage_in_the_step_form_is_a_message_not_an_error(client, clinician, guided):
    client.force_login(clinician)
    response = client.post(url("advance", guided.pk), {"expected_status": "<script>"})
    assert response.status_code == 302
    guided.refresh_from_db()
    assert guided.status == Session.Status.SCHEDULED


def test_advance_only_accepts_post(client, clinician, guided):
    client.force_login(clinician)
    assert client.get(url("advance", guided.pk)).status_code == 405


# --- Vitals ------------------------------------------------------------------------------------


VITALS = {"systolic": 150, "diastolic": 95, "heart_rate": 80, "spo2": 97, "note": "Anxious"}


def test_vitals_are_recorded_and_an_alarming_reading_is_flagged(client, clinician, guided):
    f.start_and_check_in(guided, clinician)
    participant = only(guided)
    client.force_login(clinician)
    response = client.post(
        url("vitals_add", guided.pk, participant.pk), pref(participant, "vitals", VITALS)
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#p{participant.pk}")
    vital = VitalSign.objects.get(participant=participant)
    assert (vital.systolic, vital.diastolic, vital.heart_rate, vital.spo2) == (150, 95, 80, 97)
    assert vital.note == "Anxious"
    assert vital.recorded_by == clinician
    assert vital.flagged
    page = client.get(url("detail", guided.pk)).content.decode()
    assert "Flagged" in page
    assert "Pre-dose BP 150/95 above 140/90" in page


def test_implausible_vitals_show_the_error_and_store_nothing(client, clinician, guided):
    f.start_and_check_in(guided, clinician)
    participant = only(guided)
    client.force_login(clinician)
    response = client.post(
        url("vitals_add", guided.pk, participant.pk),
        pref(participant, "vitals", {**VITALS, "systolic": 400}),
    )
    assert response.status_code == 200
    form = response.context["cards"][0].forms["vitals"]
    assert "Systolic BP 400 is not plausible" in form.errors["systolic"][0]
    assert "Systolic BP 400 is not plausible" in response.content.decode()
    assert not VitalSign.objects.exists()


def test_a_non_number_is_a_form_error(client, clinician, guided):
    f.start_and_check_in(guided, clinician)
    participant = only(guided)
    client.force_login(clinician)
    response = client.post(
        url("vitals_add", guided.pk, participant.pk),
        pref(participant, "vitals", {"heart_rate": "'; DROP TABLE"}),
    )
    assert response.status_code == 200
    assert response.context["cards"][0].forms["vitals"].errors["heart_rate"]
    assert not VitalSign.objects.exists()


def test_a_guide_cannot_record_vitals(client, guide, clinician, guided):
    f.start_and_check_in(guided, clinician)
    participant = only(guided)
    client.force_login(guide)
    response = client.post(
        url("vitals_add", guided.pk, participant.pk), pref(participant, "vitals", VITALS)
    )
    assert response.status_code == 403
    assert not VitalSign.objects.exists()


def test_a_participant_of_another_session_in_the_path_is_404(client, clinician, guided, elsewhere):
    intruder = only(elsewhere)
    client.force_login(clinician)
    response = client.post(
        url("vitals_add", guided.pk, intruder.pk), pref(intruder, "vitals", VITALS)
    )
    assert response.status_code == 404


# --- Doses -------------------------------------------------------------------------------------


def dose_data(participant, **overrides) -> dict:
    data = {
        "dose_mg": "35.25",
        "weight_kg": "70.5",
        "route": "iv",
        "infusion_minutes": "40",
        "lot_number": "K-2026-01",
        "wasted_mg": "0",
    }
    data.update(overrides)
    return pref(participant, "dose", data)


def test_an_iv_dose_is_stored_with_its_mg_per_kg(client, clinician, iv):
    f.to_medication(iv, clinician)
    participant = only(iv)
    client.force_login(clinician)
    page = client.get(url("detail", iv.pk)).content.decode()
    assert "Record ketamine dose" in page
    assert "data-mgkg-output" in page
    response = client.post(url("dose_add", iv.pk, participant.pk), dose_data(participant))
    assert response.status_code == 302
    dose = DoseAdministration.objects.get(participant=participant)
    dose.refresh_from_db()
    assert dose.dose_mg == Decimal("35.25")
    assert dose.route == "iv"
    assert dose.infusion_minutes == 40
    assert dose.mg_per_kg == Decimal("0.500")
    assert "0.500 mg/kg" in client.get(url("detail", iv.pk)).content.decode()


def test_the_route_is_limited_to_the_sessions_allowed_routes(client, clinician, iv):
    f.to_medication(iv, clinician)
    participant = only(iv)
    client.force_login(clinician)
    response = client.post(
        url("dose_add", iv.pk, participant.pk), dose_data(participant, route="im")
    )
    assert response.status_code == 200
    assert response.context["cards"][0].forms["dose"].errors["route"]
    assert not DoseAdministration.objects.exists()


def test_wasted_ketamine_without_a_witness_is_refused(client, clinician, iv):
    f.to_medication(iv, clinician)
    participant = only(iv)
    client.force_login(clinician)
    response = client.post(
        url("dose_add", iv.pk, participant.pk), dose_data(participant, wasted_mg="5")
    )
    assert response.status_code == 200
    assert clinical.WASTE_WITNESS_REQUIRED in response.content.decode()
    assert not DoseAdministration.objects.exists()


def test_wasted_ketamine_with_a_witness_is_stored(client, clinician, other_clinician, iv):
    f.to_medication(iv, clinician)
    participant = only(iv)
    client.force_login(clinician)
    client.post(
        url("dose_add", iv.pk, participant.pk),
        dose_data(participant, wasted_mg="5", witness=str(other_clinician.pk)),
    )
    dose = DoseAdministration.objects.get()
    assert dose.wasted_mg == Decimal("5")
    assert dose.witness == other_clinician


def test_a_dose_before_medication_shows_the_service_message(client, clinician, iv):
    f.start_and_check_in(iv, clinician)
    participant = only(iv)
    client.force_login(clinician)
    response = client.post(url("dose_add", iv.pk, participant.pk), dose_data(participant))
    assert response.status_code == 200
    assert clinical.DOSE_ONLY_IN_MEDICATION in response.content.decode()
    assert not DoseAdministration.objects.exists()


# --- Spravato: BP decision, devices, discharge, REMS -------------------------------------------


def test_an_elevated_pre_dose_bp_asks_for_a_decision_which_opens_the_gate(
    client, clinician, spravato
):
    f.start_and_check_in(spravato, clinician)
    f.record_pre_dose_vitals(spravato, clinician, systolic=150, diastolic=95)
    participant = only(spravato)
    client.force_login(clinician)
    page = client.get(url("detail", spravato.pk))
    assert any("must record the decision" in b for b in page.context["blockers"])
    assert "Record decision" in page.content.decode()

    empty = client.post(
        url("dose_decision_add", spravato.pk, participant.pk),
        pref(participant, "decision", {"reason": ""}),
    )
    assert empty.status_code == 200
    assert not DoseDecision.objects.exists()

    client.post(
        url("dose_decision_add", spravato.pk, participant.pk),
        pref(participant, "decision", {"reason": "Known white-coat hypertension; rechecked."}),
    )
    decision = DoseDecision.objects.get()
    assert decision.decided_by == clinician
    assert client.get(url("detail", spravato.pk)).context["blockers"] == []


def test_spravato_devices_wait_five_minutes_between_them(client, clinician, spravato, clock):
    f.to_medication(spravato, clinician)
    participant = only(spravato)
    client.force_login(clinician)
    data = pref(participant, "device", {"lot_number": "S-1", "wasted_mg": "0"})

    client.post(url("device_add", spravato.pk, participant.pk), data)
    page = client.get(url("detail", spravato.pk))
    assert page.context["cards"][0].device_next == 2
    assert page.context["cards"][0].device_seconds_left == 300
    assert 'data-countdown-seconds="300"' in page.content.decode()

    too_soon = client.post(url("device_add", spravato.pk, participant.pk), data)
    assert too_soon.status_code == 200
    assert "Wait 5 minutes between devices" in too_soon.content.decode()
    assert participant.doses.count() == 1

    clock.shift(timedelta(minutes=5))
    client.post(url("device_add", spravato.pk, participant.pk), data)
    assert list(participant.doses.values_list("device_number", flat=True)) == [1, 2]
    assert client.get(url("detail", spravato.pk)).context["blockers"] == []


def spravato_to_integration(session, clinician, clock) -> Participant:
    f.to_medication(session, clinician)
    participant = only(session)
    clinical.spravato_device_record(participant=participant, actor=clinician, lot_number="S")
    clock.shift(timedelta(minutes=5))
    clinical.spravato_device_record(participant=participant, actor=clinician, lot_number="S")
    phases.session_advance_phase(session=session, actor=clinician)
    return participant


def test_discharge_shows_the_spravato_blockers_and_refuses_early(
    client, clinician, spravato, clock
):
    participant = spravato_to_integration(spravato, clinician, clock)
    client.force_login(clinician)
    page = client.get(url("detail", spravato.pk)).content.decode()
    assert "Spravato requires at least 120" in page
    response = client.post(
        url("discharge", spravato.pk, participant.pk),
        pref(participant, "discharge", {"transport_arrangement": "Son", "symptoms_resolved": "on"}),
    )
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.discharged_at is None


def test_a_spravato_patient_is_discharged_and_the_rems_form_submitted(
    client, clinician, spravato, clock
):
    participant = spravato_to_integration(spravato, clinician, clock)
    clock.shift(timedelta(minutes=35))
    clinical.vitals_record(participant=participant, actor=clinician, **f.NORMAL_VITALS)
    clock.shift(timedelta(minutes=85))
    clinical.vitals_record(participant=participant, actor=clinician, **f.NORMAL_VITALS)
    client.force_login(clinician)

    missing = client.post(
        url("discharge", spravato.pk, participant.pk),
        pref(participant, "discharge", {"transport_arrangement": ""}),
    )
    assert missing.status_code == 200
    body = missing.content.decode()
    assert phases.DISCHARGE_TRANSPORT_REQUIRED in body
    assert phases.DISCHARGE_SYMPTOMS in body

    client.post(
        url("discharge", spravato.pk, participant.pk),
        pref(
            participant,
            "discharge",
            {"transport_arrangement": "Partner drives", "symptoms_resolved": "on"},
        ),
    )
    participant.refresh_from_db()
    assert participant.discharged_by == clinician
    assert participant.transport_arrangement == "Partner drives"

    page = client.get(url("detail", spravato.pk)).content.decode()
    assert "Submit monitoring form" in page
    client.post(
        url("rems_submit", spravato.pk, participant.pk),
        pref(
            participant,
            "rems",
            {"first_treatment": "on", "vitals_acceptable_before_dosing": "on", "sedation": "on"},
        ),
    )
    form = RemsMonitoringForm.objects.get(participant=participant)
    assert form.first_treatment and form.sedation and not form.maois
    assert form.submitted_by == clinician

    client.post(url("advance", spravato.pk), step(spravato))
    spravato.refresh_from_db()
    assert spravato.status == Session.Status.COMPLETED


# --- Adverse events, preparation, addenda ------------------------------------------------------


def test_an_adverse_event_is_recorded(client, clinician, guided):
    f.to_medication(guided, clinician)
    participant = only(guided)
    client.force_login(clinician)
    client.post(
        url("adverse_event_add", guided.pk, participant.pk),
        pref(
            participant,
            "adverse_event",
            {
                "kind": "nausea",
                "severity": "moderate",
                "serious": "on",
                "action_taken": "Ondansetron",
            },
        ),
    )
    event = AdverseEvent.objects.get()
    assert (event.kind, event.severity, event.serious) == ("nausea", "moderate", True)
    assert event.action_taken == "Ondansetron"


def test_an_other_adverse_event_needs_a_description(client, clinician, guided):
    f.to_medication(guided, clinician)
    participant = only(guided)
    client.force_login(clinician)
    response = client.post(
        url("adverse_event_add", guided.pk, participant.pk),
        pref(participant, "adverse_event", {"kind": "other", "severity": "mild"}),
    )
    assert response.status_code == 200
    assert clinical.OTHER_NEEDS_DESCRIPTION in response.content.decode()
    assert not AdverseEvent.objects.exists()


PREP = {
    "intention": "To feel less stuck",
    "grounding_done": "on",
    "breathwork_done": "on",
}


def test_a_guide_saves_the_preparation_checklist(client, guide, guided):
    participant = only(guided)
    client.force_login(guide)
    response = client.post(
        url("preparation_update", guided.pk, participant.pk),
        pref(participant, "preparation", PREP),
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.intention == "To feel less stuck"
    assert participant.grounding_done and participant.breathwork_done
    assert not participant.set_and_setting_done


def test_the_front_desk_cannot_change_the_checklist(client, front_desk, guided):
    participant = only(guided)
    client.force_login(front_desk)
    response = client.post(
        url("preparation_update", guided.pk, participant.pk),
        pref(participant, "preparation", PREP),
    )
    assert response.status_code == 403
    participant.refresh_from_db()
    assert participant.intention == ""


def test_the_checklist_closes_when_medication_starts(client, guide, clinician, guided):
    f.to_medication(guided, clinician)
    participant = only(guided)
    client.force_login(guide)
    response = client.post(
        url("preparation_update", guided.pk, participant.pk),
        pref(participant, "preparation", PREP),
    )
    assert response.status_code == 200
    assert PREPARATION_CLOSED in response.content.decode()
    participant.refresh_from_db()
    assert participant.intention == ""


def test_a_guide_of_another_session_gets_404_for_the_checklist(client, other_guide, guided):
    participant = only(guided)
    client.force_login(other_guide)
    response = client.post(
        url("preparation_update", guided.pk, participant.pk),
        pref(participant, "preparation", PREP),
    )
    assert response.status_code == 404


def test_an_addendum_to_a_monitoring_note_keeps_the_original(client, clinician, guided):
    f.start_and_check_in(guided, clinician)
    vital = clinical.vitals_record(participant=only(guided), actor=clinician, note="Restless")
    client.force_login(clinician)
    response = client.post(
        url("vitals_addendum", guided.pk, vital.pk), {"addendum-text": "Settled after music"}
    )
    assert response.status_code == 302
    addendum = NoteAddendum.objects.get()
    assert addendum.vital_sign == vital and addendum.author == clinician
    vital.refresh_from_db()
    assert vital.note == "Restless"
    page = client.get(url("detail", guided.pk)).content.decode()
    assert "Restless" in page and "Settled after music" in page


def test_an_empty_addendum_is_refused(client, clinician, guided):
    f.start_and_check_in(guided, clinician)
    vital = clinical.vitals_record(participant=only(guided), actor=clinician, note="Restless")
    client.force_login(clinician)
    client.post(url("vitals_addendum", guided.pk, vital.pk), {"addendum-text": " "})
    assert not NoteAddendum.objects.exists()


def test_an_addendum_to_another_locations_vitals_is_404(client, clinician, elsewhere):
    other_clinician = elsewhere.clinician
    f.start_and_check_in(elsewhere, other_clinician)
    vital = clinical.vitals_record(participant=only(elsewhere), actor=other_clinician, note="x")
    client.force_login(clinician)
    response = client.post(url("vitals_addendum", elsewhere.pk, vital.pk), {"addendum-text": "y"})
    assert response.status_code == 404


def test_the_timeline_lists_entries_in_time_order_with_flags(client, clinician, guided, clock):
    f.start_and_check_in(guided, clinician)
    f.record_pre_dose_vitals(guided, clinician)
    clock.shift(timedelta(minutes=1))
    phases.session_advance_phase(session=guided, actor=clinician)
    clock.shift(timedelta(minutes=1))
    f.record_ketamine_doses(guided, clinician)
    clock.shift(timedelta(minutes=15))
    clinical.vitals_record(participant=only(guided), actor=clinician, spo2=88)
    client.force_login(clinician)
    timeline = client.get(url("detail", guided.pk)).context["timeline"]
    assert [e.kind for e in timeline] == ["phase", "vitals", "phase", "dose", "vitals"]
    assert [e.flagged for e in timeline][-1] is True
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)


def test_the_front_desk_gets_the_check_in_and_cancel_actions_on_the_run_sheet(
    client, front_desk, guided
):
    participant = only(guided)
    client.force_login(front_desk)
    body = client.get(url("detail", guided.pk)).content.decode()
    assert url("check_in", guided.pk, participant.pk) in body
    assert url("cancel", guided.pk) in body


def test_clinicians_do_not_get_the_front_desk_actions(client, clinician, guided):
    client.force_login(clinician)
    body = client.get(url("detail", guided.pk)).content.decode()
    assert url("cancel", guided.pk) not in body


def test_a_field_error_is_marked_on_the_input_and_labelled_like_crispy(client, clinician, guided):
    f.start_and_check_in(guided, clinician)
    participant = only(guided)
    client.force_login(clinician)
    response = client.post(
        url("vitals_add", guided.pk, participant.pk),
        pref(participant, "vitals", {**VITALS, "systolic": 400}),
    )
    page = response.content.decode()
    field_id = f"id_p{participant.pk}-vitals-systolic"
    assert f'<label for="{field_id}" class="form-label">Systolic BP (mmHg)</label>' in page
    assert 'class="numberinput form-control is-invalid"' in page
    assert f'<div id="error_1_{field_id}" class="invalid-feedback">' in page
