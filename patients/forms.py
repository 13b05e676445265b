"""Forms for the front desk's patient screens and the chart's clinical entries.

Forms map fields and normalise input; business rules live in patients.services, whose
ValidationErrors the views attach to these forms.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from accounts.models import User
from accounts.roles import GROUP_NAMES, Role
from facilities.models import Location
from sessions_app.rules import ServiceType

from .models import Patient, Scale, TreatmentCourse
from .scales import SCALES

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

SEARCH_HELP = "Name, MRN, or date of birth (YYYY-MM-DD)."
DOB_IN_FUTURE = "The date of birth cannot be in the future."


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Search patients",
        max_length=100,
        required=False,
        help_text=SEARCH_HELP,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    include_inactive = forms.BooleanField(label="Include inactive patients", required=False)


def guides_queryset():
    return User.objects.filter(groups__name=GROUP_NAMES[Role.GUIDE], is_active=True).distinct()


class PatientForm(forms.ModelForm):
    """Demographics and screening. Used to register and (with `version`) to edit."""

    class Meta:
        model = Patient
        fields = [
            "mrn",
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "home_location",
            "email",
            "phone",
            "address",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relationship",
            "contraindications",
            "has_aneurysmal_vascular_disease",
            "has_arteriovenous_malformation",
            "has_intracerebral_hemorrhage_history",
            "has_ketamine_hypersensitivity",
            "allergies",
            "current_medications",
            "prior_treatments",
            "consent_signed_on",
            "preferred_guide",
            "rems_patient_id",
            "rems_enrolled_on",
        ]
        widgets = {
            "date_of_birth": DATE_WIDGET,
            "consent_signed_on": DATE_WIDGET,
            "rems_enrolled_on": DATE_WIDGET,
            "contraindications": forms.Textarea(attrs={"rows": 2}),
            "allergies": forms.Textarea(attrs={"rows": 2}),
            "current_medications": forms.Textarea(attrs={"rows": 2}),
            "prior_treatments": forms.Textarea(attrs={"rows": 2}),
            "address": forms.TextInput(),
        }
        labels = {
            "contraindications": "Other contraindications",
            "consent_signed_on": "Consent signed on",
            "current_medications": "Current medications",
        }

    def __init__(self, *args, locations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_guide"].queryset = guides_queryset()
        self.fields["preferred_guide"].label_from_instance = lambda u: u.display_name
        if locations is not None:
            self.fields["home_location"].queryset = locations

    def clean_mrn(self) -> str:
        return self.cleaned_data["mrn"].strip().upper()

    def clean_date_of_birth(self) -> date:
        dob = self.cleaned_data["date_of_birth"]
        if dob > timezone.localdate():
            raise forms.ValidationError(DOB_IN_FUTURE)
        return dob

    def _post_clean(self) -> None:
        # The services run full_clean; doing it here too would mutate the instance that the
        # stale-edit check compares against, so only field-level validation runs in the form.
        pass


class PatientEditForm(PatientForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta(PatientForm.Meta):
        fields = [*PatientForm.Meta.fields, "is_active"]
        labels = {**PatientForm.Meta.labels, "is_active": "Active patient"}


class DeactivateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def locations_for(user: User):
    if user.is_administrator:
        return Location.objects.filter(is_active=True)
    return user.locations.filter(is_active=True)


class CourseForm(forms.ModelForm):
    service_type = forms.ChoiceField(choices=ServiceType.choices)

    class Meta:
        model = TreatmentCourse
        fields = ["kind", "service_type", "planned_sessions", "started_on", "notes"]
        widgets = {"started_on": DATE_WIDGET, "notes": forms.Textarea(attrs={"rows": 2})}
        labels = {"kind": "Course type", "planned_sessions": "Planned sessions"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planned_sessions"].widget.attrs.update({"min": 1, "max": 52})
        if not self.is_bound:
            self.initial.setdefault("started_on", timezone.localdate())

    def _post_clean(self) -> None:
        pass


class AssessmentForm(forms.Form):
    """One 0..item_max field per item of the chosen scale."""

    administered_at = forms.DateTimeField(
        label="Administered at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    course = forms.ModelChoiceField(
        label="Treatment course", queryset=TreatmentCourse.objects.none(), required=False
    )

    def __init__(self, *args, scale: str, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.spec = SCALES[scale]
        self.fields["course"].queryset = patient.courses.all()
        if not self.is_bound:
            self.initial.setdefault(
                "administered_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M")
            )
        for number in range(1, self.spec.items + 1):
            self.fields[f"item_{number}"] = forms.IntegerField(
                label=f"Item {number}",
                min_value=0,
                max_value=self.spec.item_max,
                widget=forms.NumberInput(attrs={"min": 0, "max": self.spec.item_max}),
            )

    @property
    def item_names(self) -> list[str]:
        return [f"item_{n}" for n in range(1, self.spec.items + 1)]

    @property
    def item_fields(self) -> list:
        return [self[name] for name in self.item_names]

    def items(self) -> list[int]:
        return [self.cleaned_data[name] for name in self.item_names]


SCALE_CHOICES = Scale.choices
