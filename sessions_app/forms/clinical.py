"""Forms used at the bedside (run sheet) and by guides (preparation, integration notes).

Forms only map and normalise input; the rules (plausible vitals, routes, waste witness, device
timing, discharge gates) live in sessions_app.services, whose ValidationErrors the views attach
with `attach_errors`. Each form on the run sheet gets a per-participant prefix so that two
patients' forms on one page never share field names or ids.
"""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User

from ..models import (
    AdverseEvent,
    IntegrationNote,
    ObservationLevel,
    Participant,
    RemsMonitoringForm,
    Session,
)

TEXT_MAX = 4000


def attach_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors next to fields, others on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def prefix_for(participant: Participant, name: str) -> str:
    return f"p{participant.pk}-{name}"


def _helper(*layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


def _witness_field(session: Session, actor: User) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        label="Waste witness",
        required=False,
        queryset=User.objects.filter(is_active=True, locations=session.location_id)
        .exclude(pk=actor.pk)
        .distinct(),
        help_text="Required when an amount is wasted: a second staff member.",
    )
    # The run sheet builds one dose form per participant from the same session object: list
    # the witnesses once, not once per patient (a group would run six identical queries).
    cached = session.__dict__.setdefault("_witness_choices", {})
    if actor.pk not in cached:
        cached[actor.pk] = [("", field.empty_label), *((u.pk, str(u)) for u in field.queryset)]
    field.choices = cached[actor.pk]
    return field


class PhaseStepForm(forms.Form):
    """The state the clicker saw: a second (double) submit no longer matches and is refused."""

    expected_status = forms.ChoiceField(choices=Session.Status.choices, widget=forms.HiddenInput)
    expected_phase = forms.ChoiceField(choices=Session.Phase.choices, widget=forms.HiddenInput)


class VitalsForm(forms.Form):
    systolic = forms.IntegerField(label="Systolic BP (mmHg)", required=False)
    diastolic = forms.IntegerField(label="Diastolic BP (mmHg)", required=False)
    heart_rate = forms.IntegerField(label="Heart rate (bpm)", required=False)
    spo2 = forms.IntegerField(label="SpO2 (%)", required=False)
    respiratory_rate = forms.IntegerField(label="Respiratory rate (/min)", required=False)
    sedation = forms.ChoiceField(
        label="Sedation", required=False, choices=[("", "—"), *ObservationLevel.choices]
    )
    dissociation = forms.ChoiceField(
        label="Dissociation", required=False, choices=[("", "—"), *ObservationLevel.choices]
    )
    note = forms.CharField(
        label="Monitoring note",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})
        self.helper = _helper(
            Row(
                Column("systolic", css_class="col-6 col-md-3"),
                Column("diastolic", css_class="col-6 col-md-3"),
                Column("heart_rate", css_class="col-6 col-md-3"),
                Column("spo2", css_class="col-6 col-md-3"),
            ),
            Row(
                Column("respiratory_rate", css_class="col-6 col-md-4"),
                Column("sedation", css_class="col-6 col-md-4"),
                Column("dissociation", css_class="col-6 col-md-4"),
            ),
            "note",
        )


class _DoseRecordForm(forms.Form):
    """What every controlled-substance record asks: the lot, any waste and its witness."""

    lot_number = forms.CharField(label="Lot number", max_length=40)
    wasted_mg = forms.DecimalField(
        label="Wasted (mg)",
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("1000"),
        initial=Decimal("0"),
        required=False,
    )

    def __init__(self, *args, session: Session, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["witness"] = _witness_field(session, actor)

    def clean_wasted_mg(self):
        return self.cleaned_data.get("wasted_mg") or Decimal("0")


class KetamineDoseForm(_DoseRecordForm):
    dose_mg = forms.DecimalField(
        label="Dose (mg)",
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000"),
    )
    weight_kg = forms.DecimalField(
        label="Weight (kg)",
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("20"),
        max_value=Decimal("350"),
    )
    route = forms.ChoiceField(label="Route")
    infusion_minutes = forms.IntegerField(
        label="Infusion (minutes)", required=False, min_value=1, max_value=240
    )
    note = forms.CharField(label="Note", required=False, max_length=255)

    def __init__(self, *args, session: Session, actor: User, **kwargs):
        super().__init__(*args, session=session, actor=actor, **kwargs)
        routes = session.rule.routes
        self.fields["route"].choices = [(r.value, r.label) for r in routes]
        self.fields["route"].initial = session.route
        if not any(r.value == "iv" for r in routes):
            del self.fields["infusion_minutes"]
        else:
            self.fields["infusion_minutes"].help_text = "IV only; 40 minutes if left empty."
        for name in ("dose_mg", "weight_kg", "wasted_mg"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal"})
        self.fields["dose_mg"].widget.attrs["data-dose-input"] = "dose"
        self.fields["weight_kg"].widget.attrs["data-dose-input"] = "weight"
        fields = ["dose_mg", "weight_kg", "route", "infusion_minutes", "lot_number"]
        first_row = [
            Column(name, css_class="col-6 col-md-4") for name in fields if name in self.fields
        ]
        self.helper = _helper(
            Row(*first_row),
            Row(
                Column("wasted_mg", css_class="col-6 col-md-4"),
                Column("witness", css_class="col-6 col-md-4"),
                Column("note", css_class="col-12 col-md-4"),
            ),
        )


class SpravatoDeviceForm(_DoseRecordForm):
    def __init__(self, *args, session: Session, actor: User, **kwargs):
        super().__init__(*args, session=session, actor=actor, **kwargs)
        self.helper = _helper(
            Row(
                Column("lot_number", css_class="col-12 col-md-4"),
                Column("wasted_mg", css_class="col-6 col-md-4"),
                Column("witness", css_class="col-6 col-md-4"),
            )
        )


class DoseDecisionForm(forms.Form):
    reason = forms.CharField(
        label="Clinical reason for proceeding despite the elevated blood pressure",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class AdverseEventForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=AdverseEvent.Kind.choices)
    severity = forms.ChoiceField(label="Severity", choices=AdverseEvent.Severity.choices)
    serious = forms.BooleanField(label="Serious adverse event", required=False)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    action_taken = forms.CharField(
        label="Action taken",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(
                Column("kind", css_class="col-6"),
                Column("severity", css_class="col-6"),
            ),
            "serious",
            "description",
            "action_taken",
        )


class DischargeForm(forms.Form):
    transport_arrangement = forms.CharField(
        label="Transport home",
        max_length=255,
        required=False,
        help_text="E.g. driven home by partner. No driving until tomorrow.",
    )
    symptoms_resolved = forms.BooleanField(
        label="Sedation, dissociation and respiratory depression have resolved",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class RemsForm(forms.ModelForm):
    """The answers only the clinician can give; the rest of the REMS form comes from the
    session's own records (dose, lot, times, vitals)."""

    class Meta:
        model = RemsMonitoringForm
        fields = [
            "first_treatment",
            "benzodiazepines",
            "non_benzo_sedative_hypnotics",
            "psychostimulants",
            "maois",
            "sedation",
            "dissociation",
            "respiratory_depression",
            "vitals_acceptable_before_dosing",
            "vitals_acceptable_before_completion",
            "serious_adverse_events",
        ]
        labels = {
            "first_treatment": "First Spravato treatment",
            "vitals_acceptable_before_dosing": "Vital signs acceptable before dosing",
            "vitals_acceptable_before_completion": "Vital signs acceptable before completion",
            "serious_adverse_events": "Serious adverse events (describe, or leave empty)",
        }
        widgets = {"serious_adverse_events": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["serious_adverse_events"].max_length = TEXT_MAX
        self.helper = _helper()


class PreparationForm(forms.Form):
    intention = forms.CharField(
        label="Intention",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="In the patient's own words.",
    )
    grounding_done = forms.BooleanField(label="Grounding", required=False)
    breathwork_done = forms.BooleanField(label="Breathwork", required=False)
    set_and_setting_done = forms.BooleanField(label="Set and setting reviewed", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    @classmethod
    def for_participant(cls, participant: Participant, **kwargs) -> PreparationForm:
        return cls(
            initial={
                "intention": participant.intention,
                "grounding_done": participant.grounding_done,
                "breathwork_done": participant.breathwork_done,
                "set_and_setting_done": participant.set_and_setting_done,
            },
            **kwargs,
        )


class IntegrationNoteForm(forms.Form):
    activity = forms.ChoiceField(label="Activity", choices=IntegrationNote.Activity.choices)
    text = forms.CharField(
        label="Integration note", max_length=TEXT_MAX * 2, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


# --- Lean field rendering for the run sheet ------------------------------------------------------
# The run sheet shows several forms per participant; crispy's bootstrap5 field templates were most
# of that page's time (about 1 ms a field). lean_form_html() writes the same Bootstrap 5 markup
# (labels, required asterisk, invalid-feedback errors, help text, rows and columns of the helper's
# layout) with format_html. A layout it does not know returns None: the template falls back to
# {% crispy form %}.

_WIDGET_CLASS = {
    forms.NumberInput: "numberinput form-control",
    forms.Select: "select form-select",
    forms.Textarea: "textarea form-control",
    forms.CheckboxInput: "checkboxinput form-check-input",
    forms.DateInput: "dateinput form-control",
    forms.DateTimeInput: "datetimeinput form-control",
    forms.TextInput: "textinput form-control",
    forms.EmailInput: "emailinput form-control",
}


def _lean_field(bound) -> SafeString | None:
    widget = bound.field.widget
    if isinstance(widget, forms.HiddenInput):
        return SafeString(bound.as_widget())
    css = _WIDGET_CLASS.get(type(widget))
    if css is None:
        return None
    errors = bound.errors
    attrs = {"class": f"{css} is-invalid" if errors else css}
    existing = widget.attrs.get("class")
    if existing:
        attrs["class"] = f"{attrs['class']} {existing}"
    html_id = bound.id_for_label
    error_html = format_html_join(
        "",
        '<div id="error_{}_{}" class="invalid-feedback"><strong>{}</strong></div>',
        ((n, html_id, message) for n, message in enumerate(errors, start=1)),
    )
    help_html = (
        format_html('<div id="hint_{}" class="form-text">{}</div>', html_id, bound.help_text)
        if bound.help_text
        else ""
    )
    widget_html = bound.as_widget(attrs=attrs)
    if isinstance(widget, forms.CheckboxInput):
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="form-check">{}'
            '<label for="{}" class="form-check-label{}">{}</label>{}{}</div></div>',
            html_id,
            widget_html,
            html_id,
            " requiredField" if bound.field.required else "",
            bound.label,
            error_html,
            help_html,
        )
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label{}">{}{}</label>'
        "{}{}{}</div>",
        html_id,
        html_id,
        " requiredField" if bound.field.required else "",
        bound.label,
        mark_safe('<span class="asteriskField">*</span>') if bound.field.required else "",
        widget_html,
        error_html,
        help_html,
    )


def _lean_item(form, item) -> SafeString | None:
    if isinstance(item, str):
        return _lean_field(form[item]) if item in form.fields else SafeString("")
    if isinstance(item, (Row, Column)):
        parts = [_lean_item(form, child) for child in item.fields]
        if any(part is None for part in parts):
            return None
        css = "row" if isinstance(item, Row) else (item.css_class or "col-md")
        if isinstance(item, Row) and item.css_class:
            css = f"row {item.css_class}"
        return format_html('<div class="{}">{}</div>', css, SafeString("".join(parts)))
    return None


def lean_form_html(form) -> SafeString | None:
    """The form's fields as crispy would lay them out (no <form> tag, no CSRF), or None."""
    helper = getattr(form, "helper", None)
    layout = getattr(helper, "layout", None)
    items = layout.fields if layout is not None else list(form.fields)
    parts = [_lean_item(form, item) for item in items]
    if any(part is None for part in parts):
        return None
    errors = form.non_field_errors()
    head = (
        format_html(
            '<div class="alert alert-block alert-danger"><ul class="m-0">{}</ul></div>',
            format_html_join("", "<li>{}</li>", ((e,) for e in errors)),
        )
        if errors
        else ""
    )
    return format_html("{}{}", head, SafeString("".join(parts)))
