"""CSV exports (streamed, formula-safe) and query counts that do not grow with the data."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from reports.csv import escape_cell
from tests import factories as f
from tests.reports import builders as b
from tests.reports.conftest import MARCH, REPORT_PAGES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Patient unwell", "Patient unwell"),
        (-5, -5),
        (None, ""),
        (True, "yes"),
    ],
)
def test_it_escapes_cells_a_spreadsheet_would_run_as_formulas(value, expected):
    assert escape_cell(value) == expected


def _read(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_export_streams_the_table_with_dangerous_text_escaped(
    admin_client, administrator, guide, clinician, room, patient
):
    session = b.booked(
        service_type="guided",
        patients=[patient],
        room=room,
        guide=guide,
        clinician=clinician,
        actor=administrator,
        starts_at=b.local(date(2025, 3, 3), 9),
    )
    b.cancelled(session, administrator, '=cmd|"/c calc"!A1')
    response = admin_client.get(
        reverse("reports:export", args=["activity", "cancel-reasons"]), MARCH
    )
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert (
        'filename="activity-cancel-reasons-20250301-20250331.csv"'
        in response["Content-Disposition"]
    )
    rows = _read(response)
    assert rows == [["Reason", "Sessions"], ['\'=cmd|"/c calc"!a1', "1"]]


def test_the_export_uses_the_same_filters_as_the_page(admin_client, guide, other_guide):
    url = reverse("reports:export", args=["activity", "outcomes"])
    rows = _read(admin_client.get(url, {**MARCH, "guide": other_guide.pk}))
    assert rows[0][:3] == ["Service", "Booked", "Completed"]
    assert rows[-1][0] == "All services"


def _history(size: int, *, offset: int = 0, administrator, guide, clinician, location):
    """`size` completed guided sessions, each with a dose, vitals, an assessment and a form."""
    room = f.make_room(location, capacity=6, name=f"Bulk {offset}")
    for i in range(offset, offset + size):
        patient = f.make_spravato_patient(location)
        starts = b.local(date(2025, 3, 1 + i % 28), 7 + (i // 28) % 10)
        service = "spravato" if i % 2 else "group"
        session = b.completed(
            b.booked(
                service_type=service,
                patients=[patient]
                if service == "spravato"
                else [patient, f.make_patient(location)],
                room=room,
                guide=guide,
                clinician=clinician,
                actor=administrator,
                starts_at=starts,
                minutes=50,
            ),
            administrator,
            prep=10,
            med=20,
            integ=10,
        )
        part = session.participants.get(patient=patient)
        route = "intranasal" if service == "spravato" else "im"
        b.dose(
            part,
            clinician,
            starts,
            route=route,
            mg="28" if service == "spravato" else "35",
            device_number=1 if service == "spravato" else None,
        )
        b.vitals(part, clinician, starts, phase="medication", flagged=i % 3 == 0)
        b.adverse_event(part, clinician, starts)


@pytest.mark.parametrize("name", REPORT_PAGES)
def test_report_pages_run_the_same_number_of_queries_for_more_data(
    name, admin_client, administrator, guide, clinician, location, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(reverse(name), MARCH).status_code == 200
        return len(ctx.captured_queries)

    _history(2, administrator=administrator, guide=guide, clinician=clinician, location=location)
    small = count()
    _history(
        12,
        offset=2,
        administrator=administrator,
        guide=guide,
        clinician=clinician,
        location=location,
    )
    with django_assert_max_num_queries(small):
        assert admin_client.get(reverse(name), MARCH).status_code == 200
    assert count() == small
    # And the bound itself stays small (session, user, roles, form choices, the report's own).
    assert small <= 25
