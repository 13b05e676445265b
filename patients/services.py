"""Writes for patients, treatment courses and assessments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from audit.services import change_record

from .models import Assessment, Patient, TreatmentCourse
from .scales import PHQ9_SELF_HARM_ITEM, SCALES

STALE_EDIT = (
    "Someone else saved this patient while you were editing. "
    "Reload the page to see their changes, then make yours again."
)
ITEMS_WRONG_COUNT = "{scale} has {expected} items; {given} were given."
ITEM_OUT_OF_RANGE = "Item {number} must be between 0 and {item_max}."
COURSE_OF_OTHER_PATIENT = "That treatment course belongs to another patient."
ASSESSMENT_IN_FUTURE = "An assessment cannot be dated in the future."


@transaction.atomic
def patient_create(*, actor: User, **fields: Any) -> Patient:
    patient = Patient(**fields)
    patient.full_clean()
    patient.save()
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, actor: User, version: int, **fields: Any) -> Patient:
    """Save changes made on a form that was opened at `version`.

    The version check is the compare-and-swap that refuses the second of two tabs (lost update).
    """
    before = Patient.objects.filter(pk=patient.pk).first()
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    updated = Patient.objects.filter(pk=patient.pk, version=version).update(
        **{name: getattr(patient, name) for name in fields},
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(STALE_EDIT)
    patient.refresh_from_db()
    # QuerySet.update() sends no signals: the change history is written here.
    change_record(before=before, after=patient)
    return patient


def patient_deactivate(*, patient: Patient, actor: User) -> Patient:
    return patient_update(patient=patient, actor=actor, version=patient.version, is_active=False)


@transaction.atomic
def course_create(
    *,
    patient: Patient,
    kind: str,
    service_type: str,
    planned_sessions: int,
    started_on,
    actor: User,
    notes: str = "",
) -> TreatmentCourse:
    course = TreatmentCourse(
        patient=patient,
        kind=kind,
        service_type=service_type,
        planned_sessions=planned_sessions,
        started_on=started_on,
        notes=notes,
    )
    course.full_clean()
    course.save()
    return course


def assessment_record(
    *,
    patient: Patient,
    scale: str,
    items: list[int],
    actor: User,
    administered_at: datetime | None = None,
    course: TreatmentCourse | None = None,
) -> Assessment:
    spec = SCALES[scale]
    errors: list[str] = []
    if len(items) != spec.items:
        errors.append(
            ITEMS_WRONG_COUNT.format(scale=spec.scale.label, expected=spec.items, given=len(items))
        )
    for number, value in enumerate(items, start=1):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= spec.item_max:
            errors.append(ITEM_OUT_OF_RANGE.format(number=number, item_max=spec.item_max))
    if course is not None and course.patient_id != patient.pk:
        errors.append(COURSE_OF_OTHER_PATIENT)
    administered_at = administered_at or timezone.now()
    if administered_at > timezone.now() + timedelta(minutes=5):
        errors.append(ASSESSMENT_IN_FUTURE)
    if errors:
        raise ValidationError(errors)
    safety_alert = scale == "phq9" and items[PHQ9_SELF_HARM_ITEM - 1] > 0
    return Assessment.objects.create(
        patient=patient,
        course=course,
        scale=scale,
        items=list(items),
        total=sum(items),
        safety_alert=safety_alert,
        administered_at=administered_at,
        recorded_by=actor,
    )
