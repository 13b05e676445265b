"""The session run sheet: the clinician's bedside screen, and the guide's preparation checklist.

Every view fetches the session or participant through `sessions_for_user` (404 outside the
user's scope). Forms that fail re-render the whole run sheet with the bound form open in its
participant's card, so the clinician sees the error where they typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from accounts.permissions import Capability, require_capability, sessions_for_user, user_can

from ..forms.booking import CancelForm
from ..forms.clinical import (
    AddendumForm,
    AdverseEventForm,
    DischargeForm,
    DoseDecisionForm,
    KetamineDoseForm,
    PhaseStepForm,
    PreparationForm,
    RemsForm,
    SpravatoDeviceForm,
    VitalsForm,
    attach_errors,
    lean_form_html,
    prefix_for,
)
from ..models import (
    AdverseEvent,
    DoseAdministration,
    DoseDecision,
    NoteAddendum,
    Participant,
    PhaseTransition,
    Session,
    VitalSign,
)
from ..rules import bp_needs_dose_decision, clinic_rule, rems_setting
from ..selectors import next_vitals_due, session_timeline
from ..services import clinical, phases
from ..services.preparation import participant_update_preparation

ALREADY_STARTED = "The session has already been started; the page was out of date."
PHASE_SAVED = {
    Session.Phase.PREPARATION: "Session started: preparation.",
    Session.Phase.MEDICATION: "Medication phase started.",
    Session.Phase.INTEGRATION: "Integration phase started.",
    Session.Phase.COMPLETED: "Session completed.",
}
NEXT_STEP_LABELS = {
    Session.Phase.PREPARATION: "Start medication",
    Session.Phase.MEDICATION: "Start integration",
    Session.Phase.INTEGRATION: "Complete session",
}


# --- Scoped fetches ----------------------------------------------------------------------------


def _with_run_sheet_page_data(queryset):
    """What the run sheet page shows, in a fixed number of queries (selectors.with_run_sheet_data
    trimmed for this page): the same prefetch names, so the phase gates, session_timeline and
    the cards read these rows without further queries; integration notes only as a count
    (the card's link), and vitals and adverse events without their recorder (not shown)."""
    return queryset.select_related(
        "room", "location", "lead_guide", "co_guide", "clinician"
    ).prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related(
                "patient", "discharged_by", "rems_form"
            ).annotate(integration_note_count=Count("integration_notes")),
        ),
        Prefetch("participants__vitals", queryset=VitalSign.objects.order_by("recorded_at")),
        Prefetch(
            "participants__vitals__addenda",
            queryset=NoteAddendum.objects.select_related("author"),
        ),
        Prefetch(
            "participants__doses",
            queryset=DoseAdministration.objects.select_related(
                "administered_by", "witness"
            ).order_by("administered_at"),
        ),
        Prefetch(
            "participants__dose_decisions",
            queryset=DoseDecision.objects.select_related("decided_by"),
        ),
        Prefetch("participants__adverse_events", queryset=AdverseEvent.objects.all()),
        Prefetch("transitions", queryset=PhaseTransition.objects.select_related("actor")),
    )


def _get_session_for_user(request: HttpRequest, pk: int) -> Session:
    return get_object_or_404(_with_run_sheet_page_data(sessions_for_user(request.user)), pk=pk)


def _get_participant_for_user(request: HttpRequest, pk: int, participant_pk: int) -> Participant:
    return get_object_or_404(
        Participant.objects.select_related("session", "patient").filter(
            session__in=sessions_for_user(request.user)
        ),
        pk=participant_pk,
        session_id=pk,
    )


def _sentence(template: str, participant: Participant) -> str:
    # Templates end with the short name ("Ana R."), which brings its own full stop.
    return template.format(patient=participant.patient.short_name)


def _back(participant: Participant) -> HttpResponse:
    return redirect(
        reverse("sessions_app:detail", args=[participant.session_id]) + f"#p{participant.pk}"
    )


# --- Building the page -------------------------------------------------------------------------


@dataclass
class ParticipantCard:
    participant: Participant
    latest_vitals: VitalSign | None
    doses: list
    total_mg: Any
    vitals_due: Any
    decision_needed: bool
    discharge_blockers: list[str]
    device_next: int | None = None
    device_max: int | None = None
    device_seconds_left: int = 0
    device_next_at: Any = None
    forms: dict[str, Any] = field(default_factory=dict)
    open_form: str = ""
    rems_due: bool = False


def _device_state(participant: Participant, now) -> tuple[int | None, int, int, Any]:
    devices = [d for d in participant.doses.all() if d.device_number]
    allowed = phases.spravato_allowed_totals(participant, now)
    device_mg = clinic_rule("SPRAVATO_DEVICE_MG")
    most = max(allowed) // device_mg
    given = len(devices)
    seconds_left, next_at = 0, None
    if devices:
        gap = timedelta(minutes=clinic_rule("SPRAVATO_MINUTES_BETWEEN_DEVICES"))
        next_at = devices[-1].administered_at + gap
        seconds_left = max(0, int((next_at - now).total_seconds()))
    return (given + 1 if given < most else None), most, seconds_left, next_at


def _card(request: HttpRequest, session: Session, participant: Participant, now) -> ParticipantCard:
    user = request.user
    vitals = list(participant.vitals.all())
    doses = list(participant.doses.all())
    latest_pre = phases.ParticipantClinicalState(participant, vitals, doses).latest_pre_dose
    decision_needed = bool(
        session.is_spravato
        and session.phase == Session.Phase.PREPARATION
        and latest_pre is not None
        and bp_needs_dose_decision(latest_pre.systolic, latest_pre.diastolic)
        and not any(d.vital_sign_id == latest_pre.pk for d in participant.dose_decisions.all())
    )
    in_integration = (
        session.status == Session.Status.IN_PROGRESS and session.phase == Session.Phase.INTEGRATION
    )
    card = ParticipantCard(
        participant=participant,
        latest_vitals=vitals[-1] if vitals else None,
        doses=doses,
        total_mg=sum((d.dose_mg for d in doses), start=0),
        vitals_due=next_vitals_due(participant, session, now=now),
        decision_needed=decision_needed,
        discharge_blockers=phases.discharge_blockers(participant, now=now)
        if in_integration and participant.is_active and participant.discharged_at is None
        else [],
    )
    if session.is_spravato:
        (
            card.device_next,
            card.device_max,
            card.device_seconds_left,
            card.device_next_at,
        ) = _device_state(participant, now)
    card.rems_due = bool(
        session.is_spravato
        and rems_setting("MONITORING_FORM_REQUIRED")
        and participant.discharged_at is not None
        and not hasattr(participant, "rems_form")
    )

    def prefix(name: str) -> str:
        return prefix_for(participant, name)

    active = participant.is_active and session.status == Session.Status.IN_PROGRESS
    if user_can(user, Capability.RUN_SESSIONS) and active:
        card.forms["vitals"] = VitalsForm(prefix=prefix("vitals"))
        if session.phase == Session.Phase.MEDICATION:
            if session.is_spravato:
                if card.device_next:
                    card.forms["device"] = SpravatoDeviceForm(
                        prefix=prefix("device"), session=session, actor=user
                    )
            else:
                card.forms["dose"] = KetamineDoseForm(
                    prefix=prefix("dose"), session=session, actor=user
                )
        if decision_needed:
            card.forms["decision"] = DoseDecisionForm(prefix=prefix("decision"))
        if in_integration and participant.discharged_at is None:
            card.forms["discharge"] = DischargeForm(
                prefix=prefix("discharge"),
                initial={"transport_arrangement": participant.transport_arrangement},
            )
    if user_can(user, Capability.RUN_SESSIONS) and active:
        # Last in the card: the everyday forms (vitals, dose, discharge) come first.
        card.forms["adverse_event"] = AdverseEventForm(prefix=prefix("adverse_event"))
    if user_can(user, Capability.RUN_SESSIONS) and card.rems_due:
        card.forms["rems"] = RemsForm(prefix=prefix("rems"))
    if (
        user_can(user, Capability.RECORD_PREPARATION)
        and participant.is_active
        and session.is_open
        and session.phase == Session.Phase.PREPARATION
    ):
        card.forms["preparation"] = PreparationForm.for_participant(
            participant, prefix=prefix("preparation")
        )
    return card


# --- Monitoring timeline rows ------------------------------------------------------------------
# A completed group session has ~80 timeline rows, each with its own addendum form; rendered
# through the template engine they were most of the page's time. The row markup lives here as
# format_html strings (every value escaped); run_sheet.html inserts the rows.

_ROW = (
    '<tr class="{row_class}" data-kind="{kind}">'
    '<td class="text-nowrap">{at}</td><td>{who}</td><td>{badge}{title}{reasons}</td>'
    "<td>{detail}{addenda}{form}</td></tr>"
)
_SESSION_CELL = mark_safe('<span class="text-body-secondary">Session</span>')
_FLAGGED = mark_safe('<span class="badge text-bg-danger me-1">Flagged</span>')
_ADDENDUM = (
    '<div class="small border-start border-3 ps-2 mt-1"><strong>Addendum</strong> {}, {}: {}</div>'
)
_ADDENDUM_FORM = (
    '<details class="mt-1"><summary class="small">Add addendum</summary>'
    '<form method="post" action="{action}" class="mt-1">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    '<label class="form-label small" for="addendum-{pk}">Addendum to this entry</label>'
    '<textarea class="form-control form-control-sm" id="addendum-{pk}" name="addendum-text" '
    'rows="2" maxlength="4000" required></textarea>'
    '<button type="submit" class="btn btn-sm btn-outline-primary mt-1">Save addendum</button>'
    "</form></details>"
)


def _hm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")  # the template's |time:"H:i"


def _timeline_rows(request: HttpRequest, session: Session, timeline, can_run: bool) -> list:
    token = get_token(request) if can_run else ""
    rows: list[SafeString] = []
    for e in timeline:
        vital = e.vital_sign
        form = ""
        if vital is not None and can_run:
            form = format_html(
                _ADDENDUM_FORM,
                action=reverse("sessions_app:vitals_addendum", args=(session.pk, vital.pk)),
                token=token,
                pk=vital.pk,
            )
        rows.append(
            format_html(
                _ROW,
                row_class="table-danger"
                if e.flagged
                else ("table-light" if e.kind == "phase" else ""),
                kind=e.kind,
                at=_hm(e.at),
                who=e.participant.patient.short_name if e.participant else _SESSION_CELL,
                badge=_FLAGGED if e.flagged else "",
                title=e.title,
                reasons=format_html(
                    '<div class="small text-danger-emphasis">{}</div>', vital.flag_reasons
                )
                if vital is not None and vital.flag_reasons
                else "",
                detail=format_html("<div>{}</div>", e.detail) if e.detail else "",
                addenda=format_html_join(
                    "",
                    _ADDENDUM,
                    ((_hm(a.written_at), str(a.author), a.text) for a in e.addenda),
                ),
                form=form,
            )
        )
    return rows


def _render_run_sheet(
    request: HttpRequest,
    pk: int,
    *,
    bound: tuple[int, str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    session = _get_session_for_user(request, pk)
    user = request.user
    now = timezone.now()
    can_clinical = user_can(user, Capability.VIEW_CLINICAL)
    cards = [_card(request, session, p, now) for p in session.participants.all()]
    if bound is not None:
        participant_pk, name, form = bound
        for card in cards:
            if card.participant.pk == participant_pk:
                card.forms[name] = form
                card.open_form = name
    for card in cards:
        for form in card.forms.values():
            form.lean_html = lean_form_html(form)  # None: the template uses {% crispy %}
    next_label = ""
    blockers: list[str] = []
    if session.status == Session.Status.SCHEDULED:
        next_label = "Start session"
    elif session.status == Session.Status.IN_PROGRESS:
        next_label = NEXT_STEP_LABELS[Session.Phase(session.phase)]
        blockers = phases.advance_blockers(session, now=now)
    timeline = session_timeline(session) if can_clinical else []
    context = {
        "session": session,
        "cards": cards,
        "can_clinical": can_clinical,
        "can_run": user_can(user, Capability.RUN_SESSIONS),
        "can_prepare": user_can(user, Capability.RECORD_PREPARATION),
        "can_write_notes": user_can(user, Capability.WRITE_INTEGRATION_NOTES),
        "can_book": user_can(user, Capability.BOOK_SESSIONS),
        "next_label": next_label,
        "blockers": blockers,
        "step_form": PhaseStepForm(
            initial={"expected_status": session.status, "expected_phase": session.phase}
        ),
        "timeline": timeline,
        "timeline_rows": _timeline_rows(
            request, session, timeline, user_can(user, Capability.RUN_SESSIONS)
        ),
        "addendum_form": AddendumForm(prefix="addendum"),
        "spravato_monitoring_minutes": clinic_rule("SPRAVATO_MONITORING_MINUTES"),
        "now": now,
    }
    if context["can_book"]:
        # The front desk's check-in / no-show / reschedule / cancel partials (views/booking.py).
        context["participants"] = session.participants.all()
        context["cancel_form"] = CancelForm()
    return render(request, "sessions_app/run_sheet.html", context, status=status)


# --- Views -------------------------------------------------------------------------------------


@require_capability(Capability.VIEW_SCHEDULE)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The run sheet. Everyone who may see the session opens it; clinical parts need
    VIEW_CLINICAL and each action its own capability."""
    return _render_run_sheet(request, pk)


@require_capability(Capability.RUN_SESSIONS)
@require_POST
def advance(request: HttpRequest, pk: int) -> HttpResponse:
    """The one next-step button: start the session, or move it to its next phase."""
    session = get_object_or_404(sessions_for_user(request.user), pk=pk)
    form = PhaseStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The page was out of date; reload and try again.")
        return redirect(session)
    try:
        if form.cleaned_data["expected_status"] == Session.Status.SCHEDULED:
            if session.status != Session.Status.SCHEDULED:
                raise ValidationError(ALREADY_STARTED)
            session = phases.session_start(session=session, actor=request.user)
        else:
            session = phases.session_advance_phase(
                session=session,
                actor=request.user,
                expected_phase=form.cleaned_data["expected_phase"],
            )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, PHASE_SAVED[Session.Phase(session.phase)])
    return redirect(session)


def _clinical_post(
    request: HttpRequest,
    pk: int,
    participant_pk: int,
    *,
    name: str,
    form_class,
    service,
    success: str,
    form_kwargs: dict | None = None,
    extra: dict | None = None,
) -> HttpResponse:
    """Shared shape of the run sheet's write views: bind, validate, call the service."""
    participant = _get_participant_for_user(request, pk, participant_pk)
    kwargs = dict(form_kwargs or {})
    if kwargs.pop("needs_session", False):
        kwargs.update(session=participant.session, actor=request.user)
    form = form_class(request.POST, prefix=prefix_for(participant, name), **kwargs)
    if form.is_valid():
        try:
            service(
                participant=participant,
                actor=request.user,
                **form.cleaned_data,
                **(extra or {}),
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _sentence(success, participant))
            return _back(participant)
    return _render_run_sheet(request, pk, bound=(participant.pk, name, form))


@require_capability(Capability.RUN_SESSIONS)
@require_POST
def vitals_add(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    return _clinical_post(
        request,
        pk,
        participant_pk,
        name="vitals",
        form_class=VitalsForm,
        service=clinical.vitals_record,
        success="Vitals recorded for {patient}",
    )


@require_capability(Capability.RUN_SESSIONS)
@require_POST
def dose_add(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    return _clinical_post(
        request,
        pk,
        participant_pk,
        name="dose",
        form_class=KetamineDoseForm,
        form_kwargs={"needs_session": True},
        service=clinical.dose_record,
        success="Dose recorded for {patient}",
    )


@require_capability(Capability.RUN_SESSIONS)
@require_POST
def device_add(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    return _clinical_post(
        request,
        pk,
        participant_pk,
        name="device",
        form_class=SpravatoDeviceForm,
        form_kwargs={"needs_session": True},
        service=clinical.spravato_device_record,
        success="Spravato device recorded for {patient}",
    )


@require_capability(Capability.RUN_SESSIONS)
@require_POST
def dose_decision_add(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    return _clinical_post(
        request,
        pk,
        participant_pk,
        name="decision",
        form_class=DoseDecisionForm,
        service=clinical.dose_decision_record,
        success="Decision to proceed recorded for {patient}",
    )


@require_capability(Capability.RUN_SESSIONS)
@require_POST
def adverse_event_add(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    return _clinical_post(
        request,
        pk,
        participant_pk,
        name="adverse_event",
        form_class=AdverseEventForm,
        service=clinical.adverse_event_record,
        success="Adverse event recorded for {patient}",
    )


@require_capability(Capability.RUN_SESSIONS)
@require_POST
def discharge(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    return _clinical_post(
        request,
        pk,
        participant_pk,
        name="discharge",
        form_class=DischargeForm,
        service=phases.participant_discharge,
        success="{patient} discharged.",
    )


@require_capability(Capability.RUN_SESSIONS)
@require_POST
def rems_submit(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    return _clinical_post(
        request,
        pk,
        participant_pk,
        name="rems",
        form_class=RemsForm,
        service=clinical.rems_form_submit,
        success="REMS monitoring form submitted for {patient}",
    )


@require_capability(Capability.RECORD_PREPARATION)
@require_POST
def preparation_update(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    return _clinical_post(
        request,
        pk,
        participant_pk,
        name="preparation",
        form_class=PreparationForm,
        service=participant_update_preparation,
        success="Preparation checklist saved for {patient}",
    )


@require_capability(Capability.RUN_SESSIONS)
@require_POST
def vitals_addendum(request: HttpRequest, pk: int, vital_pk: int) -> HttpResponse:
    """An addendum to a monitoring entry; the original entry stays as written."""
    vital = get_object_or_404(
        VitalSign.objects.select_related("participant").filter(
            participant__session__in=sessions_for_user(request.user)
        ),
        pk=vital_pk,
        participant__session_id=pk,
    )
    form = AddendumForm(request.POST, prefix="addendum")
    if form.is_valid():
        try:
            clinical.note_add_addendum(
                actor=request.user, text=form.cleaned_data["text"], vital_sign=vital
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, "Addendum added.")
            return redirect(reverse("sessions_app:detail", args=[pk]) + "#timeline")
    for message in form.errors.get("text", []) + form.non_field_errors():
        messages.error(request, message)
    return redirect(reverse("sessions_app:detail", args=[pk]) + "#timeline")
