"""Clinical flow figures: phase percentiles, late vitals checks, flags and events per 100."""

from __future__ import annotations

from datetime import date

import pytest

from reports.selectors.clinical_flow import clinical_flow_report
from reports.selectors.common import ReportFilters, percentile_cont
from tests import factories as f
from tests.reports import builders as b

pytestmark = pytest.mark.django_db

MARCH = ReportFilters(start=date(2025, 3, 1), end=date(2025, 3, 31))


@pytest.fixture
def flow(administrator, guide, clinician, room, location):
    people = [f.make_patient(location) for _ in range(5)]
    one = {
        "service_type": "guided",
        "room": room,
        "guide": guide,
        "clinician": clinician,
        "actor": administrator,
    }
    # Guided: preparation 30/20/60, medication 60/90/60, integration 30/40/60 minutes.
    a = b.completed(
        b.booked(patients=[people[0]], starts_at=b.local(date(2025, 3, 3), 9), **one),
        administrator,
        prep=30,
        med=60,
        integ=30,
    )
    bb = b.completed(
        b.booked(patients=[people[1]], starts_at=b.local(date(2025, 3, 4), 9), **one),
        administrator,
        prep=20,
        med=90,
        integ=40,
    )
    b.completed(
        b.booked(patients=[people[2]], starts_at=b.local(date(2025, 3, 5), 9), minutes=180, **one),
        administrator,
        prep=60,
        med=60,
        integ=60,
    )
    b.cancelled(
        b.booked(patients=[people[3]], starts_at=b.local(date(2025, 3, 6), 9), **one),
        administrator,
    )
    iv = b.completed(
        b.booked(
            **{**one, "service_type": "iv_infusion"},
            patients=[people[4]],
            starts_at=b.local(date(2025, 3, 7), 9, 30),
        ),
        administrator,
        prep=30,
        med=90,
        integ=0 + 1,
    )
    # A: ketamine IM at 09:30; readings 09:40, 09:55, 10:16 (21 min gap > 15 + 5: late), 10:30.
    pa = b.participant(a)
    b.vitals(pa, clinician, b.local(date(2025, 3, 3), 9, 20), phase="preparation")
    b.dose(pa, clinician, b.local(date(2025, 3, 3), 9, 30))
    for minute in (40, 55, 76, 90):
        b.vitals(pa, clinician, b.local(date(2025, 3, 3), 9, minute), phase="medication")
    b.vitals(
        pa, clinician, b.local(date(2025, 3, 3), 10, 35), phase="medication", flagged=True, spo2=90
    )
    b.adverse_event(pa, clinician, b.local(date(2025, 3, 3), 10))
    b.adverse_event(b.participant(bb), clinician, b.local(date(2025, 3, 4), 10), serious=True)
    # IV: dose 10:00, 40-minute infusion. 10:12 ok; 10:28 (16 > 10 + 5: late, infusing);
    # 10:50 (22 > 15, previous reading still inside the infusion: late); 11:10 (20, not > 20).
    pi = b.participant(iv)
    b.dose(pi, clinician, b.local(date(2025, 3, 7), 10), route="iv", infusion_minutes=40)
    for minute in (12, 28, 50, 70):
        b.vitals(pi, clinician, b.local(date(2025, 3, 7), 10, minute), phase="medication")
    return a


def test_percentile_matches_postgresqls_percentile_cont():
    assert percentile_cont([20, 30, 60], 0.5) == 30
    assert percentile_cont([20, 30, 60], 0.9) == pytest.approx(54)
    assert percentile_cont([], 0.5) is None


def test_it_reports_median_and_90th_percentile_minutes_per_phase(flow):
    rows = {r["service_type"]: r for r in clinical_flow_report(MARCH).table("phases").rows}
    guided = rows["guided"]
    assert guided["preparation_n"] == 3  # the cancelled session has no phase log
    assert guided["preparation_p50"] == pytest.approx(30)
    assert guided["preparation_p90"] == pytest.approx(54)  # 30 + 0.8 x (60 - 30)
    assert guided["medication_p50"] == pytest.approx(60)
    assert guided["medication_p90"] == pytest.approx(84)  # 60 + 0.8 x (90 - 60)
    assert guided["integration_p50"] == pytest.approx(40)
    assert guided["integration_p90"] == pytest.approx(56)  # 40 + 0.8 x (60 - 40)
    assert rows["iv_infusion"]["medication_p50"] == pytest.approx(90)
    assert rows["couples"]["preparation_n"] == 0
    assert rows["couples"]["preparation_p50"] is None


def test_it_counts_late_vitals_checks_against_the_cadence(flow):
    rows = {r["service"]: r for r in clinical_flow_report(MARCH).table("safety").rows}
    guided = rows["Guided (1:1, IM)"]
    # 5 medication-phase readings; only the 10:16 one came more than 20 minutes after the last.
    assert (guided["checks"], guided["late"]) == (5, 1)
    assert guided["late_pct"] == pytest.approx(20.0)
    iv = rows["IV infusion"]
    assert (iv["checks"], iv["late"]) == (4, 2)


def test_it_reports_flagged_vitals_and_adverse_events_per_100_sessions(flow):
    rows = {r["service"]: r for r in clinical_flow_report(MARCH).table("safety").rows}
    guided = rows["Guided (1:1, IM)"]
    # Three guided sessions started (the cancelled one does not count).
    assert guided["sessions"] == 3
    assert (guided["flagged"], guided["events"], guided["serious"]) == (1, 2, 1)
    assert guided["flagged_per_100"] == pytest.approx(100 / 3)
    assert guided["events_per_100"] == pytest.approx(200 / 3)


def test_an_empty_period_has_no_percentiles(flow):
    report = clinical_flow_report(ReportFilters(start=date(2024, 1, 1), end=date(2024, 1, 31)))
    assert all(r["preparation_p50"] is None for r in report.table("phases").rows)
    assert all(r["sessions"] == 0 for r in report.table("safety").rows)
