"""A guide finds their session, writes an integration note for one partner and amends it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessions_app.models import IntegrationNote, NoteAddendum
from sessions_app.rules import ServiceType
from tests import factories as f

pytestmark = pytest.mark.browser


def test_a_guide_writes_and_amends_an_integration_note(
    live_server, login_as, axe_check, location, group_room, guide, clinician, front_desk
):
    ann = f.make_patient(location, first_name="Ann", last_name="Baker")
    bob = f.make_patient(location, first_name="Bob", last_name="Baker")
    session = f.book(
        service_type=ServiceType.COUPLES,
        patients=[ann, bob],
        room=group_room,
        guide=guide,
        clinician=clinician,
        actor=front_desk,
    )
    f.to_integration(session, clinician)

    page = login_as(guide)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="My sessions today")).to_be_visible()
    axe_check("guide dashboard")
    page.get_by_role("link", name="My sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My sessions")
    axe_check("my sessions")
    page.get_by_role("link", name="Open").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Couples")
    axe_check("run sheet as guide")

    ann_card = page.locator("article", has_text="Ann Baker")
    ann_card.get_by_role("link", name="Integration notes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integration notes: Ann Baker")
    page.get_by_label("Activity").select_option("journaling")
    page.get_by_role("textbox", name="Integration note").fill("Wrote a letter to her younger self.")
    page.get_by_role("button", name="Save note for Ann B.").click()
    expect(page.locator(".alert-success")).to_contain_text("Integration note saved for Ann B.")
    expect(page.get_by_test_id("note-text")).to_have_text("Wrote a letter to her younger self.")
    axe_check("integration notes")

    page.locator("summary", has_text="Add addendum").click()
    page.get_by_label("Addendum to this note").fill("She asked to continue the letter next time.")
    page.get_by_role("button", name="Save addendum").click()
    expect(page.locator(".alert-success")).to_contain_text("the original note is unchanged")
    expect(page.get_by_test_id("note-text")).to_have_text("Wrote a letter to her younger self.")
    expect(page.get_by_test_id("addendum")).to_contain_text("continue the letter next time")

    note = IntegrationNote.objects.get()
    assert note.participant.patient == ann
    assert note.text == "Wrote a letter to her younger self."
    assert NoteAddendum.objects.get().integration_note == note
    assert not IntegrationNote.objects.filter(participant__patient=bob).exists()
