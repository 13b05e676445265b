"""Clinical records: vitals (typos refused, alarms flagged), doses, append-only notes, addenda."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from sessions_app.models import (
    AppendOnlyError,
    DoseAdministration,
    IntegrationNote,
    NoteAddendum,
    Session,
    VitalSign,
)
from sessions_app.rules import Route, ServiceType
from sessions_app.services import clinical
from sessions_app.services.clinical import (
    dose_record,
    integration_note_add,
    note_add_addendum,
    vitals_record,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(patient, room, guide, clinician, front_desk):
    return f.book(patients=[patient], room=room, guide=guide, clinician=clinician, actor=front_desk)


@pytest.fixture
def participant(session, clinician):
    f.start_and_check_in(session, clinician)
    return session.participants.get()


def record(participant, actor, **values) -> VitalSign:
    return vitals_record(participant=participant, actor=actor, **{**f.NORMAL_VITALS, **values})


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.message_dict


def refused_plainly(call, **kwargs) -> list[str]:
    """For errors that belong to no form field."""
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.messages


# --- Vitals: typos refused ------------------------------------------------------------------


def implausible(label: str, value: int, low: int, high: int) -> str:
    return (
        f"{label} {value} is not plausible (expected {low} to {high}). "
        "Check for a typo."
    )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "label", "low", "high", "context"),
    [
        ("systolic", "Systolic BP", 50, 260, {"diastolic": 40}),
        ("diastolic", "Diastolic BP", 30, 160, {"systolic": 200}),
        ("heart_rate", "Heart rate", 20, 250, {}),
        ("spo2", "SpO2", 50, 100, {}),
        ("respiratory_rate", "Respiratory rate", 4, 60, {}),
    ],
)
def test_it_refuses_implausible_vitals_at_each_boundary(
    participant, clinician, field, label, low, high, context
):
    for bad in (low - 1, high + 1):
        errors = refused(
            record, participant=participant, actor=clinician, **context, **{field: bad}
        )
        assert errors == {field: [implausible(label, bad, low, high)]}
    for ok in (low, high):
        assert getattr(record(participant, clinician, **context, **{field: ok}), field) == ok
    assert participant.vitals.count() == 2


def test_it_refuses_a_diastolic_not_below_the_systolic(participant, clinician):
    errors = refused(record, participant=participant, actor=clinician, systolic=90, diastolic=90)
    assert errors == {"diastolic": ["Diastolic pressure must be below systolic pressure."]}
    assert not participant.vitals.exists()


def test_it_refuses_an_empty_entry(participant, clinician):
    errors = refused(vitals_record, participant=participant, actor=clinician, note="  ")
    assert errors == {"__all__": [clinical.VITALS_EMPTY]}


def test_an_observation_alone_is_a_valid_monitoring_entry(participant, clinician):
    entry = vitals_record(participant=participant, actor=clinician, dissociation="mild")
    assert entry.dissociation == "mild"
    assert not entry.is_full_set


def test_vitals_need_a_session_in_progress(session, clinician):
    errors = refused_plainly(record, participant=session.participants.get(), actor=clinician)
    assert errors == [clinical.SESSION_NOT_IN_PROGRESS]


# --- Vitals: alarms accepted and flagged ----------------------------------------------------


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"systolic": 141, "diastolic": 80}, "Pre-dose BP 141/80 above 140/90"),
        ({"systolic": 130, "diastolic": 91}, "Pre-dose BP 130/91 above 140/90"),
        ({"heart_rate": 111}, "Heart rate 111 above 110"),
        ({"spo2": 91}, "SpO2 91% below 92%"),
    ],
)
def test_an_alarming_pre_dose_reading_is_stored_and_flagged(participant, clinician, values, reason):
    entry = record(participant, clinician, **values)
    entry.refresh_from_db()
    assert entry.flagged is True
    assert entry.flag_reasons == reason
    assert entry.phase == Session.Phase.PREPARATION


def test_a_reading_at_the_thresholds_is_not_flagged(participant, clinician):
    entry = record(participant, clinician, systolic=140, diastolic=90, heart_rate=110, spo2=92)
    assert entry.flagged is False
    assert entry.flag_reasons == ""


def test_a_crisis_bp_is_flagged_with_every_reason(participant, clinician):
    entry = record(participant, clinician, systolic=185, diastolic=112)
    assert entry.flag_reasons == (
        "Pre-dose BP 185/112 above 140/90; BP 185/112 at or above 180/110"
    )


def test_after_the_dose_only_the_any_time_thresholds_flag(session, clinician):
    f.to_medication(session, clinician)
    participant = session.participants.get()
    assert not record(participant, clinician, systolic=150, diastolic=95).flagged
    crisis = record(participant, clinician, systolic=180, diastolic=100)
    assert (crisis.flagged, crisis.flag_reasons) == (True, "BP 180/100 at or above 180/110")
    assert crisis.phase == Session.Phase.MEDICATION


# --- Doses --------------------------------------------------------------------------------


@pytest.fixture
def medicating(session, clinician):
    f.to_medication(session, clinician)
    return session.participants.get()


def dose(participant, actor, **extra) -> DoseAdministration:
    fields = {"dose_mg": Decimal("35"), "weight_kg": Decimal("70"), "lot_number": "K-7"}
    return dose_record(participant=participant, actor=actor, **{**fields, **extra})


def test_a_dose_is_recorded_with_drug_route_lot_time_and_giver(medicating, clinician):
    given = dose(medicating, clinician, dose_mg=Decimal("35.5"))
    given.refresh_from_db()
    assert (given.drug, given.route, given.lot_number) == ("ketamine", "im", "K-7")
    assert given.administered_by == clinician
    assert given.administered_at is not None
    assert given.mg_per_kg == Decimal("0.507")


def test_mg_per_kg_is_right_for_whole_number_doses(medicating, clinician):
    given = dose(medicating, clinician, dose_mg=Decimal("35"), weight_kg=Decimal("70"))
    given.refresh_from_db()
    assert given.mg_per_kg == Decimal("0.500")


def test_doses_are_recorded_only_during_medication(participant, clinician):
    errors = refused_plainly(dose, participant=participant, actor=clinician)
    assert errors == [clinical.DOSE_ONLY_IN_MEDICATION]


def test_a_dose_needs_a_weight_and_a_lot(medicating, clinician):
    errors = refused(dose, participant=medicating, actor=clinician, weight_kg=None, lot_number=" ")
    assert errors == {
        "weight_kg": [clinical.WEIGHT_REQUIRED],
        "lot_number": [clinical.LOT_REQUIRED],
    }


def test_a_dose_route_must_fit_the_service_type(medicating, clinician):
    errors = refused(dose, participant=medicating, actor=clinician, route=Route.IV)
    assert errors == {
        "route": [
            clinical.DOSE_ROUTE_NOT_ALLOWED.format(
                allowed="Intramuscular (IM)", route="Intravenous (IV)"
            )
        ]
    }


def test_wasted_ketamine_needs_a_witness_other_than_the_giver(
    medicating, clinician, other_clinician
):
    errors = refused(dose, participant=medicating, actor=clinician, wasted_mg=Decimal("5"))
    assert errors == {"witness": [clinical.WASTE_WITNESS_REQUIRED]}
    errors = refused(
        dose, participant=medicating, actor=clinician, wasted_mg=Decimal("5"), witness=clinician
    )
    assert errors == {"witness": [clinical.WASTE_WITNESS_DIFFERENT]}
    given = dose(medicating, clinician, wasted_mg=Decimal("5"), witness=other_clinician)
    assert given.witness == other_clinician


def test_an_iv_dose_gets_the_default_infusion_time(
    location, group_room, guide, clinician, front_desk
):
    session = f.book(
        service_type=ServiceType.IV_INFUSION,
        patients=[f.make_patient(location)],
        room=group_room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
    )
    f.to_medication(session, clinician)
    given = dose(session.participants.get(), clinician)
    assert (given.route, given.infusion_minutes) == ("iv", 40)


def test_spravato_doses_go_through_the_device_form(
    spravato_patient, room, guide, clinician, front_desk
):
    session = f.book(
        service_type=ServiceType.SPRAVATO,
        patients=[spravato_patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
    )
    f.to_medication(session, clinician)
    with pytest.raises(ValidationError) as caught:
        dose(session.participants.get(), clinician)
    assert caught.value.messages == [clinical.USE_DEVICE_FORM]


# --- Append-only --------------------------------------------------------------------------


@pytest.fixture
def note(session, guide, clinician):
    f.to_integration(session, clinician)
    return integration_note_add(
        participant=session.participants.get(),
        actor=guide,
        activity=IntegrationNote.Activity.JOURNALING,
        text="Wrote about the ocean.",
    )


@pytest.fixture
def records(note):
    """One saved record of each kind that must never change."""
    return {
        "vital": note.participant.vitals.first(),
        "note": note,
        "dose": note.participant.doses.get(),
    }


@pytest.mark.parametrize("kind", ["vital", "note", "dose"])
def test_saving_a_changed_clinical_record_is_refused(records, kind):
    record_ = records[kind]
    if kind == "vital":
        record_.systolic = 99
    elif kind == "note":
        record_.text = "Rewritten."
    else:
        record_.dose_mg = Decimal("50")
    with pytest.raises(AppendOnlyError):
        record_.save()


@pytest.mark.parametrize(
    ("kind", "model", "change"),
    [
        ("vital", VitalSign, {"note": "changed"}),
        ("note", IntegrationNote, {"text": "Rewritten."}),
        ("dose", DoseAdministration, {"lot_number": "OTHER"}),
    ],
)
def test_a_raw_update_is_refused_by_the_database(records, kind, model, change):
    pk = records[kind].pk
    with pytest.raises(DatabaseError), transaction.atomic():
        model.objects.filter(pk=pk).update(**change)
    field = next(iter(change))
    assert getattr(model.objects.get(pk=pk), field) == getattr(records[kind], field)


@pytest.mark.parametrize("kind", ["vital", "note", "dose"])
def test_deleting_a_clinical_record_is_refused(records, kind):
    with pytest.raises(AppendOnlyError):
        records[kind].delete()
    assert type(records[kind]).objects.filter(pk=records[kind].pk).exists()


@pytest.mark.parametrize(
    ("kind", "model"),
    [("vital", VitalSign), ("note", IntegrationNote), ("dose", DoseAdministration)],
)
def test_a_bulk_delete_is_refused(records, kind, model):
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=records[kind].pk).delete()
    assert model.objects.filter(pk=records[kind].pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("kind", "model"),
    [("vital", VitalSign), ("note", IntegrationNote), ("dose", DoseAdministration)],
)
def test_a_raw_sql_delete_is_refused_by_postgresql(records, kind, model):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [records[kind].pk])
    assert model.objects.filter(pk=records[kind].pk).exists()


# --- Addenda ------------------------------------------------------------------------------


def test_an_addendum_keeps_the_original_note(note, guide):
    addendum = note_add_addendum(actor=guide, integration_note=note, text="Also: the forest.")
    note.refresh_from_db()
    assert note.text == "Wrote about the ocean."
    assert list(note.addenda.values_list("text", "author")) == [("Also: the forest.", guide.pk)]
    assert addendum.written_at is not None


def test_only_the_author_adds_an_addendum_to_an_integration_note(note, other_guide):
    with pytest.raises(ValidationError) as caught:
        note_add_addendum(actor=other_guide, integration_note=note, text="Not mine.")
    assert caught.value.messages == [clinical.ADDENDUM_NOT_AUTHOR]
    assert not NoteAddendum.objects.exists()


def test_a_clinician_corrects_a_vital_sign_by_addendum(participant, clinician, other_clinician):
    entry = record(participant, clinician, heart_rate=72)
    note_add_addendum(actor=other_clinician, vital_sign=entry, text="HR was 78, typo.")
    entry.refresh_from_db()
    assert entry.heart_rate == 72
    assert entry.addenda.get().author == other_clinician


def test_an_addendum_needs_text(note, guide):
    errors = refused(note_add_addendum, actor=guide, integration_note=note, text=" ")
    assert errors == {"text": [clinical.ADDENDUM_TEXT_REQUIRED]}


def test_addenda_are_append_only_too(note, guide):
    addendum = note_add_addendum(actor=guide, integration_note=note, text="Also.")
    addendum.text = "Changed."
    with pytest.raises(AppendOnlyError):
        addendum.save()


def test_integration_notes_wait_until_medication_is_over(participant, guide):
    errors = refused_plainly(
        integration_note_add,
        participant=participant,
        actor=guide,
        activity=IntegrationNote.Activity.TALK,
        text="Too early.",
    )
    assert errors == [clinical.NOTE_TOO_EARLY]
