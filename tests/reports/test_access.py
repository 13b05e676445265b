"""Only administrators open reports; everyone else gets 403, anonymous users the login page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.forms import END_BEFORE_START, RANGE_TOO_LONG
from tests.reports import builders as b
from tests.reports.conftest import MARCH, REPORT_PAGES

pytestmark = pytest.mark.django_db


def _all_urls(participant_pk: int) -> list[str]:
    return [
        reverse("reports:index"),
        *[reverse(name) for name in REPORT_PAGES],
        reverse("reports:export", args=["substances", "doses"]),
        reverse("reports:rems_form", args=[participant_pk]),
    ]


@pytest.fixture
def spravato_participant(administrator, guide, clinician, room, spravato_patient):
    session = b.booked(
        service_type="spravato",
        patients=[spravato_patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=administrator,
        starts_at=b.local(b.date(2025, 3, 4), 10),
    )
    return b.participant(session)


def test_it_sends_anonymous_users_to_the_login_page(client, spravato_participant):
    for url in _all_urls(spravato_participant.pk):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", ["front_desk", "guide", "clinician"])
def test_it_refuses_every_report_to_non_administrators(client, request, role, spravato_participant):
    client.force_login(request.getfixturevalue(role))
    for url in _all_urls(spravato_participant.pk):
        assert client.get(url).status_code == 403, (role, url)


def test_it_shows_every_report_to_an_administrator(admin_client, spravato_participant):
    for url in _all_urls(spravato_participant.pk):
        assert admin_client.get(url, MARCH).status_code == 200, url


def test_it_shows_the_reports_link_in_the_navigation_only_to_administrators(
    client, administrator, clinician
):
    client.force_login(clinician)
    assert reverse("reports:index") not in client.get(reverse("dashboard")).content.decode()
    client.force_login(administrator)
    assert reverse("reports:index") in client.get(reverse("dashboard")).content.decode()


def test_it_defaults_to_the_last_90_days(admin_client):
    from datetime import timedelta

    from django.utils import timezone

    response = admin_client.get(reverse("reports:activity"))
    filters = response.context["filters"]
    today = timezone.localdate()
    assert (filters.start, filters.end) == (today - timedelta(days=90), today)


def test_it_shows_a_form_error_when_the_end_is_before_the_start(admin_client):
    response = admin_client.get(
        reverse("reports:activity"), {"start": "2025-03-10", "end": "2025-03-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end"] == [END_BEFORE_START]
    assert "report" not in response.context
    assert END_BEFORE_START in response.content.decode()


def test_it_refuses_a_range_longer_than_three_years(admin_client):
    response = admin_client.get(
        reverse("reports:staff"), {"start": "2015-01-01", "end": "2025-01-01"}
    )
    assert response.context["form"].errors["start"] == [RANGE_TOO_LONG]


@pytest.mark.parametrize(
    "params",
    [
        {"location": "abc"},
        {"location": "999999"},
        {"guide": "1 OR 1=1"},
        {"service_type": "ayahuasca"},
        {"period": "decade"},
        {"start": "yesterday"},
        {"outcomes-page": "x", "sessions-page": "-1"},
    ],
)
def test_it_answers_bad_filter_values_with_a_form_error_never_a_500(admin_client, params):
    for name in REPORT_PAGES:
        response = admin_client.get(reverse(name), params)
        assert response.status_code == 200, (name, params)


def test_it_does_not_accept_a_clinician_as_the_guide_filter(admin_client, clinician, guide):
    response = admin_client.get(reverse("reports:activity"), {"guide": clinician.pk})
    assert "guide" in response.context["form"].errors
    response = admin_client.get(reverse("reports:activity"), {"guide": guide.pk})
    assert response.context["filters"].guide_id == guide.pk


def test_the_export_answers_400_for_bad_filters_and_404_for_unknown_tables(admin_client):
    url = reverse("reports:export", args=["activity", "outcomes"])
    assert admin_client.get(url, {"start": "2025-03-10", "end": "2025-03-01"}).status_code == 400
    assert admin_client.get(reverse("reports:export", args=["activity", "nope"])).status_code == 404
    assert admin_client.get(reverse("reports:export", args=["nope", "outcomes"])).status_code == 404


def test_the_printable_form_is_only_for_spravato_participants(
    admin_client, administrator, guide, clinician, room, patient
):
    session = b.booked(
        service_type="guided",
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=administrator,
        starts_at=b.local(b.date(2025, 3, 4), 10),
    )
    url = reverse("reports:rems_form", args=[b.participant(session).pk])
    assert admin_client.get(url).status_code == 404
    assert admin_client.get(reverse("reports:rems_form", args=[999999])).status_code == 404
