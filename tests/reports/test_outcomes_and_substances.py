"""Outcomes (baseline/latest, response, remission, safety alerts) and the controlled-substance log.

Courses (guided unless said), scores in date order:
  C1 Pia   PHQ-9 20 (1 Feb), 12 (5 Mar), 8 (20 Mar), 2 (10 Apr, after the range); GAD-7 14 -> 6
  C2 Quin  PHQ-9 16 -> 4; MADRS 30 -> 10
  C3 Rae   PHQ-9 18 once (a baseline without a result)
  C4 Sol   a March session, no score at all (no baseline)
  C5 Tao   Spravato course, PHQ-9 22 (item 9 answered 1: safety alert) -> 15
  Pia also had a PHQ-9 safety alert on 1 Feb, before the range.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from patients.services import assessment_record, course_create
from reports.selectors.common import ReportFilters
from reports.selectors.outcomes import outcomes_report
from reports.selectors.substances import substances_report
from tests import factories as f
from tests.reports import builders as b

pytestmark = pytest.mark.django_db

MARCH = ReportFilters(start=date(2025, 3, 1), end=date(2025, 3, 31))


def _items(total: int, count: int, item_max: int, *, last: int | None = None) -> list[int]:
    """`count` answers summing to `total`; the last answer fixed when given (PHQ-9 item 9)."""
    items = [0] * count
    remaining = total
    if last is not None:
        items[-1] = last
        remaining -= last
    for i in range(count - (1 if last is not None else 0)):
        items[i] = min(item_max, remaining)
        remaining -= items[i]
    assert remaining == 0
    return items


SPEC = {"phq9": (9, 3), "gad7": (7, 3), "madrs": (10, 6)}


@pytest.fixture
def outcomes(administrator, clinician, guide, room, location):
    def course(patient, service_type="guided"):
        return course_create(
            patient=patient,
            kind="induction",
            service_type=service_type,
            planned_sessions=6,
            started_on=date(2025, 2, 1),
            actor=clinician,
        )

    def score(patient, course, scale, total, when, *, item9=None):
        count, item_max = SPEC[scale]
        assessment_record(
            patient=patient,
            course=course,
            scale=scale,
            items=_items(total, count, item_max, last=item9),
            actor=clinician,
            administered_at=b.local(when, 12),
        )

    pia, quin, rae, sol = (
        f.make_patient(location, first_name=n) for n in ["Pia", "Quin", "Rae", "Sol"]
    )
    tao = f.make_spravato_patient(location, first_name="Tao")
    c1, c2, c3, c4, c5 = (
        course(pia),
        course(quin),
        course(rae),
        course(sol),
        course(tao, "spravato"),
    )
    score(pia, c1, "phq9", 20, date(2025, 2, 1), item9=1)
    score(pia, c1, "phq9", 12, date(2025, 3, 5))
    score(pia, c1, "phq9", 8, date(2025, 3, 20))
    score(pia, c1, "phq9", 2, date(2025, 4, 10))
    score(pia, c1, "gad7", 14, date(2025, 2, 1))
    score(pia, c1, "gad7", 6, date(2025, 3, 20))
    score(quin, c2, "phq9", 16, date(2025, 3, 2))
    score(quin, c2, "phq9", 4, date(2025, 3, 25))
    score(quin, c2, "madrs", 30, date(2025, 3, 2))
    score(quin, c2, "madrs", 10, date(2025, 3, 25))
    score(rae, c3, "phq9", 18, date(2025, 3, 10))
    score(tao, c5, "phq9", 22, date(2025, 3, 3), item9=1)
    score(tao, c5, "phq9", 15, date(2025, 3, 24))
    b.booked(
        service_type="guided",
        patients=[sol],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=administrator,
        starts_at=b.local(date(2025, 3, 12), 9),
        courses={sol.pk: c4},
    )
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5}


def _rates(report):
    return {(r["service"], r["scale"]): r for r in report.table("rates").rows}


def test_response_and_remission_rates_by_service_type(outcomes):
    rates = _rates(outcomes_report(MARCH))
    phq9 = rates[("Guided (1:1, IM)", "PHQ-9")]
    # C1..C4 are guided; C4 has no score (no baseline); C3 has a baseline but no later score.
    assert (phq9["courses"], phq9["no_baseline"], phq9["evaluable"]) == (4, 1, 2)
    # C1 20 -> 8 (60% drop) and C2 16 -> 4 both respond; only C2 is below 5.
    assert (phq9["responders"], phq9["remitters"]) == (2, 1)
    assert phq9["response_pct"] == pytest.approx(100.0)
    assert phq9["remission_pct"] == pytest.approx(50.0)
    madrs = rates[("Guided (1:1, IM)", "MADRS")]
    assert (madrs["no_baseline"], madrs["evaluable"], madrs["responders"], madrs["remitters"]) == (
        3,
        1,
        1,
        1,
    )
    gad7 = rates[("Guided (1:1, IM)", "GAD-7")]
    assert (gad7["responders"], gad7["remitters"], gad7["remission_pct"]) == (1, None, None)
    spravato = rates[("Spravato (esketamine)", "PHQ-9")]
    # 22 -> 15 is a 32% drop: no response.
    assert (spravato["evaluable"], spravato["responders"], spravato["response_pct"]) == (1, 0, 0)


def test_it_counts_patients_with_a_phq9_safety_alert_in_the_period(outcomes):
    summary = dict(outcomes_report(MARCH).summary)
    assert summary["Patients with a PHQ-9 item-9 safety alert"] == 1  # Pia's was in February
    assert summary["Treatment courses"] == 5


def test_the_course_table_shows_baseline_and_latest_up_to_the_end_of_the_range(outcomes):
    table = outcomes_report(MARCH).table("courses")
    rows = {r["pk"]: r for r in table.iter_rows()}
    c1 = rows[outcomes["c1"].pk]
    assert (c1["phq9_baseline"], c1["phq9_latest"]) == (20, 8)  # April's 2 is after the range
    assert (c1["gad7_baseline"], c1["gad7_latest"]) == (14, 6)
    c3 = rows[outcomes["c3"].pk]
    assert (c3["phq9_baseline"], c3["phq9_latest"]) == (18, None)
    c4 = rows[outcomes["c4"].pk]
    assert (c4["phq9_baseline"], c4["madrs_baseline"]) == (None, None)


def test_outcomes_for_an_empty_period(outcomes):
    report = outcomes_report(ReportFilters(start=date(2024, 1, 1), end=date(2024, 1, 31)))
    assert list(report.table("rates").rows) == []
    assert dict(report.summary)["Patients with a PHQ-9 item-9 safety alert"] == 0


@pytest.fixture
def doses(administrator, guide, clinician, other_clinician, room, location, other_location):
    one = {"room": room, "guide": guide, "clinician": clinician, "actor": administrator}
    ana, ben = f.make_patient(location), f.make_patient(location)
    sam = f.make_spravato_patient(location)
    s1 = b.booked(
        service_type="guided", patients=[ana], starts_at=b.local(date(2025, 3, 3), 9), **one
    )
    s2 = b.booked(
        service_type="guided", patients=[ben], starts_at=b.local(date(2025, 3, 4), 9), **one
    )
    s3 = b.booked(
        service_type="spravato", patients=[sam], starts_at=b.local(date(2025, 3, 5), 9), **one
    )
    s4 = b.booked(
        service_type="guided", patients=[ana], starts_at=b.local(date(2025, 4, 2), 9), **one
    )
    far_room = f.make_room(other_location, name="Birch")
    s5 = b.booked(
        service_type="guided",
        patients=[ben],
        room=far_room,
        guide=guide,
        clinician=clinician,
        actor=administrator,
        starts_at=b.local(date(2025, 3, 6), 9),
    )
    b.dose(
        b.participant(s1),
        clinician,
        b.local(date(2025, 3, 3), 9, 30),
        mg="35",
        lot="K-1",
        wasted="15",
        witness=other_clinician,
    )
    b.dose(b.participant(s2), clinician, b.local(date(2025, 3, 4), 9, 30), mg="50", lot="K-1")
    for n in (1, 2):
        b.dose(
            b.participant(s3),
            clinician,
            b.local(date(2025, 3, 5), 9, 25 + 5 * n),
            route="intranasal",
            mg="28",
            lot="S-9",
            device_number=n,
        )
    b.dose(b.participant(s4), clinician, b.local(date(2025, 4, 2), 9, 30), mg="40", lot="K-1")
    b.dose(b.participant(s5), clinician, b.local(date(2025, 3, 6), 9, 30), mg="40", lot="K-2")


def test_the_substance_log_lists_every_dose_with_totals_per_lot(doses, other_clinician):
    report = substances_report(MARCH)
    lots = {r["lot_number"]: r for r in report.table("lots").rows}
    assert (lots["K-1"]["doses"], lots["K-1"]["given_mg"], lots["K-1"]["wasted_mg"]) == (
        2,
        Decimal("85"),
        Decimal("15"),
    )
    assert (lots["S-9"]["doses"], lots["S-9"]["given_mg"]) == (2, Decimal("56"))
    assert lots["K-2"]["given_mg"] == Decimal("40")
    log = list(report.table("doses").iter_rows())
    assert len(log) == 5  # April's dose is outside the range
    first = log[0]
    assert (first["lot_number"], first["dose_mg"], first["wasted_mg"]) == (
        "K-1",
        Decimal("35"),
        Decimal("15"),
    )
    assert first["given_by"] == "Cleo Nurse"
    assert first["witness_name"] == "Carl Medic"
    assert (first["drug"], first["route"]) == ("Ketamine", "Intramuscular (IM)")
    drugs = {r["drug"]: r for r in report.table("drugs").rows}
    assert (drugs["ketamine"]["doses"], drugs["ketamine"]["lots"]) == (3, 2)
    assert drugs["esketamine"]["given_mg"] == Decimal("56")


def test_the_substance_log_filters_by_location(doses, location):
    filters = ReportFilters(start=date(2025, 3, 1), end=date(2025, 3, 31), location_id=location.pk)
    lots = {r["lot_number"] for r in substances_report(filters).table("lots").rows}
    assert lots == {"K-1", "S-9"}


def test_the_substance_log_page_paginates_the_doses(doses, admin_client):
    response = admin_client.get(
        reverse("reports:substances"), {"start": "2025-03-01", "end": "2025-03-31"}
    )
    page = response.content.decode()
    assert "K-2" in page and "Carl Medic" in page
