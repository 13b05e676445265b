"""Treatment sessions and everything recorded during them.

Writes go through sessions_app.services; models hold fields, constraints and values derived
from their own row. Clinical records (vitals, doses, notes, decisions, adverse events, phase
log) are append-only: `AppendOnlyModel` refuses updates and deletes in Python, and the
migration `0002_append_only_and_exclusion` adds database triggers that refuse them too.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast, Round
from django.urls import reverse

from .rules import SERVICE_RULES, Drug, Route, ServiceType


class AppendOnlyError(Exception):
    """A clinical record was about to be changed or deleted. Corrections are addenda."""


class AppendOnlyQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("Clinical records cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(
                f"{self._meta.verbose_name} records cannot be changed; add an addendum instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name} records cannot be deleted.")


def _choice_constraint(field: str, choices: type[models.TextChoices], name: str):
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def _route_matches_service_type() -> Q:
    condition = Q()
    for service_type, rule in SERVICE_RULES.items():
        condition |= Q(service_type=service_type, route__in=[r.value for r in rule.routes])
    return condition


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


class SessionPhase(models.TextChoices):
    PREPARATION = "preparation", "Preparation"
    MEDICATION = "medication", "Medication"
    INTEGRATION = "integration", "Integration"
    COMPLETED = "completed", "Completed"


class Session(models.Model):
    Status = SessionStatus

    Phase = SessionPhase

    ServiceType = ServiceType

    service_type = models.CharField(max_length=16, choices=ServiceType.choices)
    route = models.CharField(max_length=12, choices=Route.choices)
    location = models.ForeignKey(
        "facilities.Location", on_delete=models.PROTECT, related_name="sessions"
    )
    room = models.ForeignKey("facilities.Room", on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    lead_guide = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_sessions"
    )
    co_guide = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="co_led_sessions",
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clinician_sessions"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.PREPARATION)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="Scheduling notes (not clinical).")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            # Schedule day/week view (views/schedule.py `_sessions`): one location's sessions
            # overlapping a window, `location = ? AND ends_at > window_start AND starts_at <
            # window_end`. ends_at gives the scan a lower bound (only sessions ending after the
            # window opens: this week and the future); starts_at in the key filters in the index.
            # Replaces (location, starts_at), whose scan had no lower bound and so read the
            # location's whole history (the planner preferred the plain location_id index).
            models.Index(
                fields=["location", "ends_at", "starts_at"], name="sessions_loc_end_start_idx"
            ),
            # Conflict checks and "my sessions": one person's or room's sessions around a time.
            models.Index(fields=["room", "starts_at"], name="sessions_room_start_idx"),
            models.Index(fields=["lead_guide", "starts_at"], name="sessions_guide_start_idx"),
            models.Index(fields=["clinician", "starts_at"], name="sessions_clin_start_idx"),
            # Reports: a date range across all locations.
            models.Index(fields=["starts_at"], name="sessions_start_idx"),
            # Live board: sessions in progress.
            models.Index(
                fields=["location"],
                condition=Q(status="in_progress"),
                name="sessions_in_progress_idx",
            ),
        ]
        constraints = [
            _choice_constraint(
                "service_type", ServiceType, "sessions_app_session_service_type_valid"
            ),
            _choice_constraint("route", Route, "sessions_app_session_route_valid"),
            _choice_constraint("status", SessionStatus, "sessions_app_session_status_valid"),
            _choice_constraint("phase", SessionPhase, "sessions_app_session_phase_valid"),
            models.CheckConstraint(
                condition=_route_matches_service_type(),
                name="sessions_app_session_route_allowed_for_service_type",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="sessions_app_session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(co_guide__isnull=True) | ~Q(co_guide=F("lead_guide")),
                name="sessions_app_session_co_guide_differs",
            ),
            # Completed status and completed phase go together.
            models.CheckConstraint(
                condition=(
                    Q(status="completed", phase="completed")
                    | (~Q(status="completed") & ~Q(phase="completed"))
                ),
                name="sessions_app_session_completed_consistent",
            ),
            # Cancel or no-show only before medication starts; not started means preparation.
            models.CheckConstraint(
                condition=~Q(status__in=["scheduled", "cancelled", "no_show"])
                | Q(phase="preparation"),
                name="sessions_app_session_not_started_in_preparation",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="sessions_app_session_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_type_display()} on {self.starts_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("sessions_app:detail", args=[self.pk])

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def rule(self):
        return SERVICE_RULES[self.service_type]

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.SCHEDULED, self.Status.IN_PROGRESS}

    @property
    def is_spravato(self) -> bool:
        return self.service_type == ServiceType.SPRAVATO


class Attendance(models.TextChoices):
    EXPECTED = "expected", "Expected"
    CHECKED_IN = "checked_in", "Checked in"
    NO_SHOW = "no_show", "No-show"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Participant(models.Model):
    Attendance = Attendance

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="participants")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="participations"
    )
    course = models.ForeignKey(
        "patients.TreatmentCourse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
    )
    attendance = models.CharField(
        max_length=12, choices=Attendance.choices, default=Attendance.EXPECTED
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)

    # Preparation checklist (the guide's "set and setting").
    intention = models.TextField(blank=True)
    grounding_done = models.BooleanField(default=False)
    breathwork_done = models.BooleanField(default=False)
    set_and_setting_done = models.BooleanField(default=False)

    # Discharge: a clinician decides the patient is ready to leave.
    ready_to_leave_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transport_arrangement = models.CharField(
        max_length=255, blank=True, help_text="How the patient gets home (no driving today)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "patient__last_name", "patient__first_name"]
        indexes = [
            models.Index(fields=["patient", "session"], name="participant_patient_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "patient"], name="sessions_app_participant_unique_patient"
            ),
            _choice_constraint(
                "attendance", Attendance, "sessions_app_participant_attendance_valid"
            ),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True) | Q(discharged_by__isnull=False),
                name="sessions_app_participant_discharge_has_clinician",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient.full_name} in {self.session}"

    @property
    def is_active(self) -> bool:
        """Counts for gates and monitoring: not a no-show, not withdrawn."""
        return self.attendance in {self.Attendance.EXPECTED, self.Attendance.CHECKED_IN}


class PhaseTransition(AppendOnlyModel):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="transitions")
    from_phase = models.CharField(max_length=12, choices=Session.Phase.choices, blank=True)
    to_phase = models.CharField(max_length=12, choices=Session.Phase.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "at"]
        constraints = [
            # A session enters each phase once: two racing "advance" clicks leave one row.
            models.UniqueConstraint(
                fields=["session", "to_phase"], name="sessions_app_phasetransition_once_per_phase"
            ),
            _choice_constraint("to_phase", Session.Phase, "sessions_app_phasetransition_to_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.from_phase or 'start'} -> {self.to_phase} at {self.at:%H:%M}"


class ObservationLevel(models.TextChoices):
    NONE = "none", "None"
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class VitalSign(AppendOnlyModel):
    """One monitoring entry: vital signs, observations and a free-text monitoring note."""

    Level = ObservationLevel

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="vitals")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The session's phase when recorded: "preparation" readings are the pre-dose vitals.
    phase = models.CharField(max_length=12, choices=Session.Phase.choices)
    systolic = models.PositiveSmallIntegerField("Systolic BP", null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField("Diastolic BP", null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField("SpO2 %", null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    sedation = models.CharField(max_length=10, choices=Level.choices, blank=True)
    dissociation = models.CharField(max_length=10, choices=Level.choices, blank=True)
    note = models.TextField(blank=True)
    flagged = models.BooleanField(default=False)
    flag_reasons = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["participant", "recorded_at"]
        indexes = [
            models.Index(fields=["participant", "recorded_at"], name="vitals_participant_time_idx"),
        ]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True})
                    | Q(**{f"{field}__gte": low, f"{field}__lte": high}),
                    name=f"sessions_app_vitalsign_{field}_plausible",
                )
                for field, (low, high) in settings.CLINIC_RULES["VITALS_PLAUSIBLE"].items()
            ],
            models.CheckConstraint(
                condition=Q(systolic__isnull=True, diastolic__isnull=True)
                | Q(systolic__isnull=False, diastolic__isnull=False, diastolic__lt=F("systolic")),
                name="sessions_app_vitalsign_bp_pair_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(
                    systolic__isnull=True,
                    heart_rate__isnull=True,
                    spo2__isnull=True,
                    respiratory_rate__isnull=True,
                    sedation="",
                    dissociation="",
                    note="",
                ),
                name="sessions_app_vitalsign_not_empty",
            ),
            _choice_constraint("phase", Session.Phase, "sessions_app_vitalsign_phase_valid"),
        ]

    def __str__(self) -> str:
        bp = f"{self.systolic}/{self.diastolic}" if self.systolic else "-"
        return f"BP {bp} HR {self.heart_rate or '-'} at {self.recorded_at:%H:%M}"

    @property
    def has_bp(self) -> bool:
        return self.systolic is not None and self.diastolic is not None

    @property
    def is_full_set(self) -> bool:
        """BP, heart rate and SpO2: what pre-dose vitals require."""
        return self.has_bp and self.heart_rate is not None and self.spo2 is not None


class DoseAdministration(AppendOnlyModel):
    """A dose given (Schedule III record): drug, route, amount, lot, time, who; waste witnessed.

    Spravato: one row per nasal spray device (28 mg each), numbered 1 to 3.
    """

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="doses")
    drug = models.CharField(max_length=12, choices=Drug.choices)
    route = models.CharField(max_length=12, choices=Route.choices)
    dose_mg = models.DecimalField(max_digits=6, decimal_places=2)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    mg_per_kg = models.GeneratedField(
        # Cast first: SQLite stores whole-number decimals as integers and would divide 35 by 70
        # as integers (0).
        expression=Round(
            Cast(
                Cast(F("dose_mg"), models.FloatField()) / F("weight_kg"),
                models.DecimalField(max_digits=7, decimal_places=3),
            ),
            3,
        ),
        output_field=models.DecimalField(max_digits=7, decimal_places=3),
        db_persist=True,
    )
    device_number = models.PositiveSmallIntegerField(null=True, blank=True)
    infusion_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    lot_number = models.CharField(max_length=40)
    administered_at = models.DateTimeField()
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    wasted_mg = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["participant", "administered_at"]
        indexes = [
            # Controlled-substance log: doses in a date range.
            models.Index(fields=["administered_at"], name="dose_time_idx"),
        ]
        constraints = [
            _choice_constraint("drug", Drug, "sessions_app_doseadministration_drug_valid"),
            _choice_constraint("route", Route, "sessions_app_doseadministration_route_valid"),
            models.CheckConstraint(
                condition=Q(drug="esketamine", route="intranasal")
                | Q(drug="ketamine", route__in=["im", "iv"]),
                name="sessions_app_doseadministration_drug_route_match",
            ),
            models.CheckConstraint(
                condition=Q(dose_mg__gt=0, dose_mg__lte=1000),
                name="sessions_app_doseadministration_dose_range",
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True) | Q(weight_kg__gte=20, weight_kg__lte=350),
                name="sessions_app_doseadministration_weight_range",
            ),
            models.CheckConstraint(
                condition=Q(wasted_mg__gte=0), name="sessions_app_doseadministration_waste_positive"
            ),
            # Drawn-but-not-given controlled substance needs a witness other than the giver.
            models.CheckConstraint(
                condition=Q(wasted_mg=0)
                | (Q(witness__isnull=False) & ~Q(witness=F("administered_by"))),
                name="sessions_app_doseadministration_waste_witnessed",
            ),
            models.CheckConstraint(
                condition=Q(
                    drug="esketamine",
                    device_number__isnull=False,
                    device_number__gte=1,
                    device_number__lte=3,
                    dose_mg=settings.CLINIC_RULES["SPRAVATO_DEVICE_MG"],
                )
                | Q(drug="ketamine", device_number__isnull=True),
                name="sessions_app_doseadministration_spravato_devices",
            ),
            models.CheckConstraint(
                condition=~Q(route="iv")
                | Q(
                    infusion_minutes__isnull=False,
                    infusion_minutes__gte=1,
                    infusion_minutes__lte=240,
                ),
                name="sessions_app_doseadministration_iv_has_infusion_time",
            ),
            models.CheckConstraint(
                condition=~Q(lot_number=""), name="sessions_app_doseadministration_lot_required"
            ),
            models.UniqueConstraint(
                fields=["participant", "device_number"],
                condition=Q(device_number__isnull=False),
                name="sessions_app_doseadministration_device_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dose_mg} mg {self.drug} {self.route} at {self.administered_at:%H:%M}"


class DoseDecision(AppendOnlyModel):
    """A clinician's recorded decision to dose despite an elevated pre-dose blood pressure."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="dose_decisions"
    )
    vital_sign = models.ForeignKey(VitalSign, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="sessions_app_dosedecision_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"Proceed despite BP (by {self.decided_by}) at {self.decided_at:%H:%M}"


class IntegrationActivity(models.TextChoices):
    TALK = "talk", "Talk"
    JOURNALING = "journaling", "Journaling"
    ART = "art", "Art"
    MINDFULNESS = "mindfulness", "Mindfulness"
    MEDITATION = "meditation", "Meditation"


class IntegrationNote(AppendOnlyModel):
    Activity = IntegrationActivity

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="integration_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    activity = models.CharField(max_length=12, choices=Activity.choices)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["written_at"]
        constraints = [
            _choice_constraint(
                "activity", IntegrationActivity, "sessions_app_integrationnote_activity_valid"
            ),
            models.CheckConstraint(
                condition=~Q(text=""), name="sessions_app_integrationnote_text_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_activity_display()} note by {self.author} at {self.written_at:%Y-%m-%d}"


class NoteAddendum(AppendOnlyModel):
    """A correction or addition to a saved note; the original stays as it was."""

    integration_note = models.ForeignKey(
        IntegrationNote, on_delete=models.PROTECT, null=True, blank=True, related_name="addenda"
    )
    vital_sign = models.ForeignKey(
        VitalSign, on_delete=models.PROTECT, null=True, blank=True, related_name="addenda"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["written_at"]
        verbose_name_plural = "note addenda"
        constraints = [
            models.CheckConstraint(
                condition=Q(integration_note__isnull=False, vital_sign__isnull=True)
                | Q(integration_note__isnull=True, vital_sign__isnull=False),
                name="sessions_app_noteaddendum_exactly_one_note",
            ),
            models.CheckConstraint(
                condition=~Q(text=""), name="sessions_app_noteaddendum_text_required"
            ),
        ]

    def __str__(self) -> str:
        return f"Addendum by {self.author} at {self.written_at:%Y-%m-%d %H:%M}"


class AdverseEventKind(models.TextChoices):
    NAUSEA = "nausea", "Nausea"
    VOMITING = "vomiting", "Vomiting"
    ELEVATED_BP = "elevated_bp", "Elevated blood pressure"
    DIZZINESS = "dizziness", "Dizziness"
    HEADACHE = "headache", "Headache"
    DISSOCIATION = "dissociation", "Dissociation"
    ANXIETY = "anxiety", "Anxiety"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class AdverseEvent(AppendOnlyModel):
    Kind = AdverseEventKind

    Severity = Severity

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="adverse_events"
    )
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    serious = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    action_taken = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["occurred_at"]
        constraints = [
            _choice_constraint("kind", AdverseEventKind, "sessions_app_adverseevent_kind_valid"),
            _choice_constraint("severity", Severity, "sessions_app_adverseevent_severity_valid"),
            models.CheckConstraint(
                condition=~Q(kind="other") | ~Q(description=""),
                name="sessions_app_adverseevent_other_described",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_severity_display()})"


class RemsMonitoringForm(AppendOnlyModel):
    """The Spravato REMS Patient Monitoring Form, as submitted for one patient's session.

    Fields that the session already holds (patient, dose, lot, vitals, times) are read from it
    when the form is shown or printed; these are the answers only the clinician can give.
    """

    participant = models.OneToOneField(
        Participant, on_delete=models.PROTECT, related_name="rems_form"
    )
    first_treatment = models.BooleanField()
    benzodiazepines = models.BooleanField("Concomitant benzodiazepines")
    non_benzo_sedative_hypnotics = models.BooleanField(
        "Concomitant non-benzodiazepine sedative hypnotics"
    )
    psychostimulants = models.BooleanField("Concomitant psychostimulants")
    maois = models.BooleanField("Concomitant MAOIs")
    sedation = models.BooleanField("Sedation observed")
    dissociation = models.BooleanField("Dissociation observed")
    respiratory_depression = models.BooleanField("Respiratory depression observed")
    vitals_acceptable_before_dosing = models.BooleanField()
    vitals_acceptable_before_completion = models.BooleanField()
    serious_adverse_events = models.TextField(blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submitted_at"]
        verbose_name = "REMS monitoring form"

    def __str__(self) -> str:
        return f"REMS form for {self.participant} submitted {self.submitted_at:%Y-%m-%d}"
