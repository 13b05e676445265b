"""Front-desk forms: book (service type first), reschedule, cancel.

The forms offer only choices that make sense for the user (their locations' rooms and staff,
patients in their scope, the service type's routes); whether a booking is possible (counts,
capacity, conflicts, REMS) is decided by sessions_app.services.booking, whose errors the views
attach to these fields.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, QuerySet, Value, When

from accounts.models import User
from accounts.permissions import patients_for_user
from accounts.roles import GROUP_NAMES, Role
from facilities.models import Location, Room
from patients.models import Patient, TreatmentCourse

from ..rules import SERVICE_RULES, ServiceType

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

# Repeat patterns for a series: gaps in days between occurrences, repeated (allow-list).
REPEAT_PATTERNS: dict[str, tuple[str, tuple[int, ...]]] = {
    "": ("Just this session", ()),
    "3,4": ("Twice weekly (every 3 then 4 days)", (3, 4)),
    "7": ("Weekly", (7,)),
    "14": ("Every two weeks", (14,)),
    "1": ("Daily", (1,)),
}

COURSE_NOT_FOR_PATIENTS = "That treatment course belongs to a patient who is not in this session."
SERIES_NEEDS_PATTERN = "Choose how often the series repeats."
PATTERN_NEEDS_COUNT = "Say how many sessions the series has (2 or more)."

# Service messages name "ends_at"; the form asks for a duration instead.
FIELD_FOR_SERVICE_KEY = {"ends_at": "duration_minutes"}


def attach_booking_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a booking service's ValidationError to the matching fields (others on top)."""
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            field = FIELD_FOR_SERVICE_KEY.get(key, key)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def staff_with_role(role: Role, locations: QuerySet[Location] | None) -> QuerySet[User]:
    qs = User.objects.filter(groups__name=GROUP_NAMES[role], is_active=True)
    if locations is not None:
        qs = qs.filter(locations__in=locations)
    return qs.distinct().order_by("last_name", "first_name", "pk")


def bookable_locations(user: User) -> QuerySet[Location]:
    if user.is_administrator:
        return Location.objects.filter(is_active=True)
    return Location.objects.filter(is_active=True, pk__in=user.locations.values("pk"))


class ServiceTypeForm(forms.Form):
    """Step one: the service type decides everything else the booking form asks."""

    service_type = forms.ChoiceField(label="Service type", choices=ServiceType.choices)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        label = obj.display_name
        if getattr(obj, "is_preferred", False):
            label += " (preferred by the patient)"
        return label


class PatientChoiceMixin:
    def label_from_instance(self, obj: Patient) -> str:
        return f"{obj.last_name}, {obj.first_name} · {obj.mrn} · {obj.date_of_birth:%Y-%m-%d}"


class PatientChoiceField(PatientChoiceMixin, forms.ModelChoiceField):
    pass


class PatientMultipleChoiceField(PatientChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TreatmentCourse) -> str:
        return (
            f"{obj.patient.full_name}: {obj.get_kind_display()} "
            f"({obj.planned_sessions} sessions, from {obj.started_on:%Y-%m-%d})"
        )


class BookingForm(forms.Form):
    service_type = forms.ChoiceField(choices=ServiceType.choices, widget=forms.HiddenInput)
    route = forms.ChoiceField(label="Route")
    room = forms.ModelChoiceField(label="Room", queryset=Room.objects.none())
    starts_at = forms.DateTimeField(
        label="Starts at", widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS
    )
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=15, max_value=720, step_size=5
    )
    lead_guide = StaffChoiceField(label="Lead guide", queryset=User.objects.none())
    co_guide = StaffChoiceField(
        label="Co-guide (optional)", queryset=User.objects.none(), required=False
    )
    clinician = StaffChoiceField(label="Clinician", queryset=User.objects.none())
    course = CourseChoiceField(
        label="Treatment course (optional)", queryset=TreatmentCourse.objects.none(), required=False
    )
    notes = forms.CharField(
        label="Scheduling notes (not clinical)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    repeat_pattern = forms.ChoiceField(
        label="Repeat",
        required=False,
        choices=[(key, label) for key, (label, _gaps) in REPEAT_PATTERNS.items()],
    )
    repeat_count = forms.IntegerField(
        label="Number of sessions in the series",
        min_value=1,
        max_value=26,
        required=False,
        initial=1,
    )

    def __init__(
        self,
        *args,
        user: User,
        service_type: str,
        preferred_for: list[Patient] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.rule = SERVICE_RULES[service_type]
        self.initial.setdefault("service_type", service_type)
        self.initial.setdefault("duration_minutes", self.rule.default_minutes)
        locations = bookable_locations(user)
        patients = (
            patients_for_user(user).filter(is_active=True).order_by("last_name", "first_name")
        )
        if self.rule.max_patients == 1:
            self.fields["patients"] = PatientChoiceField(label="Patient", queryset=patients)
        else:
            self.fields["patients"] = PatientMultipleChoiceField(
                label=f"Patients ({self.rule.patient_count_text})",
                queryset=patients,
                widget=forms.SelectMultiple(attrs={"size": 8}),
                help_text="Hold Ctrl (Cmd on a Mac) to choose several.",
            )
        self.order_fields(["service_type", "patients"])
        self.fields["route"].choices = [(r.value, r.label) for r in self.rule.routes]
        if len(self.rule.routes) == 1:
            self.initial.setdefault("route", self.rule.routes[0].value)
        self.fields["room"].queryset = (
            Room.objects.filter(location__in=locations, is_active=True)
            .select_related("location")
            .order_by("location__name", "name")
        )
        self.fields["room"].label_from_instance = lambda r: (
            f"{r.name} · {r.location.name} (holds {r.capacity})"
        )
        guides = staff_with_role(Role.GUIDE, locations)
        self.fields["lead_guide"].queryset = guides
        self.fields["co_guide"].queryset = guides
        self.fields["clinician"].queryset = staff_with_role(Role.CLINICIAN, locations)
        self.fields["course"].queryset = (
            TreatmentCourse.objects.filter(
                patient__in=patients, status=TreatmentCourse.Status.ACTIVE
            )
            .select_related("patient")
            .order_by("patient__last_name", "-started_on")
        )
        self._offer_preferred_guide_first(preferred_for or [])

    def _offer_preferred_guide_first(self, patients: list[Patient]) -> None:
        """The patients' preferred guides head the guide lists (and are pre-selected)."""
        preferred_ids = [p.preferred_guide_id for p in patients if p.preferred_guide_id]
        if not preferred_ids:
            return
        first = Case(When(pk__in=preferred_ids, then=Value(True)), default=Value(False))
        for name in ("lead_guide", "co_guide"):
            field = self.fields[name]
            field.queryset = field.queryset.annotate(is_preferred=first).order_by(
                "-is_preferred", "last_name", "first_name", "pk"
            )
        if not self.is_bound:
            self.initial.setdefault("lead_guide", preferred_ids[0])

    def clean_patients(self):
        value = self.cleaned_data["patients"]
        if isinstance(value, Patient):
            return [value]
        return list(value)

    def clean(self):
        data = super().clean()
        course = data.get("course")
        patients = data.get("patients") or []
        if course is not None and patients and course.patient_id not in {p.pk for p in patients}:
            self.add_error("course", COURSE_NOT_FOR_PATIENTS)
        count = data.get("repeat_count") or 1
        pattern = data.get("repeat_pattern") or ""
        if count > 1 and not pattern:
            self.add_error("repeat_pattern", SERIES_NEEDS_PATTERN)
        elif pattern and count < 2:
            self.add_error("repeat_count", PATTERN_NEEDS_COUNT)
        return data

    # Values the services take.
    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["duration_minutes"])

    @property
    def gaps(self) -> tuple[int, ...]:
        return REPEAT_PATTERNS[self.cleaned_data.get("repeat_pattern") or ""][1]

    @property
    def series_count(self) -> int:
        return self.cleaned_data.get("repeat_count") or 1

    def booking_kwargs(self) -> dict:
        data = self.cleaned_data
        course = data.get("course")
        return {
            "service_type": data["service_type"],
            "patients": data["patients"],
            "room": data["room"],
            "lead_guide": data["lead_guide"],
            "co_guide": data.get("co_guide"),
            "clinician": data["clinician"],
            "route": data["route"],
            "courses": {course.patient_id: course} if course else None,
            "notes": data.get("notes", ""),
        }


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New start", widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS
    )
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)", min_value=15, max_value=720, step_size=5
    )
    room = forms.ModelChoiceField(label="Room", queryset=Room.objects.none())
    lead_guide = StaffChoiceField(label="Lead guide", queryset=User.objects.none())
    co_guide = StaffChoiceField(label="Co-guide", queryset=User.objects.none(), required=False)
    clinician = StaffChoiceField(label="Clinician", queryset=User.objects.none())

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        locations = bookable_locations(user)
        self.fields["room"].queryset = (
            Room.objects.filter(location__in=locations, is_active=True)
            .select_related("location")
            .order_by("location__name", "name")
        )
        self.fields["room"].label_from_instance = lambda r: (
            f"{r.name} · {r.location.name} (holds {r.capacity})"
        )
        guides = staff_with_role(Role.GUIDE, locations)
        self.fields["lead_guide"].queryset = guides
        self.fields["co_guide"].queryset = guides
        self.fields["clinician"].queryset = staff_with_role(Role.CLINICIAN, locations)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason for cancelling", max_length=255)
