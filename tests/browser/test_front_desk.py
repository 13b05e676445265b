"""Front desk in a real browser: book a group session, be refused a seven-patient one, use the
schedule's free slots, and accessibility on the front-desk pages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from sessions_app.models import Session
from sessions_app.services.booking import WRONG_PATIENT_COUNT
from tests import factories as f

pytestmark = pytest.mark.browser


@pytest.fixture
def cast(transactional_db):
    location = f.make_location("Northside")
    cast = {
        "location": location,
        "room": f.make_room(location, capacity=1, name="Willow"),
        "group_room": f.make_room(location, capacity=8, name="Cedar"),
        "desk": f.make_user(
            Role.FRONT_DESK, username="desk", locations=[location], first_name="Fran"
        ),
        "guide": f.make_user(
            Role.GUIDE, username="g1", locations=[location], first_name="Gale", last_name="Guide"
        ),
        "clinician": f.make_user(
            Role.CLINICIAN, username="c1", locations=[location], first_name="Cleo"
        ),
        "patients": [
            f.make_patient(location, first_name=f"P{n}", last_name=f"Group{n}") for n in range(7)
        ],
    }
    cast["day"] = timezone.localdate() + timedelta(days=3)
    return cast


def _start(day, hour=10) -> str:
    return f"{day.isoformat()}T{hour:02d}:00"


def _fill_group_booking(page, cast, patients) -> None:
    page.select_option("select[name=patients]", [str(p.pk) for p in patients])
    page.select_option("select[name=lead_guide]", str(cast["guide"].pk))
    page.select_option("select[name=clinician]", str(cast["clinician"].pk))
    page.select_option("select[name=room]", str(cast["group_room"].pk))
    page.fill("input[name=starts_at]", _start(cast["day"]))


def test_front_desk_books_a_group_of_three_and_is_refused_seven(
    live_server, login_as, axe_check, cast
):
    page = login_as(cast["desk"])
    page.goto(f"{live_server.url}/sessions/new/")
    axe_check("booking step 1")
    page.get_by_role("link", name="Group").click()
    expect(page.get_by_label("Patients (2 to 6)")).to_be_visible()
    axe_check("booking form")

    _fill_group_booking(page, cast, cast["patients"])
    page.get_by_role("button", name="Book").click()
    message = WRONG_PATIENT_COUNT.format(service="Group", count="2 to 6", given=7)
    field = page.locator("#div_id_patients")
    expect(field).to_contain_text(message)
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was booked")
    assert not Session.objects.exists()
    axe_check("booking form with errors")

    _fill_group_booking(page, cast, cast["patients"][:3])
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_text("Booked: Group on")).to_be_visible()
    session = Session.objects.get()
    assert session.participants.count() == 3
    assert timezone.localtime(session.starts_at).replace(tzinfo=None) == datetime.fromisoformat(
        _start(cast["day"])
    )


def test_the_day_view_shows_the_session_and_a_free_slot_opens_a_prefilled_form(
    live_server, login_as, axe_check, cast
):
    starts = timezone.make_aware(datetime.fromisoformat(_start(cast["day"])))
    f.book(
        patients=[cast["patients"][0]],
        room=cast["room"],
        guide=cast["guide"],
        clinician=cast["clinician"],
        actor=cast["desk"],
        starts_at=starts,
    )
    page = login_as(cast["desk"])
    page.goto(f"{live_server.url}/schedule/day/?date={cast['day'].isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Schedule")
    expect(page.locator(".schedule-block")).to_contain_text("P0 G.")
    expect(page.locator(".schedule-block")).to_contain_text("Gale Guide")
    axe_check("schedule day view")

    slot = page.locator(
        f'a.schedule-free[data-room="{cast["group_room"].pk}"]'
        f'[data-start="{_start(cast["day"], 14)}"]'
    )
    expect(slot).to_contain_text("book Cedar at 14:00")
    slot.click()
    page.get_by_role("link", name="Group").click()
    expect(page.locator("select[name=room]")).to_have_value(str(cast["group_room"].pk))
    expect(page.locator("input[name=starts_at]")).to_have_value(_start(cast["day"], 14))

    page.goto(f"{live_server.url}/schedule/week/?date={cast['day'].isoformat()}")
    expect(page.locator(".schedule-block")).to_contain_text("P0 G.")
    axe_check("schedule week view")


def test_the_patient_list_search_and_accessibility(live_server, login_as, axe_check, cast):
    page = login_as(cast["desk"])
    page.goto(f"{live_server.url}/patients/")
    axe_check("patient list")
    page.get_by_label("Search patients").fill("Group3")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{live_server.url}/patients/")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Group3, P3")
