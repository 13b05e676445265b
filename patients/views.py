"""Staff views for patients: the front desk's list, registration and edit screens, and the chart.

Every patient is fetched through `_get_patient_for_user` (patients_for_user scope: 404 outside
it). The clinical half of the chart is shown only when `_clinical_access` says so.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import (
    Capability,
    can_see_clinical,
    patients_for_user,
    require_capability,
    sessions_for_user,
)
from facilities.models import Location
from sessions_app.models import (
    AdverseEvent,
    IntegrationNote,
    NoteAddendum,
    Participant,
    Session,
    VitalSign,
)
from sessions_app.rules import ServiceType

from . import services
from .forms import (
    AssessmentForm,
    CourseForm,
    DeactivateForm,
    PatientEditForm,
    PatientForm,
    PatientSearchForm,
    locations_for,
)
from .models import Patient, Scale
from .scales import SCALES

PAGE_SIZE = 25
SEARCH_SESSION_KEY = "patients_search"
CLINICAL_ACCESS_DENIED = "Clinical information is not available to you for this patient."


# --- Scoped fetch helpers -----------------------------------------------------------------------


def _get_patient_for_user(request: HttpRequest, pk: int) -> Patient:
    """The patient if the user's scope includes them, else 404 (same answer as "no such id")."""
    return get_object_or_404(patients_for_user(request.user).select_related("home_location"), pk=pk)


def _clinical_access(request: HttpRequest, patient: Patient) -> bool:
    """May this request see the patient's clinical record?

    Break-the-glass hook: the security layer may set `request.break_the_glass_patient_ids`
    (ids granted for this user after a logged emergency reason) to widen access; the chart
    then renders the clinical half for that patient like for any in-scope clinician.
    """
    if pk_in(getattr(request, "break_the_glass_patient_ids", ()), patient.pk):
        return True
    return can_see_clinical(request.user, patient)


def pk_in(ids, pk: int) -> bool:
    try:
        return pk in ids
    except TypeError:
        return False


def _get_clinical_patient(request: HttpRequest, pk: int) -> Patient:
    patient = _get_patient_for_user(request, pk)
    if not _clinical_access(request, patient):
        raise Http404(CLINICAL_ACCESS_DENIED)
    return patient


def _attach(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the matching form fields (the rest on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- List and search ----------------------------------------------------------------------------

DOB_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")
LIST_FIELDS = (
    "mrn",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "is_active",
    "home_location__name",
)


def _parse_dob(text: str) -> date | None:
    for fmt in DOB_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def search_patients(queryset, text: str):
    """Match a name ("ana", "rivera", "ana riv"), an MRN prefix, or an exact date of birth."""
    text = text.strip()
    if not text:
        return queryset
    dob = _parse_dob(text)
    if dob is not None:
        return queryset.filter(date_of_birth=dob)
    condition = Q(mrn__istartswith=text)
    words = [w for w in re.split(r"[\s,]+", text) if w][:4]
    name = Q()
    for word in words:
        name &= Q(first_name__istartswith=word) | Q(last_name__istartswith=word)
    return queryset.filter(condition | name)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.VIEW_DEMOGRAPHICS)
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search text is POSTed and kept in the session (never in the URL); ?page=N paginates."""
    if request.method == "POST":
        if "clear" in request.POST:
            request.session.pop(SEARCH_SESSION_KEY, None)
            return redirect("patients:list")
        form = PatientSearchForm(request.POST)
        if form.is_valid():
            request.session[SEARCH_SESSION_KEY] = form.cleaned_data
            return redirect("patients:list")
    else:
        saved = request.session.get(SEARCH_SESSION_KEY) or {}
        form = PatientSearchForm(initial=saved)
    criteria = form.cleaned_data if form.is_bound and form.is_valid() else form.initial
    text = criteria.get("q") or ""
    # Only the columns the list shows (the chart's clinical text fields stay in the database).
    queryset = patients_for_user(request.user).select_related("home_location").only(*LIST_FIELDS)
    if not criteria.get("include_inactive"):
        queryset = queryset.filter(is_active=True)
    queryset = search_patients(queryset, text).order_by("last_name", "first_name", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/list.html",
        {"form": form, "page": page, "search_text": text},
    )


# --- Register, edit, deactivate -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_capability(Capability.EDIT_DEMOGRAPHICS)
def patient_create(request: HttpRequest) -> HttpResponse:
    locations = locations_for(request.user)
    form = PatientForm(request.POST or None, locations=locations)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, f"{patient.full_name} is registered.")
            return redirect(patient)
    return render(request, "patients/form.html", {"form": form, "patient": None})


@require_http_methods(["GET", "POST"])
@require_capability(Capability.EDIT_DEMOGRAPHICS)
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _get_patient_for_user(request, pk)
    # The patient's current home location stays selectable even if it is not the user's own.
    locations = locations_for(request.user) | Location.objects.filter(pk=patient.home_location_id)
    if request.method == "POST":
        form = PatientEditForm(request.POST, instance=patient, locations=locations.distinct())
        if form.is_valid():
            fields = dict(form.cleaned_data)
            version = fields.pop("version")
            try:
                services.patient_update(
                    patient=patient, actor=request.user, version=version, **fields
                )
            except ValidationError as error:
                _attach(form, error)
            else:
                messages.success(request, f"Changes to {patient.full_name} are saved.")
                return redirect(patient)
    else:
        form = PatientEditForm(
            instance=patient, initial={"version": patient.version}, locations=locations.distinct()
        )
    return render(request, "patients/form.html", {"form": form, "patient": patient})


@require_POST
@require_capability(Capability.EDIT_DEMOGRAPHICS)
def patient_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _get_patient_for_user(request, pk)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete; reload the page and try again.")
        return redirect(patient)
    try:
        services.patient_update(
            patient=patient,
            actor=request.user,
            version=form.cleaned_data["version"],
            is_active=False,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{patient.full_name} is now inactive. The record is kept.")
    return redirect(patient)


# --- Chart ------------------------------------------------------------------------------------


def _url_exists(name: str, *args) -> bool:
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


def _chart_series(assessments) -> list[dict]:
    """Per scale: points over time and the severity bands, for the chart and the table."""
    series: dict[str, dict] = {}
    for assessment in assessments:
        spec = SCALES[assessment.scale]
        entry = series.setdefault(
            assessment.scale,
            {
                "scale": assessment.scale,
                "label": spec.scale.label,
                "max": spec.max_total,
                "bands": [{"low": b.low, "high": b.high, "label": b.label} for b in spec.bands],
                "points": [],
            },
        )
        local = timezone.localtime(assessment.administered_at)
        entry["points"].append(
            {
                "x": local.strftime("%Y-%m-%d %H:%M"),
                "y": assessment.total,
                "band": spec.band_for(assessment.total),
                "alert": assessment.safety_alert,
            }
        )
    order = list(Scale.values)
    return sorted(series.values(), key=lambda s: order.index(s["scale"]))


def _service_label(value: str) -> str:
    try:
        return ServiceType(value).label
    except ValueError:
        return value


# The chart shows the latest CHART_RECENT sessions, notes and score rows; "?history=all" (the
# "Show all" links) shows the whole history. Years of history stay a fixed, small page.
CHART_RECENT = 10
HISTORY_ALL = "all"
_USER_NAME_FIELDS = ("first_name", "last_name", "username", "credential")


def _user_fields(prefix: str) -> list[str]:
    return [f"{prefix}__{name}" for name in _USER_NAME_FIELDS]


def _latest(queryset, limit: int | None) -> tuple[list, bool]:
    """The first `limit` rows (all when None) and whether there are more (one extra row read)."""
    if limit is None:
        return list(queryset), False
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def _clinical_context(patient: Patient, *, show_all: bool = False) -> dict:
    limit = None if show_all else CHART_RECENT
    completed = Count(
        "participations",
        filter=Q(participations__session__status=Session.Status.COMPLETED),
        distinct=True,
    )
    courses = list(patient.courses.annotate(completed_sessions=completed))
    for course in courses:
        course.service_type_label = _service_label(course.service_type)
    participations, more_sessions = _latest(
        Participant.objects.filter(patient=patient)
        .select_related("session__room", "session__lead_guide", "session__clinician")
        .only(
            "attendance",
            "session__starts_at",
            "session__service_type",
            "session__status",
            "session__room__name",
            *_user_fields("session__lead_guide"),
            *_user_fields("session__clinician"),
        )
        .order_by("-session__starts_at"),
        limit,
    )
    addenda = Prefetch(
        "addenda",
        queryset=NoteAddendum.objects.select_related("author")
        .only("integration_note_id", "vital_sign_id", "written_at", "text", *_user_fields("author"))
        .order_by("written_at", "pk"),
    )
    integration, more_integration = _latest(
        IntegrationNote.objects.filter(participant__patient=patient)
        .select_related("author", "participant__session")
        .only(
            "written_at",
            "activity",
            "text",
            "participant__session__starts_at",
            *_user_fields("author"),
        )
        .prefetch_related(addenda)
        .order_by("-written_at", "-pk"),
        limit,
    )
    monitoring, more_monitoring = _latest(
        VitalSign.objects.filter(participant__patient=patient)
        .exclude(note="")
        .select_related("recorded_by", "participant__session")
        .only(
            "recorded_at",
            "note",
            "participant__session__starts_at",
            *_user_fields("recorded_by"),
        )
        .prefetch_related(addenda)
        .order_by("-recorded_at", "-pk"),
        limit,
    )
    notes = [{"kind": "integration", "at": n.written_at, "note": n} for n in integration]
    notes += [{"kind": "monitoring", "at": v.recorded_at, "note": v} for v in monitoring]
    notes.sort(key=lambda item: item["at"], reverse=True)
    more_notes = more_integration or more_monitoring or (limit is not None and len(notes) > limit)
    if limit is not None:
        notes = notes[:limit]
    adverse_events = list(
        AdverseEvent.objects.filter(participant__patient=patient)
        .select_related("recorded_by")
        .order_by("-occurred_at")
    )
    assessments = list(
        patient.assessments.select_related("recorded_by")
        .only(
            "scale",
            "administered_at",
            "total",
            "safety_alert",
            "patient_id",
            *_user_fields("recorded_by"),
        )
        .order_by("administered_at", "pk")
    )
    series = _chart_series(assessments)
    safety_alerts = [a for a in assessments if a.safety_alert]
    score_rows = list(reversed(assessments))
    more_scores = limit is not None and len(score_rows) > limit
    if limit is not None:
        score_rows = score_rows[:limit]
    for assessment in score_rows:
        assessment.band_label = SCALES[assessment.scale].band_for(assessment.total)
    return {
        "courses": courses,
        "participations": participations,
        "more_sessions": more_sessions,
        "notes": notes,
        "more_notes": more_notes,
        "adverse_events": adverse_events,
        "assessments": score_rows,
        "more_scores": more_scores,
        "show_all_history": show_all,
        "series": series,
        "safety_alerts": list(reversed(safety_alerts)),
        "scales": [(value, label) for value, label in Scale.choices],
    }


@require_capability(Capability.VIEW_DEMOGRAPHICS)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _get_patient_for_user(request, pk)
    clinical = _clinical_access(request, patient)
    context: dict = {
        "patient": patient,
        "clinical": clinical,
        "has_session_detail": _url_exists("sessions_app:detail", 1),
        "can_book_for_patient": _url_exists("sessions_app:book_for_patient", patient.pk),
    }
    if clinical:
        show_all = request.GET.get("history") == HISTORY_ALL  # allow-list: anything else = latest
        context.update(_clinical_context(patient, show_all=show_all))
    else:
        context["appointments"] = list(
            sessions_for_user(request.user)
            .filter(participants__patient=patient, starts_at__gte=timezone.now())
            .exclude(status=Session.Status.CANCELLED)
            .select_related("room", "lead_guide")
            .order_by("starts_at")[:20]
        )
    return render(request, "patients/detail.html", context)


# --- Clinical entries from the chart -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_capability(Capability.RECORD_ASSESSMENTS)
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _get_clinical_patient(request, pk)
    scale = request.GET.get("scale", Scale.PHQ9)
    if scale not in SCALES:
        scale = Scale.PHQ9
    form = AssessmentForm(request.POST or None, scale=scale, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_record(
                patient=patient,
                scale=scale,
                items=form.items(),
                actor=request.user,
                administered_at=form.cleaned_data["administered_at"],
                course=form.cleaned_data["course"],
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            spec = SCALES[scale]
            text = (
                f"{spec.scale.label} recorded: {assessment.total} "
                f"({spec.band_for(assessment.total)})."
            )
            if assessment.safety_alert:
                messages.warning(
                    request,
                    text + " Item 9 (self-harm) was answered above 0: follow the "
                    "clinic's safety protocol now.",
                )
            else:
                messages.success(request, text)
            return redirect(f"{patient.get_absolute_url()}#assessments")
    return render(
        request,
        "patients/assessment_form.html",
        {
            "patient": patient,
            "form": form,
            "scale": scale,
            "spec": form.spec,
            "scales": Scale.choices,
        },
    )


@require_http_methods(["GET", "POST"])
@require_capability(Capability.EDIT_DEMOGRAPHICS)
def course_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A treatment course is a clinical plan: clinicians and administrators add it."""
    patient = _get_clinical_patient(request, pk)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_create(patient=patient, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, "The treatment course is added.")
            return redirect(f"{patient.get_absolute_url()}#courses")
    return render(request, "patients/course_form.html", {"patient": patient, "form": form})
