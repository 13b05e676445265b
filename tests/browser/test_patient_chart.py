"""The patient chart in a real browser: the score chart draws, and the page passes axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from patients.services import assessment_record
from tests import factories as f

pytestmark = pytest.mark.browser


def test_the_chart_draws_phq9_and_gad7_scores_with_a_table(
    live_server, login_as, axe_check, transactional_db
):
    location = f.make_location("Northside")
    clinician = f.make_user(Role.CLINICIAN, username="c1", locations=[location])
    patient = f.make_patient(location, first_name="Ana", last_name="Rivera")
    for days_ago, phq, gad in ((42, 20, 15), (28, 14, 11), (14, 8, 6), (1, 4, 3)):
        at = timezone.now() - timedelta(days=days_ago)
        phq_items = [min(3, max(0, phq - 3 * i)) for i in range(8)] + [0]
        gad_items = [min(3, max(0, gad - 3 * i)) for i in range(7)]
        assessment_record(
            patient=patient, scale="phq9", items=phq_items, actor=clinician, administered_at=at
        )
        assessment_record(
            patient=patient, scale="gad7", items=gad_items, actor=clinician, administered_at=at
        )
    page = login_as(clinician)
    page.goto(f"{live_server.url}{patient.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana Rivera")
    expect(page.locator('canvas[data-scale="phq9"][data-rendered="1"]')).to_be_visible()
    expect(page.locator('canvas[data-scale="gad7"][data-rendered="1"]')).to_be_visible()
    expect(page.locator("#score-table tbody tr")).to_have_count(8)
    axe_check("patient chart")
