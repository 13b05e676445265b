"""Guides' screens: "my sessions", and per-participant integration notes with addenda.

A note is always written against one participant, whose id is in the URL path: in a couples or
group session each patient has their own form, so a note cannot land on the wrong patient.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import Capability, require_capability, sessions_for_user, user_can
from patients.scales import SCALES

from ..forms.clinical import AddendumForm, IntegrationNoteForm, attach_errors
from ..models import IntegrationNote, Participant
from ..selectors import outcome_trend, patient_integration_notes, sessions_led_by
from ..services import clinical

NOTE_SAVED = "Integration note saved for {patient}"
ADDENDUM_SAVED = "Addendum added; the original note is unchanged."


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def guide_week(user, today) -> dict:
    """Today's sessions and the rest of this week's (Monday to Sunday) for a guide."""
    week_start = today - timedelta(days=today.weekday())
    week_end = week_start + timedelta(days=7)
    sessions = list(sessions_led_by(user, start=_day_start(week_start), end=_day_start(week_end)))
    todays = [s for s in sessions if timezone.localdate(s.starts_at) == today]
    rest = [s for s in sessions if timezone.localdate(s.starts_at) != today]
    return {"today_sessions": todays, "week_sessions": rest, "week_start": week_start}


# The guides' work list: WRITE_INTEGRATION_NOTES is the capability only guides hold.
@require_capability(Capability.WRITE_INTEGRATION_NOTES)
def my_sessions(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "sessions_app/my_sessions.html",
        {"today": today, **guide_week(request.user, today)},
    )


def _get_participant_for_user(request: HttpRequest, pk: int, participant_pk: int) -> Participant:
    return get_object_or_404(
        Participant.objects.select_related(
            "session__room", "session__lead_guide", "session__co_guide", "patient"
        ).filter(session__in=sessions_for_user(request.user)),
        pk=participant_pk,
        session_id=pk,
    )


def _notes_page(
    request: HttpRequest,
    participant: Participant,
    *,
    form: IntegrationNoteForm | None = None,
    addendum_for: int | None = None,
    addendum_form: AddendumForm | None = None,
) -> HttpResponse:
    notes = list(patient_integration_notes(participant.patient))
    trend = outcome_trend(participant.patient)
    can_write = user_can(request.user, Capability.WRITE_INTEGRATION_NOTES)
    session = participant.session
    writable = can_write and participant.is_active and session.phase in ("integration", "completed")
    context = {
        "participant": participant,
        "session": session,
        "this_session_notes": [n for n in notes if n.participant_id == participant.pk],
        "earlier_notes": [n for n in notes if n.participant_id != participant.pk],
        "trend": [
            {"label": SCALES[scale].scale.label, "scale": SCALES[scale], "items": items}
            for scale, items in trend.items()
        ],
        "can_write": can_write,
        "writable": writable,
        "form": form or (IntegrationNoteForm() if writable else None),
        # A refused note is shown with its errors even when the page would not offer the form.
        "show_form": writable or form is not None,
        "addendum_for": addendum_for,
        "addendum_form": addendum_form,
    }
    return render(request, "sessions_app/notes.html", context)


@require_capability(Capability.VIEW_CLINICAL)
@require_http_methods(["GET", "POST"])
def notes(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    """One patient's integration notes in this session; guides write new ones here."""
    participant = _get_participant_for_user(request, pk, participant_pk)
    if request.method == "GET":
        return _notes_page(request, participant)
    if not user_can(request.user, Capability.WRITE_INTEGRATION_NOTES):
        raise PermissionDenied
    form = IntegrationNoteForm(request.POST)
    if form.is_valid():
        try:
            clinical.integration_note_add(
                participant=participant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, NOTE_SAVED.format(patient=participant.patient.short_name))
            return redirect("sessions_app:notes", pk=pk, participant_pk=participant.pk)
    return _notes_page(request, participant, form=form)


@require_capability(Capability.WRITE_INTEGRATION_NOTES)
@require_POST
def note_addendum(request: HttpRequest, pk: int, participant_pk: int, note_pk: int) -> HttpResponse:
    participant = _get_participant_for_user(request, pk, participant_pk)
    note = get_object_or_404(IntegrationNote, pk=note_pk, participant=participant)
    form = AddendumForm(request.POST, prefix=f"n{note.pk}")
    if form.is_valid():
        try:
            clinical.note_add_addendum(
                actor=request.user, text=form.cleaned_data["text"], integration_note=note
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, ADDENDUM_SAVED)
            return redirect(
                reverse("sessions_app:notes", args=[pk, participant.pk]) + f"#note-{note.pk}"
            )
    return _notes_page(request, participant, addendum_for=note.pk, addendum_form=form)
