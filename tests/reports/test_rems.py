"""Spravato REMS compliance and the printable Patient Monitoring Form.

Session 1 runs through the services with the clock travelled (time_machine): BP before dosing,
two devices (56 mg) from 10:15, BP at 10:55 (40 min), BP at 12:20, discharge 12:21 (126 min),
form submitted three days later: every check met.
Session 2 is history built directly: BP before dosing only, discharged after 100 minutes, no
form (still due). Session 3: everything but the form, submitted 9 days later (late).
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from reports.selectors.common import ReportFilters
from reports.selectors.rems import rems_report
from sessions_app.models import Participant, RemsMonitoringForm
from sessions_app.services.booking import participant_check_in
from sessions_app.services.clinical import (
    rems_form_submit,
    spravato_device_record,
    vitals_record,
)
from sessions_app.services.phases import (
    participant_discharge,
    session_advance_phase,
    session_start,
)
from tests import factories as f
from tests.reports import builders as b

pytestmark = pytest.mark.django_db

MARCH = ReportFilters(start=date(2025, 3, 1), end=date(2025, 3, 31))
FORM_ANSWERS = {
    "first_treatment": True,
    "benzodiazepines": False,
    "non_benzo_sedative_hypnotics": False,
    "psychostimulants": True,
    "maois": False,
    "sedation": True,
    "dissociation": True,
    "respiratory_depression": False,
    "vitals_acceptable_before_dosing": True,
    "vitals_acceptable_before_completion": True,
    "serious_adverse_events": "",
}


def _at(day: date, hh: int, mm: int = 0):
    return b.local(day, hh, mm)


@pytest.fixture
def rems_history(administrator, guide, clinician, other_clinician, room, location):
    day = date(2025, 3, 3)
    common = {
        "service_type": "spravato",
        "room": room,
        "guide": guide,
        "clinician": clinician,
        "actor": administrator,
    }
    sam = f.make_spravato_patient(location, first_name="Sam", last_name="Reyes")
    first = b.booked(patients=[sam], starts_at=_at(day, 10), minutes=180, **common)
    part = b.participant(first)
    bp = {"systolic": 128, "diastolic": 82, "heart_rate": 70, "spo2": 98}
    with time_machine.travel(_at(day, 10), tick=False) as clock:
        session_start(session=first, actor=clinician)
        participant_check_in(participant=part, actor=clinician)
        clock.move_to(_at(day, 10, 5))
        vitals_record(participant=part, actor=clinician, **bp)
        session_advance_phase(session=first, actor=clinician)
        clock.move_to(_at(day, 10, 15))
        spravato_device_record(participant=part, actor=clinician, lot_number="SPR-1")
        clock.move_to(_at(day, 10, 20))
        spravato_device_record(participant=part, actor=clinician, lot_number="SPR-1")
        session_advance_phase(session=first, actor=clinician)
        clock.move_to(_at(day, 10, 55))
        vitals_record(participant=part, actor=clinician, **{**bp, "systolic": 150})
        clock.move_to(_at(day, 12, 20))
        vitals_record(participant=part, actor=clinician, **{**bp, "systolic": 131})
        clock.move_to(_at(day, 12, 21))
        participant_discharge(
            participant=part,
            actor=clinician,
            transport_arrangement="Partner drives",
            symptoms_resolved=True,
        )
        session_advance_phase(session=first, actor=clinician)
        clock.move_to(_at(day + timedelta(days=3), 9))
        rems_form_submit(participant=part, actor=clinician, **FORM_ANSWERS)

    # Session 2 (history): BP before dosing only, discharged 100 minutes after the dose, no form.
    ana = f.make_spravato_patient(location, first_name="Ana", last_name="Ortiz")
    day2 = date(2025, 3, 5)
    second = b.completed(
        b.booked(patients=[ana], starts_at=_at(day2, 10), minutes=180, **common),
        administrator,
    )
    p2 = b.participant(second)
    b.vitals(p2, clinician, _at(day2, 10, 25), phase="preparation")
    b.dose(
        p2, clinician, _at(day2, 10, 30), route="intranasal", mg="28", device_number=1, lot="SPR-2"
    )
    b.dose(
        p2, clinician, _at(day2, 10, 35), route="intranasal", mg="28", device_number=2, lot="SPR-2"
    )
    Participant.objects.filter(pk=p2.pk).update(
        discharged_at=_at(day2, 12, 10),
        ready_to_leave_at=_at(day2, 12, 10),
        discharged_by=clinician,
    )

    # Session 3 (history): all checks met, form 9 days later.
    lee = f.make_spravato_patient(location, first_name="Lee", last_name="Park")
    day3 = date(2025, 3, 10)
    third = b.completed(
        b.booked(patients=[lee], starts_at=_at(day3, 10), minutes=180, **common),
        administrator,
    )
    p3 = b.participant(third)
    b.vitals(p3, clinician, _at(day3, 10, 10), phase="preparation")
    b.dose(p3, clinician, _at(day3, 10, 15), route="intranasal", mg="28", device_number=1)
    b.dose(p3, clinician, _at(day3, 10, 20), route="intranasal", mg="28", device_number=2)
    b.dose(p3, clinician, _at(day3, 10, 25), route="intranasal", mg="28", device_number=3)
    b.vitals(p3, clinician, _at(day3, 10, 50), phase="medication")
    b.vitals(p3, clinician, _at(day3, 12, 20), phase="integration")
    Participant.objects.filter(pk=p3.pk).update(
        discharged_at=_at(day3, 12, 30),
        ready_to_leave_at=_at(day3, 12, 30),
        discharged_by=clinician,
    )
    RemsMonitoringForm.objects.create(
        participant=p3,
        submitted_at=_at(day3 + timedelta(days=9), 9),
        submitted_by=other_clinician,
        **{**FORM_ANSWERS, "first_treatment": False},
    )
    # A cancelled Spravato session does not count.
    b.cancelled(
        b.booked(patients=[lee], starts_at=_at(date(2025, 3, 12), 10), **common), administrator
    )
    return {"first": part, "second": p2, "third": p3}


def test_it_checks_each_spravato_session_against_the_rems(rems_history):
    report = rems_report(MARCH)
    rows = {r["pk"]: r for r in report.table("sessions").rows}
    assert len(rows) == 3
    first = rows[rems_history["first"].pk]
    assert first["monitoring_minutes"] == pytest.approx(126)
    assert first["total_mg"] == Decimal("56")
    assert (first["bp_before"], first["bp_40"], first["bp_discharge"]) == (True, True, True)
    assert first["form_on_time"] is True
    second = rows[rems_history["second"].pk]
    assert second["monitoring_minutes"] == pytest.approx(100)
    assert (second["bp_before"], second["bp_40"], second["bp_discharge"]) == (True, False, False)
    assert second["form_submitted_at"] is None
    third = rows[rems_history["third"].pk]
    assert third["monitoring_minutes"] == pytest.approx(135)
    assert (third["bp_before"], third["bp_40"], third["bp_discharge"]) == (True, True, True)
    assert not third["form_on_time"]


def test_it_summarises_compliance_per_check(rems_history):
    summary = {r["check"]: r for r in rems_report(MARCH).table("summary").rows}
    assert summary["Monitored >= 2 h"]["met"] == 2
    assert summary["BP before dosing"]["met"] == 3
    assert summary["BP at ~40 min"]["met"] == 2
    assert summary["BP before discharge"]["missed"] == 1
    assert summary["Form on time"]["met"] == 1
    assert summary["Form on time"]["met_pct"] == pytest.approx(100 / 3)


def test_it_lists_forms_still_due_oldest_first(rems_history):
    due = list(rems_report(MARCH).table("forms-due").iter_rows())
    assert [r["pk"] for r in due] == [rems_history["second"].pk]
    # 7 x 24 hours after the start (10:00 EST on 5 March; clocks moved forward on 9 March).
    assert due[0]["due_at"] == _at(date(2025, 3, 5), 10).astimezone(UTC) + timedelta(days=7)
    # Later range: the backlog of March still shows.
    april = ReportFilters(start=date(2025, 4, 1), end=date(2025, 4, 30))
    assert [r["pk"] for r in rems_report(april).table("forms-due").iter_rows()] == [
        rems_history["second"].pk
    ]


def test_forms_switched_off_drop_the_form_check(rems_history, settings):
    settings.REMS = {**settings.REMS, "MONITORING_FORM_REQUIRED": False}
    report = rems_report(MARCH)
    assert "Form on time" not in [r["check"] for r in report.table("summary").rows]
    assert list(report.table("forms-due").rows) == []


def test_the_printable_form_is_prefilled_from_the_session(rems_history, admin_client, clinician):
    url = reverse("reports:rems_form", args=[rems_history["first"].pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    for expected in [
        "Sam Reyes",
        "1985-05-17",  # date of birth
        "2025-03-03",  # treatment date
        "☒ 56 mg",
        "SPR-1",
        "126 min",
        "12:21",  # ready to leave
        "128/82 at 10:05",  # BP before dosing
        "150/82 at 10:55",  # BP at ~40 minutes
        "131/82 at 12:20",  # BP before completion
        "Cleo Nurse, RN",
        "Northside",
        "Submitted",
    ]:
        assert expected in page, expected
    assert "clinic/reports.css" in page  # its @media print rules lay the form out on paper


def test_an_unsubmitted_form_leaves_the_clinicians_answers_blank(rems_history, admin_client):
    page = admin_client.get(
        reverse("reports:rems_form", args=[rems_history["second"].pk])
    ).content.decode()
    assert "Not yet submitted" in page
    assert "☐ Yes ☐ No" in page
    assert "Not recorded" in page  # no BP at 40 minutes
