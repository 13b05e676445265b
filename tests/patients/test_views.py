"""Patient list, search, registration, edit (two-tab safety) and deactivation."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from patients.models import Patient
from patients.services import STALE_EDIT
from patients.views import SEARCH_SESSION_KEY
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("patients:list")
CREATE = reverse("patients:create")


def _edit_data(patient: Patient, **overrides) -> dict:
    data = {
        "mrn": patient.mrn,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "home_location": patient.home_location_id,
        "phone": patient.phone,
        "version": patient.version,
        "is_active": "on" if patient.is_active else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


# --- List and search ------------------------------------------------------------------------


def test_the_list_shows_patients_of_the_users_location_only(
    client, front_desk, patient, other_location
):
    stranger = f.make_patient(other_location, first_name="Zed", last_name="Stranger")
    client.force_login(front_desk)
    response = client.get(LIST)
    assert response.status_code == 200
    assert patient.mrn in response.content.decode()
    assert stranger.mrn not in response.content.decode()


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_without_a_role_gets_403(client, location):
    nobody = f.make_user(username="nobody", locations=[location])
    client.force_login(nobody)
    assert client.get(LIST).status_code == 403


def test_search_text_is_posted_kept_in_the_session_and_never_in_the_url(
    client, front_desk, patient, location
):
    other = f.make_patient(location, first_name="Bea", last_name="Other")
    client.force_login(front_desk)
    response = client.post(LIST, {"q": "rivera"})
    assert response.status_code == 302
    assert response.url == LIST  # no query string
    assert client.session[SEARCH_SESSION_KEY]["q"] == "rivera"
    page = client.get(LIST).content.decode()
    assert patient.mrn in page
    assert other.mrn not in page


@pytest.mark.parametrize("text", ["ana riv", "MRN", "1985-05-17", "05/17/1985"])
def test_search_finds_by_name_mrn_prefix_or_date_of_birth(client, front_desk, patient, text):
    client.force_login(front_desk)
    client.post(LIST, {"q": text if text != "MRN" else patient.mrn[:6]})
    assert patient.mrn in client.get(LIST).content.decode()


def test_search_by_another_date_of_birth_finds_nobody(client, front_desk, patient):
    client.force_login(front_desk)
    client.post(LIST, {"q": "1990-01-01"})
    assert patient.mrn not in client.get(LIST).content.decode()


def test_clearing_the_search_shows_everyone_again(client, front_desk, patient, location):
    other = f.make_patient(location, last_name="Zulu")
    client.force_login(front_desk)
    client.post(LIST, {"q": "rivera"})
    client.post(LIST, {"clear": "1"})
    assert other.mrn in client.get(LIST).content.decode()


def test_inactive_patients_are_hidden_unless_asked_for(client, front_desk, location):
    gone = f.make_patient(location, last_name="Gone", is_active=False)
    client.force_login(front_desk)
    assert gone.mrn not in client.get(LIST).content.decode()
    client.post(LIST, {"q": "", "include_inactive": "on"})
    assert gone.mrn in client.get(LIST).content.decode()


def test_the_list_is_paginated_with_a_page_number_only(client, front_desk, location):
    for n in range(30):
        f.make_patient(location, last_name=f"Page{n:02d}")
    client.force_login(front_desk)
    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert client.get(LIST, {"page": "x'; DROP"}).status_code == 200


def test_an_overlong_search_is_a_form_error_not_a_crash(client, front_desk):
    client.force_login(front_desk)
    response = client.post(LIST, {"q": "x" * 500})
    assert response.status_code == 200
    assert "at most 100 characters" in response.content.decode()
    assert SEARCH_SESSION_KEY not in client.session


def test_the_list_runs_the_same_number_of_queries_for_1_or_30_patients(
    client, front_desk, location, django_assert_max_num_queries
):
    f.make_patient(location)
    client.force_login(front_desk)
    client.get(LIST)  # warm the session
    with django_assert_max_num_queries(8) as one:
        client.get(LIST)
    for _ in range(29):
        f.make_patient(location)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(LIST)


# --- Register ---------------------------------------------------------------------------------


def test_the_front_desk_registers_a_patient(client, front_desk, location):
    client.force_login(front_desk)
    response = client.post(
        CREATE,
        {
            "mrn": "new-001",
            "first_name": "Nia",
            "last_name": "Newman",
            "date_of_birth": "1990-02-03",
            "sex": "F",
            "home_location": location.pk,
            "has_arteriovenous_malformation": "on",
        },
    )
    patient = Patient.objects.get(mrn="NEW-001")
    assert response.status_code == 302
    assert response.url == patient.get_absolute_url()
    assert patient.has_arteriovenous_malformation
    assert patient.date_of_birth == date(1990, 2, 3)


def test_a_guide_may_not_register_patients(client, guide):
    client.force_login(guide)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, {}).status_code == 403


def test_registration_with_a_future_birth_date_or_a_taken_mrn_stores_nothing(
    client, front_desk, patient, location
):
    client.force_login(front_desk)
    before = Patient.objects.count()
    response = client.post(
        CREATE,
        {
            "mrn": patient.mrn,
            "first_name": "Dup",
            "last_name": "Licate",
            "date_of_birth": "2999-01-01",
            "sex": "F",
            "home_location": location.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The date of birth cannot be in the future." in page
    assert Patient.objects.count() == before


def test_registration_with_a_duplicate_mrn_shows_it_next_to_the_field(
    client, front_desk, patient, location
):
    client.force_login(front_desk)
    response = client.post(
        CREATE,
        {
            "mrn": patient.mrn.lower(),
            "first_name": "Dup",
            "last_name": "Licate",
            "date_of_birth": "1980-01-01",
            "sex": "F",
            "home_location": location.pk,
        },
    )
    assert response.status_code == 200
    assert "MRN already exists" in response.content.decode()
    assert Patient.objects.filter(first_name="Dup").count() == 0


def test_a_patient_cannot_be_registered_at_someone_elses_location(
    client, front_desk, other_location
):
    client.force_login(front_desk)
    response = client.post(
        CREATE,
        {
            "mrn": "X1",
            "first_name": "A",
            "last_name": "B",
            "date_of_birth": "1980-01-01",
            "sex": "F",
            "home_location": other_location.pk,
        },
    )
    assert response.status_code == 200
    assert not Patient.objects.filter(mrn="X1").exists()


# --- Edit ---------------------------------------------------------------------------------------


def test_the_front_desk_edits_contact_and_screening(client, front_desk, patient, guide):
    client.force_login(front_desk)
    url = reverse("patients:edit", args=[patient.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        _edit_data(
            patient,
            phone="555-0100",
            allergies="Penicillin",
            preferred_guide=guide.pk,
            rems_patient_id="R-9",
            rems_enrolled_on="2026-01-02",
            has_intracerebral_hemorrhage_history="on",
        ),
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "555-0100"
    assert patient.allergies == "Penicillin"
    assert patient.preferred_guide == guide
    assert patient.is_rems_enrolled
    assert patient.has_intracerebral_hemorrhage_history
    assert patient.version == 2


def test_a_stale_second_tab_is_refused_and_nothing_is_written(client, front_desk, patient):
    client.force_login(front_desk)
    url = reverse("patients:edit", args=[patient.pk])
    first_tab = _edit_data(patient, phone="111")
    second_tab = _edit_data(patient, phone="222")
    assert client.post(url, first_tab).status_code == 302
    response = client.post(url, second_tab)
    assert response.status_code == 200
    assert STALE_EDIT in response.content.decode()
    patient.refresh_from_db()
    assert patient.phone == "111"
    assert patient.version == 2


def test_an_invalid_edit_shows_the_error_and_stores_nothing(client, front_desk, patient):
    client.force_login(front_desk)
    url = reverse("patients:edit", args=[patient.pk])
    response = client.post(url, _edit_data(patient, last_name="", email="not-an-email"))
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    patient.refresh_from_db()
    assert patient.last_name == "Rivera"
    assert patient.version == 1


def test_a_rems_date_without_an_id_is_refused(client, front_desk, patient):
    client.force_login(front_desk)
    url = reverse("patients:edit", args=[patient.pk])
    response = client.post(url, _edit_data(patient, rems_enrolled_on="2026-01-02"))
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.rems_enrolled_on is None


def test_editing_a_patient_of_another_location_is_404(client, front_desk, other_location):
    stranger = f.make_patient(other_location)
    client.force_login(front_desk)
    url = reverse("patients:edit", args=[stranger.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _edit_data(stranger, phone="1")).status_code == 404


def test_a_guide_may_not_edit_demographics(client, guide, patient):
    client.force_login(guide)
    assert client.get(reverse("patients:edit", args=[patient.pk])).status_code == 403


# --- Deactivate ---------------------------------------------------------------------------------


def test_deactivating_keeps_the_record_and_marks_it_inactive(client, front_desk, patient):
    client.force_login(front_desk)
    url = reverse("patients:deactivate", args=[patient.pk])
    response = client.post(url, {"version": patient.version})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert not patient.is_active
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_deactivate_needs_post_and_the_current_version(client, front_desk, patient):
    client.force_login(front_desk)
    url = reverse("patients:deactivate", args=[patient.pk])
    assert client.get(url).status_code == 405
    client.post(url, {"version": patient.version + 5})
    client.post(url, {"version": "junk"})
    patient.refresh_from_db()
    assert patient.is_active


def test_deactivate_out_of_scope_is_404_and_wrong_role_403(
    client, front_desk, guide, other_location, patient
):
    stranger = f.make_patient(other_location)
    client.force_login(front_desk)
    assert (
        client.post(reverse("patients:deactivate", args=[stranger.pk]), {"version": 1}).status_code
        == 404
    )
    client.force_login(guide)
    assert (
        client.post(reverse("patients:deactivate", args=[patient.pk]), {"version": 1}).status_code
        == 403
    )


def test_an_administrator_sees_every_location(client, administrator, other_location):
    stranger = f.make_patient(other_location)
    client.force_login(administrator)
    assert stranger.mrn in client.get(LIST).content.decode()
    assert client.get(reverse("patients:detail", args=[stranger.pk])).status_code == 200
