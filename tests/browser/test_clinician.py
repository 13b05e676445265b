"""A clinician runs an IV infusion and a Spravato session through every phase in Chromium,
blocked at each gate (button disabled, reason shown) until it is met.

The live server runs in this process, so time_machine moves its clock too: the Spravato
5-minute device gap, the 40-minute BP check and the 2-hour monitoring are walked in minutes
of test time. After a jump longer than the idle logoff the clinician logs in again.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from sessions_app.models import Participant, Session
from sessions_app.rules import ServiceType
from sessions_app.services.booking import participant_check_in
from tests import factories as f

pytestmark = pytest.mark.browser


def next_step(page: Page):
    return page.get_by_test_id("next-step")


def blockers(page: Page):
    return page.locator("#advance-blockers")


def open_form(page: Page, summary: str) -> None:
    page.locator("summary", has_text=summary).click()


def record_vitals(page: Page, systolic: int, diastolic: int, heart_rate=72, spo2=98) -> None:
    open_form(page, "Record vitals")
    page.get_by_label("Systolic BP (mmHg)").fill(str(systolic))
    page.get_by_label("Diastolic BP (mmHg)").fill(str(diastolic))
    page.get_by_label("Heart rate (bpm)").fill(str(heart_rate))
    page.get_by_label("SpO2 (%)").fill(str(spo2))
    page.get_by_role("button", name="Save vitals").click()
    expect(page.get_by_text("Vitals recorded for")).to_be_visible()


def check_in_at_the_desk(session: Session, front_desk) -> None:
    for participant in Participant.objects.filter(session=session):
        participant_check_in(participant=participant, actor=front_desk)


def discharge(page: Page) -> None:
    open_form(page, "Discharge")
    page.get_by_label("Transport home").fill("Partner drives")
    page.get_by_label("Sedation, dissociation and respiratory depression have resolved").check()
    page.get_by_role("button", name="Discharge patient").click()
    expect(page.get_by_text("discharged.", exact=False).first).to_be_visible()


def test_a_clinician_runs_an_iv_infusion_through_every_phase(
    live_server, login_as, axe_check, patient, room, guide, clinician, front_desk
):
    with time_machine.travel(datetime.now(tz=UTC), tick=True) as clock:
        session = f.book(
            service_type=ServiceType.IV_INFUSION,
            patients=[patient],
            room=room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
        )
        page = login_as(clinician)
        run_sheet = f"{live_server.url}/sessions/{session.pk}/"
        page.goto(run_sheet)
        expect(page.get_by_role("heading", level=1)).to_contain_text("IV infusion")
        axe_check("run sheet (scheduled)")

        next_step(page).click()
        expect(page.get_by_text("Session started: preparation.")).to_be_visible()

        # Gate 1: checked in and pre-dose vitals.
        expect(next_step(page)).to_be_disabled()
        expect(next_step(page)).to_contain_text("Start medication")
        expect(blockers(page)).to_contain_text("Pre-dose vitals missing for Ana R.")
        expect(blockers(page)).to_contain_text("Ana R. is not checked in.")
        check_in_at_the_desk(session, front_desk)
        page.reload()
        expect(blockers(page)).not_to_contain_text("not checked in")
        expect(next_step(page)).to_be_disabled()
        record_vitals(page, 124, 80)
        expect(next_step(page)).to_be_enabled()
        axe_check("run sheet (preparation)")
        next_step(page).click()
        expect(page.get_by_text("Medication phase started.")).to_be_visible()

        # Gate 2: a dose.
        expect(next_step(page)).to_be_disabled()
        expect(blockers(page)).to_contain_text("No dose recorded for Ana R.")
        open_form(page, "Record ketamine dose")
        page.get_by_label("Dose (mg)").fill("35")
        page.get_by_label("Weight (kg)").fill("70")
        expect(page.locator("output[data-mgkg-output]")).to_have_text("0.500 mg/kg")
        expect(page.get_by_label("Route")).to_have_value("iv")
        page.get_by_label("Infusion (minutes)").fill("40")
        page.get_by_label("Lot number").fill("KET-24-117")
        page.get_by_role("button", name="Save dose").click()
        expect(page.get_by_text("Dose recorded for Ana R.")).to_be_visible()
        expect(page.get_by_text("0.500 mg/kg", exact=True)).to_be_visible()
        expect(page.get_by_test_id("vitals-due")).to_contain_text("due")

        clock.shift(timedelta(minutes=10))
        page.reload()
        record_vitals(page, 132, 84)
        axe_check("run sheet (medication)")
        expect(next_step(page)).to_be_enabled()
        next_step(page).click()
        expect(page.get_by_text("Integration phase started.")).to_be_visible()

        # Gate 3: discharge.
        expect(next_step(page)).to_be_disabled()
        expect(blockers(page)).to_contain_text("has not been discharged")
        discharge(page)
        expect(next_step(page)).to_be_enabled()
        next_step(page).click()
        expect(page.get_by_text("Session completed.")).to_be_visible()
        expect(page.get_by_test_id("session-status")).to_have_text("Completed")
        timeline = page.locator("#timeline tbody tr")
        expect(timeline).to_have_count(8)  # 4 phase changes, 2 vitals, the dose, the discharge

    session.refresh_from_db()
    assert session.status == Session.Status.COMPLETED


def test_a_clinician_runs_a_spravato_session_through_every_gate(
    live_server, login_as, axe_check, spravato_patient, room, guide, clinician, front_desk
):
    with time_machine.travel(datetime.now(tz=UTC), tick=True) as clock:
        session = f.book(
            service_type=ServiceType.SPRAVATO,
            patients=[spravato_patient],
            room=room,
            guide=guide,
            clinician=clinician,
            actor=front_desk,
        )
        page = login_as(clinician)
        run_sheet = f"{live_server.url}/sessions/{session.pk}/"
        page.goto(run_sheet)
        next_step(page).click()
        check_in_at_the_desk(session, front_desk)
        page.reload()

        # Gate 1: an elevated pre-dose BP needs the clinician's recorded decision.
        record_vitals(page, 150, 95)
        expect(page.get_by_text("Flagged").first).to_be_visible()
        expect(next_step(page)).to_be_disabled()
        expect(blockers(page)).to_contain_text("a clinician must record the decision")
        open_form(page, "Decision to proceed despite BP")
        page.get_by_label("Clinical reason for proceeding").fill(
            "Baseline 148/94 at three visits; benefit outweighs risk."
        )
        page.get_by_role("button", name="Record decision").click()
        expect(page.get_by_text("Decision to proceed recorded")).to_be_visible()
        expect(next_step(page)).to_be_enabled()
        next_step(page).click()
        expect(page.get_by_text("Medication phase started.")).to_be_visible()

        # Gate 2: 56 or 84 mg, devices 5 minutes apart.
        open_form(page, "Record Spravato device 1")
        page.get_by_label("Lot number").fill("SPR-0091")
        page.get_by_role("button", name="Save device 1").click()
        expect(page.get_by_text("Spravato device recorded")).to_be_visible()
        expect(next_step(page)).to_be_disabled()
        expect(blockers(page)).to_contain_text("has 28 mg of esketamine")
        expect(page.locator("[data-countdown-seconds]")).to_contain_text(
            re.compile(r"next device in [45]:\d\d")
        )
        axe_check("run sheet (Spravato devices)")
        open_form(page, "Record Spravato device 2")
        page.get_by_label("Lot number").fill("SPR-0091")
        page.get_by_role("button", name="Save device 2").click()
        expect(page.get_by_text("Wait 5 minutes between devices")).to_be_visible()

        clock.shift(timedelta(minutes=5))
        page.goto(run_sheet)  # not reload(): that would re-send the refused POST
        open_form(page, "Record Spravato device 2")
        page.get_by_label("Lot number").fill("SPR-0091")
        page.get_by_role("button", name="Save device 2").click()
        expect(page.get_by_text("Spravato device recorded")).to_be_visible()
        expect(next_step(page)).to_be_enabled()
        next_step(page).click()
        expect(page.get_by_text("Integration phase started.")).to_be_visible()

        # Gate 3: two hours of monitoring, the 40-minute BP, a BP before discharge.
        expect(page.get_by_test_id("discharge-blockers")).to_contain_text(
            "Spravato requires at least 120"
        )
        expect(page.get_by_test_id("discharge-blockers")).to_contain_text("between 30 and 60")
        clock.shift(timedelta(minutes=35))
        page = login_as(clinician)
        page.goto(run_sheet)
        record_vitals(page, 138, 86)
        expect(page.get_by_test_id("discharge-blockers")).not_to_contain_text("between 30 and 60")
        clock.shift(timedelta(minutes=85))
        page = login_as(clinician)
        page.goto(run_sheet)
        expect(page.get_by_test_id("discharge-blockers")).not_to_contain_text("at least 120")
        expect(page.get_by_test_id("discharge-blockers")).to_contain_text("before discharge")
        record_vitals(page, 126, 80)
        discharge(page)

        # REMS Patient Monitoring Form, then complete.
        open_form(page, "REMS Patient Monitoring Form")
        page.get_by_label("Vital signs acceptable before dosing").check()
        page.get_by_label("Vital signs acceptable before completion").check()
        page.get_by_label("Dissociation observed").check()
        page.get_by_role("button", name="Submit monitoring form").click()
        expect(page.locator(".alert-success")).to_contain_text("REMS monitoring form submitted")
        next_step(page).click()
        expect(page.get_by_test_id("session-status")).to_have_text("Completed")

    participant = Participant.objects.get(session=session)
    assert participant.rems_form.dissociation is True
    assert participant.doses.count() == 2
