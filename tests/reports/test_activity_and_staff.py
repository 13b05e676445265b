"""Activity and Staff-and-rooms figures on a hand-built March 2025.

Week of Mon 3 Mar (Willow, capacity 1; Gale leads, Cleo supervises):
  A guided 3 Mar 09:00-11:00 completed     B guided 4 Mar completed
  C guided 5 Mar cancelled "Patient unwell" D guided 6 Mar no-show
Week of Mon 10 Mar (Cedar, capacity 8; Otto leads, Gale co-guides G1):
  G1 group 11 Mar 13:00-16:00, 4 patients, one of them a no-show, completed
  G2 group 12 Mar, 3 patients, cancelled "  patient UNWELL "
  K  couples 13 Mar 13:00-15:00, completed
Outside the range: a guided session on 2 Apr.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from reports.selectors.activity import activity_report
from reports.selectors.common import ReportFilters
from reports.selectors.staff import staff_report
from tests import factories as f
from tests.reports import builders as b

pytestmark = pytest.mark.django_db

MARCH = ReportFilters(start=date(2025, 3, 1), end=date(2025, 3, 31))


@pytest.fixture
def march(administrator, guide, other_guide, clinician, room, group_room, location):
    people = [f.make_patient(location) for _ in range(6)]
    common = {"clinician": clinician, "actor": administrator}
    one = {"service_type": "guided", "room": room, "guide": guide, **common}
    a = b.completed(
        b.booked(patients=[people[0]], starts_at=b.local(date(2025, 3, 3), 9), **one),
        administrator,
    )
    b.completed(
        b.booked(patients=[people[0]], starts_at=b.local(date(2025, 3, 4), 9), **one),
        administrator,
    )
    b.cancelled(
        b.booked(patients=[people[1]], starts_at=b.local(date(2025, 3, 5), 9), **one),
        administrator,
        "Patient unwell",
    )
    b.no_show(
        b.booked(patients=[people[2]], starts_at=b.local(date(2025, 3, 6), 9), **one),
        administrator,
    )
    b.completed(
        b.booked(
            service_type="group",
            patients=people[:4],
            room=group_room,
            guide=other_guide,
            co_guide=guide,
            starts_at=b.local(date(2025, 3, 11), 13),
            minutes=180,
            **common,
        ),
        administrator,
        no_show_patients=[people[3]],
    )
    b.cancelled(
        b.booked(
            service_type="group",
            patients=people[3:6],
            room=group_room,
            guide=other_guide,
            starts_at=b.local(date(2025, 3, 12), 13),
            minutes=180,
            **common,
        ),
        administrator,
        "  patient UNWELL ",
    )
    b.completed(
        b.booked(
            service_type="couples",
            patients=people[4:6],
            room=group_room,
            guide=other_guide,
            starts_at=b.local(date(2025, 3, 13), 13),
            **common,
        ),
        administrator,
    )
    b.booked(patients=[people[0]], starts_at=b.local(date(2025, 4, 2), 9), **one)
    return a


def _by(rows, key="service"):
    return {r[key]: r for r in rows}


def test_activity_counts_sessions_per_week_by_service_type(march):
    report = activity_report(MARCH)
    weeks = {r["period"]: r for r in report.table("periods").rows}
    assert list(weeks) == [
        date(2025, 2, 24),
        date(2025, 3, 3),
        date(2025, 3, 10),
        date(2025, 3, 17),
        date(2025, 3, 24),
        date(2025, 3, 31),
    ]
    assert weeks[date(2025, 3, 3)]["guided"] == 4
    assert weeks[date(2025, 3, 3)]["total"] == 4
    assert (weeks[date(2025, 3, 10)]["group"], weeks[date(2025, 3, 10)]["couples"]) == (2, 1)
    assert weeks[date(2025, 3, 17)]["total"] == 0
    assert report.charts[0].datasets[0]["data"] == [0, 4, 0, 0, 0, 0]


def test_activity_groups_by_month_when_asked(march):
    filters = ReportFilters(start=date(2025, 3, 1), end=date(2025, 3, 31), period="month")
    rows = list(activity_report(filters).table("periods").rows)
    assert len(rows) == 1
    assert (rows[0]["period"], rows[0]["guided"], rows[0]["group"], rows[0]["total"]) == (
        date(2025, 3, 1),
        4,
        2,
        7,
    )


def test_activity_counts_completed_cancelled_and_no_show_with_rates(march):
    table = activity_report(MARCH).table("outcomes")
    rows = _by(table.rows, "service_type")
    guided = rows["guided"]
    assert (guided["sessions"], guided["completed"], guided["cancelled"], guided["no_show"]) == (
        4,
        2,
        1,
        1,
    )
    assert guided["completed_pct"] == pytest.approx(50.0)
    assert guided["cancelled_pct"] == pytest.approx(25.0)
    assert guided["no_show_pct"] == pytest.approx(25.0)
    assert (rows["group"]["sessions"], rows["group"]["cancelled"]) == (2, 1)
    assert rows["group"]["cancelled_pct"] == pytest.approx(50.0)
    assert table.totals["sessions"] == 7
    assert table.totals["completed"] == 4
    assert table.totals["cancelled_pct"] == pytest.approx(200 / 7)
    assert table.totals["no_show_pct"] == pytest.approx(100 / 7)


def test_activity_lists_cancellation_reasons_ignoring_case_and_spacing(march):
    assert list(activity_report(MARCH).table("cancel-reasons").rows) == [
        {"reason": "patient unwell", "n": 2}
    ]


def test_seat_fill_leaves_out_the_cancelled_group_session(march):
    rows = _by(activity_report(MARCH).table("seat-fill").rows)
    group = rows["Group"]
    # G1 only: room capacity 8 capped at the group maximum 6; 4 booked, 1 no-show.
    assert (group["sessions"], group["capacity"], group["booked"], group["filled"]) == (
        1,
        6,
        4,
        3,
    )
    assert group["missed"] == 1
    assert group["fill_pct"] == pytest.approx(50.0)
    couples = rows["Couples"]
    assert (couples["capacity"], couples["filled"], couples["fill_pct"]) == (2, 2, 100.0)


def test_activity_filters_by_guide_lead_or_co(march, guide):
    filters = ReportFilters(start=date(2025, 3, 1), end=date(2025, 3, 31), guide_id=guide.pk)
    assert activity_report(filters).table("outcomes").totals["sessions"] == 5


def test_an_empty_period_shows_zeros_and_empty_tables(march, admin_client):
    filters = ReportFilters(start=date(2024, 1, 1), end=date(2024, 1, 31))
    report = activity_report(filters)
    assert report.table("outcomes").totals["sessions"] == 0
    assert report.table("outcomes").totals["completed_pct"] is None
    assert list(report.table("seat-fill").rows) == []
    assert all(r["total"] == 0 for r in report.table("periods").rows)
    response = admin_client.get(
        reverse("reports:activity"), {"start": "2024-01-01", "end": "2024-01-31"}
    )
    assert "Nothing in this period." in response.content.decode()


def test_staff_hours_per_guide_and_clinician(march, guide, other_guide, clinician):
    report = staff_report(MARCH)
    guides = {(r["user_id"], r["role"]): r for r in report.table("guides").rows}
    # Gale leads A and B (2 h each; C cancelled and D no-show do not count), co-guides G1 (3 h).
    assert guides[(guide.pk, "Lead guide")]["sessions"] == 2
    assert guides[(guide.pk, "Lead guide")]["hours"] == pytest.approx(4.0)
    assert guides[(guide.pk, "Co-guide")]["hours"] == pytest.approx(3.0)
    # Otto leads G1 (3 h) and K (2 h); G2 was cancelled.
    assert guides[(other_guide.pk, "Lead guide")]["sessions"] == 2
    assert guides[(other_guide.pk, "Lead guide")]["hours"] == pytest.approx(5.0)
    [cleo] = report.table("clinicians").rows
    assert (cleo["user_id"], cleo["sessions"], cleo["completed"]) == (clinician.pk, 4, 4)
    assert cleo["hours"] == pytest.approx(9.0)


def test_room_utilisation_is_booked_over_open_hours(march):
    report = staff_report(MARCH)
    [northside] = report.table("locations").rows
    # Two rooms open 08:00-18:00 for 31 days = 620 h. Booked: Willow A+B+D (no-show holds the
    # room) = 6 h, Cedar G1 3 h + K 2 h = 5 h (cancelled G2 left out).
    assert (northside["room_count"], northside["session_count"]) == (2, 5)
    assert northside["hours"] == pytest.approx(11.0)
    assert northside["open_hours"] == pytest.approx(620.0)
    assert northside["utilisation_pct"] == pytest.approx(1100 / 620)
    rooms = {r["name"]: r for r in report.table("rooms").rows}
    assert rooms["Willow"]["hours"] == pytest.approx(6.0)
    assert rooms["Willow"]["utilisation_pct"] == pytest.approx(600 / 310)
    assert rooms["Cedar"]["hours"] == pytest.approx(5.0)
