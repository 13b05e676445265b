"""The live board shows an overdue vitals check, in words and in red, and refreshes itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from sessions_app.rules import ServiceType
from tests import factories as f

pytestmark = pytest.mark.browser


def test_the_live_board_shows_an_overdue_vitals_check(
    live_server, login_as, axe_check, patient, room, guide, clinician, front_desk
):
    # Dosed 40 minutes ago, no vitals since: the 15-minute check is 25 minutes overdue.
    with time_machine.travel(datetime.now(tz=UTC) - timedelta(minutes=40), tick=True):
        session = f.book(
            service_type=ServiceType.GUIDED,
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
        )
        f.to_medication(session, clinician)
        f.record_ketamine_doses(session, clinician)

    page = login_as(clinician)
    page.goto(f"{live_server.url}/")
    axe_check("clinician dashboard")
    page.get_by_role("link", name="Live board").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Live monitoring board")
    cell = page.get_by_test_id("vitals-due")
    expect(cell).to_contain_text("overdue")
    expect(cell.locator(".overdue")).to_have_css("color", "rgb(176, 42, 55)")
    expect(page.get_by_role("row", name="Guided")).to_contain_text("40 min")
    axe_check("live board")

    # The htmx refresh swaps the table in place (30 s in production; triggered here).
    page.evaluate(
        "() => htmx.ajax('GET', document.querySelector('#board-table').getAttribute('hx-get'),"
        " '#board-table')"
    )
    expect(page.get_by_test_id("vitals-due")).to_contain_text("overdue")
    expect(page.locator("#board-table table")).to_have_count(1)
