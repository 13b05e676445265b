"""The administrators' audit page: search, filter, CSV export; and break the glass."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import can_see_clinical, clinical_patients_for_user, patients_for_user
from audit.models import AccessEvent, BreakGlassGrant
from audit.services import REASON_MIN_LENGTH, REASON_TOO_SHORT, access_record
from audit.views import csv_safe
from tests import factories as f

pytestmark = pytest.mark.django_db

REASON = "Patient collapsed in the waiting room; need allergies and medications now."


# --- audit list --------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["front_desk", "guide", "clinician"])
def test_other_roles_get_403(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_administrator_sees_changes_and_access_events(client, administrator, clinician, patient):
    access_record(action="login", actor=clinician)
    client.force_login(administrator)
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    actions = [row.action for row in response.context["rows"]]
    assert "login" in actions and "create" in actions


def test_filters_by_user_action_type_dates_and_ip(client, administrator, clinician, guide, patient):
    access_record(action="login", actor=clinician)
    access_record(action="login", actor=guide)
    client.force_login(administrator)
    url = reverse("audit:list")
    rows = client.get(url, {"user": clinician.pk, "action": "login"}).context["rows"]
    assert [r.actor for r in rows] == ["clinician"]
    rows = client.get(url, {"object_type": "patients.patient", "action": "create"}).context["rows"]
    assert [(r.object_type, r.object_pk) for r in rows] == [("patients.Patient", str(patient.pk))]
    today = timezone.localdate()
    rows = client.get(url, {"date_from": today + timedelta(days=1)}).context["rows"]
    assert rows == []
    rows = client.get(url, {"date_from": today, "date_to": today, "action": "login"}).context[
        "rows"
    ]
    assert sorted(r.actor for r in rows) == ["admin", "clinician", "guide"]  # admin: force_login
    assert client.get(url, {"ip": "10.255.0.1"}).context["rows"] == []


def test_bad_filters_are_form_errors_not_500(client, administrator):
    client.force_login(administrator)
    response = client.get(
        reverse("audit:list"),
        {
            "user": "999999",
            "action": "drop table",
            "object_type": "auth.permission",
            "date_from": "2026-02-31",
            "ip": "not-an-ip",
            "order": "password",
            "page": "-1",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"user", "action", "object_type", "ip"}


def test_end_before_start_is_a_form_error(client, administrator):
    client.force_login(administrator)
    response = client.get(
        reverse("audit:list"), {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    )
    assert "date_to" in response.context["form"].errors


def test_the_list_runs_a_constant_number_of_queries(
    client, administrator, clinician, django_assert_max_num_queries, location
):
    for _ in range(30):
        access_record(action="login", actor=clinician)
        f.make_patient(location)
    client.force_login(administrator)
    with django_assert_max_num_queries(20):
        client.get(reverse("audit:list"))


# --- CSV export --------------------------------------------------------------------------------


def test_export_streams_a_csv_with_a_header_and_rows(client, administrator, clinician):
    access_record(action="login", actor=clinician)
    client.force_login(administrator)
    response = client.get(reverse("audit:export"), {"action": "login", "user": clinician.pk})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["timestamp_utc", "user", "action"]
    assert [r[1] for r in rows[1:]] == ["clinician"]
    assert AccessEvent.objects.filter(action="export", actor=administrator).exists()


@pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_export_defuses_spreadsheet_formulas(value):
    assert csv_safe(value).startswith("'")


def test_export_of_a_failed_login_with_a_formula_username_is_safe(client, administrator):
    client.post(reverse("login"), {"username": "=cmd|' /C calc'!A0", "password": "x"})
    client.force_login(administrator)
    body = b"".join(client.get(reverse("audit:export")).streaming_content).decode()
    assert "'=cmd" in body
    assert "\n=cmd" not in body and ",=cmd" not in body


# --- break the glass ---------------------------------------------------------------------------


@pytest.fixture
def outsider(other_location):
    """A patient of another location: outside every non-administrator's scope."""
    return f.make_patient(other_location, first_name="Olive", last_name="Outside")


def test_a_clinician_cannot_open_a_chart_outside_scope(client, clinician, outsider):
    client.force_login(clinician)
    response = client.get(reverse("patients:detail", args=[outsider.pk]))
    assert response.status_code == 404
    # ...but the not-found page offers the emergency route.
    assert reverse("audit:break_glass", args=[outsider.pk]).encode() in response.content


def test_breaking_the_glass_opens_the_chart_and_is_logged(client, clinician, outsider):
    client.force_login(clinician)
    url = reverse("audit:break_glass", args=[outsider.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": REASON}, REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 302
    assert response.url == reverse("patients:detail", args=[outsider.pk])
    grant = BreakGlassGrant.objects.get()
    assert (grant.user, grant.patient, grant.reason) == (clinician, outsider, REASON)
    assert grant.remote_addr == "10.7.7.7"
    assert grant.expires_at - grant.created_at == timedelta(hours=4)
    assert can_see_clinical(clinician, outsider)
    assert outsider in patients_for_user(clinician)
    assert client.get(reverse("patients:detail", args=[outsider.pk])).status_code == 200
    event = AccessEvent.objects.get(action="break_glass")
    assert event.actor == clinician and event.object_pk == str(outsider.pk)
    assert event.detail == REASON


def test_the_grant_expires(client, clinician, outsider):
    from audit.services import break_glass_grant

    break_glass_grant(user=clinician, patient=outsider, reason=REASON)
    with time_machine.travel(timezone.now() + timedelta(hours=4, minutes=1)):
        assert not can_see_clinical(clinician, outsider)
        assert outsider not in clinical_patients_for_user(clinician)


def test_the_grant_is_shown_to_administrators_newest_first(
    client, clinician, administrator, outsider, location
):
    from audit.services import break_glass_grant

    second = f.make_patient(location.__class__.objects.exclude(pk=location.pk).first())
    break_glass_grant(user=clinician, patient=outsider, reason=REASON)
    break_glass_grant(user=clinician, patient=second, reason=REASON + " (second)")
    client.force_login(administrator)
    response = client.get(reverse("audit:list"))
    grants = list(response.context["grants"])
    assert [g.patient for g in grants] == [second, outsider]
    assert REASON.encode() in response.content


def test_a_short_reason_is_refused_and_nothing_stored(client, clinician, outsider):
    client.force_login(clinician)
    response = client.post(reverse("audit:break_glass", args=[outsider.pk]), {"reason": "x"})
    assert response.status_code == 200
    assert REASON_TOO_SHORT.format(min=REASON_MIN_LENGTH) in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert not can_see_clinical(clinician, outsider)


def test_a_missing_patient_is_404_on_submit(client, clinician):
    client.force_login(clinician)
    assert (
        client.post(reverse("audit:break_glass", args=[999999]), {"reason": REASON}).status_code
        == 404
    )
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("role", ["front_desk", "guide", "administrator"])
def test_only_clinicians_may_break_the_glass(client, role, request, outsider):
    client.force_login(request.getfixturevalue(role))
    url = reverse("audit:break_glass", args=[outsider.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": REASON}).status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_a_grant_stops_counting_when_the_clinician_role_is_removed(clinician, outsider):
    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import user_set_roles
    from audit.services import break_glass_grant

    break_glass_grant(user=clinician, patient=outsider, reason=REASON)
    user_set_roles(user=clinician, roles=[Role.GUIDE])
    assert not can_see_clinical(User.objects.get(pk=clinician.pk), outsider)
