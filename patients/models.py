"""Patients, their treatment courses and their outcome assessments.

Patients are never hard-deleted: a patient who leaves the clinic is made inactive.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class ProtectedDeleteError(Exception):
    """Raised when code tries to delete a row the clinic must keep."""


class PatientQuerySet(models.QuerySet):
    def delete(self):
        raise ProtectedDeleteError("Patients are never deleted; mark them inactive.")


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other / not stated"

    mrn = models.CharField("MRN", max_length=20, unique=True, help_text="Medical record number")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.OTHER)
    home_location = models.ForeignKey(
        "facilities.Location",
        on_delete=models.PROTECT,
        related_name="patients",
        help_text="The location whose clinicians look after this patient.",
    )

    # Contact
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=255, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)

    # Screening
    contraindications = models.TextField(blank=True)
    allergies = models.TextField(blank=True)
    current_medications = models.TextField(blank=True)
    prior_treatments = models.TextField(
        blank=True, help_text="E.g. antidepressant trials that failed, earlier ketamine courses."
    )
    consent_signed_on = models.DateField(null=True, blank=True)
    # Label contraindications for esketamine (and ketamine hypersensitivity for both drugs).
    has_aneurysmal_vascular_disease = models.BooleanField(
        "Aneurysmal vascular disease", default=False
    )
    has_arteriovenous_malformation = models.BooleanField(
        "Arteriovenous malformation", default=False
    )
    has_intracerebral_hemorrhage_history = models.BooleanField(
        "History of intracerebral haemorrhage", default=False
    )
    has_ketamine_hypersensitivity = models.BooleanField(
        "Hypersensitivity to ketamine or esketamine", default=False
    )

    preferred_guide = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="preferred_by_patients",
    )

    # Spravato REMS
    rems_patient_id = models.CharField("REMS patient ID", max_length=40, blank=True)
    rems_enrolled_on = models.DateField("REMS enrolment date", null=True, blank=True)

    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: a save based on an older version is refused (two open tabs).
    version = models.PositiveIntegerField(default=1)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "mrn"]
        indexes = [
            # Patient search: last name prefix, then first name.
            models.Index(fields=["last_name", "first_name"], name="patients_name_idx"),
            models.Index(fields=["date_of_birth"], name="patients_dob_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sex__in=["F", "M", "X"]), name="patients_patient_sex_valid"
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__gte=date(1900, 1, 1)),
                name="patients_patient_dob_plausible",
            ),
            models.CheckConstraint(
                condition=Q(rems_enrolled_on__isnull=True) | ~Q(rems_patient_id=""),
                name="patients_patient_rems_enrolment_has_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    def get_absolute_url(self) -> str:
        return reverse("patients:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def short_name(self) -> str:
        """ "Ana R." - enough to tell patients apart on a run sheet."""
        return f"{self.first_name} {self.last_name[:1]}."

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def is_rems_enrolled(self) -> bool:
        return self.rems_enrolled_on is not None

    @property
    def spravato_contraindications(self) -> list[str]:
        fields = [
            "has_aneurysmal_vascular_disease",
            "has_arteriovenous_malformation",
            "has_intracerebral_hemorrhage_history",
            "has_ketamine_hypersensitivity",
        ]
        return [str(self._meta.get_field(f).verbose_name) for f in fields if getattr(self, f)]

    def delete(self, *args, **kwargs):
        raise ProtectedDeleteError("Patients are never deleted; mark the patient inactive.")


class TreatmentCourse(models.Model):
    class Kind(models.TextChoices):
        INDUCTION = "induction", "Induction series"
        BOOSTER = "booster", "Booster"
        MAINTENANCE = "maintenance", "Maintenance"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INDUCTION)
    service_type = models.CharField(max_length=16)  # sessions_app.rules.ServiceType
    planned_sessions = models.PositiveSmallIntegerField(default=6)
    started_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["induction", "booster", "maintenance"]),
                name="patients_treatmentcourse_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "completed", "stopped"]),
                name="patients_treatmentcourse_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(planned_sessions__gte=1, planned_sessions__lte=52),
                name="patients_treatmentcourse_planned_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    service_type__in=[
                        "guided",
                        "semi_guided",
                        "iv_infusion",
                        "couples",
                        "group",
                        "spravato",
                    ]
                ),
                name="patients_treatmentcourse_service_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.planned_sessions}) for {self.patient.full_name}"

    def get_absolute_url(self) -> str:
        return self.patient.get_absolute_url()


class Scale(models.TextChoices):
    PHQ9 = "phq9", "PHQ-9"
    GAD7 = "gad7", "GAD-7"
    MADRS = "madrs", "MADRS"
    PCL5 = "pcl5", "PCL-5"
    CADSS = "cadss", "CADSS"


class Assessment(models.Model):
    """One administration of an outcome scale. `items` holds each answer; `total` their sum."""

    Scale = Scale

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    course = models.ForeignKey(
        TreatmentCourse,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    scale = models.CharField(max_length=8, choices=Scale.choices)
    administered_at = models.DateTimeField(default=timezone.now)
    items = models.JSONField(help_text="The answer to each item, in order.")
    total = models.PositiveSmallIntegerField()
    # PHQ-9 item 9 (thoughts of self-harm) answered above 0.
    safety_alert = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-administered_at"]
        indexes = [
            # Chart and outcome report: one patient's scores of one scale in time order.
            models.Index(
                fields=["patient", "scale", "administered_at"], name="patients_assess_trend_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale__in=Scale.values), name="patients_assessment_scale_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(scale="phq9", total__lte=27)
                    | Q(scale="gad7", total__lte=21)
                    | Q(scale="madrs", total__lte=60)
                    | Q(scale="pcl5", total__lte=80)
                    | Q(scale="cadss", total__lte=92)
                ),
                name="patients_assessment_total_in_scale_range",
            ),
            models.CheckConstraint(
                condition=Q(safety_alert=False) | Q(scale="phq9"),
                name="patients_assessment_safety_alert_only_phq9",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scale_display()} {self.total} on {self.administered_at:%Y-%m-%d}"
