"""Outcome assessments: item counts and ranges, total = sum, PHQ-9 item 9 safety alert."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from patients import services
from patients.models import Assessment
from patients.scales import SCALES
from patients.services import assessment_record, course_create
from tests import factories as f

pytestmark = pytest.mark.django_db


def refused(**kwargs) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        assessment_record(**kwargs)
    return caught.value.messages


@pytest.mark.parametrize(
    ("scale", "label", "items", "item_max"),
    [
        ("phq9", "PHQ-9", 9, 3),
        ("gad7", "GAD-7", 7, 3),
        ("madrs", "MADRS", 10, 6),
        ("pcl5", "PCL-5", 20, 4),
        ("cadss", "CADSS", 23, 4),
    ],
)
def test_each_scale_has_its_item_count_and_range(patient, guide, scale, label, items, item_max):
    for wrong in (items - 1, items + 1):
        assert refused(patient=patient, scale=scale, items=[0] * wrong, actor=guide) == [
            services.ITEMS_WRONG_COUNT.format(scale=label, expected=items, given=wrong)
        ]
    too_high = [0] * items
    too_high[-1] = item_max + 1
    assert refused(patient=patient, scale=scale, items=too_high, actor=guide) == [
        services.ITEM_OUT_OF_RANGE.format(number=items, item_max=item_max)
    ]
    top = assessment_record(patient=patient, scale=scale, items=[item_max] * items, actor=guide)
    assert top.total == items * item_max == SCALES[scale].max_total
    assert Assessment.objects.count() == 1


def test_negative_and_non_integer_answers_are_refused(patient, guide):
    items = [1] * 9
    items[0], items[1], items[2] = -1, True, "2"
    assert refused(patient=patient, scale="phq9", items=items, actor=guide) == [
        services.ITEM_OUT_OF_RANGE.format(number=n, item_max=3) for n in (1, 2, 3)
    ]


def test_the_total_is_the_sum_of_the_items(patient, guide):
    items = [0, 1, 2, 3, 0, 1, 2, 3, 0]
    assessment = assessment_record(patient=patient, scale="phq9", items=items, actor=guide)
    assessment.refresh_from_db()
    assert assessment.total == 12
    assert assessment.items == items
    assert assessment.recorded_by == guide


def test_phq9_item_9_above_zero_raises_a_safety_alert(patient, guide):
    items = [0] * 8 + [1]
    assessment = assessment_record(patient=patient, scale="phq9", items=items, actor=guide)
    assessment.refresh_from_db()
    assert assessment.safety_alert is True


def test_phq9_without_item_9_has_no_safety_alert(patient, guide):
    items = [3] * 8 + [0]
    assessment = assessment_record(patient=patient, scale="phq9", items=items, actor=guide)
    assert assessment.safety_alert is False


def test_the_ninth_item_of_another_scale_is_not_a_safety_alert(patient, guide):
    assessment = assessment_record(patient=patient, scale="madrs", items=[2] * 10, actor=guide)
    assert assessment.safety_alert is False


def test_an_assessment_cannot_be_dated_in_the_future(patient, guide):
    later = timezone.now() + timedelta(hours=1)
    errors = refused(
        patient=patient, scale="gad7", items=[0] * 7, actor=guide, administered_at=later
    )
    assert errors == [services.ASSESSMENT_IN_FUTURE]


def test_an_assessment_belongs_to_the_patients_own_course(patient, location, guide, clinician):
    other = f.make_patient(location)
    course = course_create(
        patient=other,
        kind="induction",
        service_type="iv_infusion",
        planned_sessions=6,
        started_on=date(2026, 1, 5),
        actor=clinician,
    )
    errors = refused(patient=patient, scale="gad7", items=[0] * 7, actor=guide, course=course)
    assert errors == [services.COURSE_OF_OTHER_PATIENT]


@pytest.mark.parametrize(
    ("scale", "total", "band"),
    [
        ("phq9", 4, "Minimal"),
        ("phq9", 5, "Mild"),
        ("phq9", 15, "Moderately severe"),
        ("phq9", 20, "Severe"),
        ("gad7", 15, "Severe"),
        ("madrs", 6, "Normal"),
        ("madrs", 35, "Severe"),
        ("pcl5", 31, "Probable PTSD"),
    ],
)
def test_severity_bands_follow_the_domain_table(scale, total, band):
    assert SCALES[scale].band_for(total) == band
