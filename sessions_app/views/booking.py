"""Front-desk booking: book (service type first, optionally as a series), reschedule, cancel,
no-show and check-in.

The POST endpoints for cancel, no-show and check-in are meant to be included on the session's
page (sessions_app:detail, the run sheet) through the partials
templates/sessions_app/_booking_actions.html (all of them), _booking_cancel_form.html and
_booking_participant_actions.html. After an action the user returns to `next` (a local URL)
or to the session's page, or to the day view when that page does not exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import (
    Capability,
    patients_for_user,
    require_capability,
    sessions_for_user,
)
from patients.models import Patient

from ..forms.booking import (
    BookingForm,
    CancelForm,
    RescheduleForm,
    ServiceTypeForm,
    attach_booking_errors,
)
from ..models import Participant, Session
from ..rules import SERVICE_RULES
from ..services import booking as booking_services
from .schedule import day_url_for

BOOKED = "Booked: {service} on {when} in {room}."
SERIES_BOOKED = "Booked a series of {count} {service} sessions, the first on {when}."
RESCHEDULED = "The session is moved to {when} in {room}."
CANCELLED = "The session on {when} is cancelled."
NO_SHOW = "The session on {when} is marked as a no-show."
CHECKED_IN = "{patient} is checked in."
PARTICIPANT_NO_SHOW = "{patient} is marked as a no-show; the others go ahead."


# --- Helpers -------------------------------------------------------------------------------------


def _get_session_for_user(request: HttpRequest, pk: int) -> Session:
    return get_object_or_404(
        sessions_for_user(request.user).select_related("room", "location"), pk=pk
    )


def _get_participant_for_user(request: HttpRequest, session_pk: int, pk: int) -> Participant:
    return get_object_or_404(
        Participant.objects.select_related("session", "patient").filter(
            session__in=sessions_for_user(request.user)
        ),
        pk=pk,
        session_id=session_pk,
    )


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y %H:%M")


def session_return_url(request: HttpRequest, session: Session) -> str:
    """Back to where the action came from (a local `next`), else the session's page, else the
    day view of the session's date."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a local path: redirect() would try a bare word like "-1" as a URL name (500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    try:
        return reverse("sessions_app:detail", args=[session.pk])
    except NoReverseMatch:
        return day_url_for(session)


def _parse_start(value: str) -> datetime | None:
    try:
        parsed = datetime.strptime(value[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return parsed


def _posted_ids(request: HttpRequest, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name) if v.isdigit() and len(v) < 10][:20]


# --- Book ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_capability(Capability.BOOK_SESSIONS)
def book(request: HttpRequest, patient_pk: int | None = None) -> HttpResponse:
    """Step one asks for the service type; step two is the booking form for that type."""
    patient: Patient | None = None
    if patient_pk is not None:
        patient = get_object_or_404(patients_for_user(request.user), pk=patient_pk)
    source = request.POST if request.method == "POST" else request.GET
    service_type = source.get("service_type", "")
    prefill = {"room": request.GET.get("room", ""), "start": request.GET.get("start", "")}
    if service_type not in SERVICE_RULES:
        step_form = ServiceTypeForm(initial={"service_type": ""})
        return render(
            request,
            "sessions_app/booking.html",
            {
                "step": 1,
                "step_form": step_form,
                "rules": SERVICE_RULES.values(),
                "prefill": prefill,
                "patient": patient,
            },
        )

    if request.method == "POST":
        chosen = list(
            patients_for_user(request.user).filter(pk__in=_posted_ids(request, "patients"))
        )
        form = BookingForm(
            request.POST, user=request.user, service_type=service_type, preferred_for=chosen
        )
        if form.is_valid():
            try:
                sessions = _book(form, request)
            except ValidationError as error:
                attach_booking_errors(form, error)
            else:
                first = sessions[0]
                service = first.get_service_type_display()
                if len(sessions) == 1:
                    text = BOOKED.format(
                        service=service, when=_when(first.starts_at), room=first.room.name
                    )
                else:
                    text = SERIES_BOOKED.format(
                        count=len(sessions), service=service, when=_when(first.starts_at)
                    )
                messages.success(request, text)
                return redirect(session_return_url(request, first))
    else:
        initial: dict = {}
        start = _parse_start(prefill["start"])
        if start is not None:
            initial["starts_at"] = start
        if prefill["room"].isdigit():
            initial["room"] = int(prefill["room"])
        if patient is not None:
            initial["patients"] = (
                patient.pk if SERVICE_RULES[service_type].max_patients == 1 else [patient.pk]
            )
        form = BookingForm(
            initial=initial,
            user=request.user,
            service_type=service_type,
            preferred_for=[patient] if patient else [],
        )
        # A room id from the query string that the user may not book is dropped, not trusted.
        if (
            "room" in initial
            and not form.fields["room"].queryset.filter(pk=initial["room"]).exists()
        ):
            form.initial.pop("room")
    return render(
        request,
        "sessions_app/booking.html",
        {
            "step": 2,
            "form": form,
            "rule": form.rule,
            "patient": patient,
            "prefill": prefill,
        },
    )


def _book(form: BookingForm, request: HttpRequest) -> list[Session]:
    starts_at = form.cleaned_data["starts_at"]
    kwargs = form.booking_kwargs()
    if form.series_count == 1:
        return [
            booking_services.session_book(
                starts_at=starts_at,
                ends_at=starts_at + form.duration,
                actor=request.user,
                **kwargs,
            )
        ]
    return booking_services.sessions_book_series(
        count=form.series_count,
        every_days=form.gaps,
        first_starts_at=starts_at,
        duration=form.duration,
        actor=request.user,
        **kwargs,
    )


# --- Reschedule, cancel, no-show, check-in -------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_capability(Capability.BOOK_SESSIONS)
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_user(request, pk)
    if request.method == "POST":
        form = RescheduleForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = booking_services.session_reschedule(
                    session=session,
                    starts_at=data["starts_at"],
                    ends_at=data["starts_at"] + timedelta(minutes=data["duration_minutes"]),
                    room=data["room"],
                    lead_guide=data["lead_guide"],
                    co_guide=data["co_guide"],
                    clinician=data["clinician"],
                    actor=request.user,
                )
            except ValidationError as error:
                attach_booking_errors(form, error)
            else:
                messages.success(
                    request,
                    RESCHEDULED.format(when=_when(session.starts_at), room=session.room.name),
                )
                return redirect(session_return_url(request, session))
    else:
        form = RescheduleForm(
            user=request.user,
            initial={
                "starts_at": timezone.localtime(session.starts_at),
                "duration_minutes": int(session.duration.total_seconds() // 60),
                "room": session.room_id,
                "lead_guide": session.lead_guide_id,
                "co_guide": session.co_guide_id,
                "clinician": session.clinician_id,
            },
        )
    return render(
        request,
        "sessions_app/booking_reschedule.html",
        {
            "session": session,
            "form": form,
            "cancel_form": CancelForm(),
            "participants": session.participants.select_related("patient"),
        },
    )


@require_http_methods(["GET", "POST"])
@require_capability(Capability.BOOK_SESSIONS)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """POST cancels; GET (or an invalid POST) shows the cancel form on its own page."""
    session = _get_session_for_user(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = booking_services.session_cancel(
                session=session, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            attach_booking_errors(form, error)
        else:
            messages.success(request, CANCELLED.format(when=_when(session.starts_at)))
            return redirect(session_return_url(request, session))
    return render(
        request,
        "sessions_app/booking_cancel.html",
        {"session": session, "cancel_form": form},
    )


@require_POST
@require_capability(Capability.BOOK_SESSIONS)
def no_show(request: HttpRequest, pk: int) -> HttpResponse:
    session = _get_session_for_user(request, pk)
    try:
        session = booking_services.session_mark_no_show(session=session, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, NO_SHOW.format(when=_when(session.starts_at)))
    return redirect(session_return_url(request, session))


@require_POST
@require_capability(Capability.BOOK_SESSIONS)
def check_in(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    participant = _get_participant_for_user(request, pk, participant_pk)
    try:
        booking_services.participant_check_in(participant=participant, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, CHECKED_IN.format(patient=participant.patient.full_name))
    return redirect(session_return_url(request, participant.session))


@require_POST
@require_capability(Capability.BOOK_SESSIONS)
def participant_no_show(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    participant = _get_participant_for_user(request, pk, participant_pk)
    try:
        booking_services.participant_mark_no_show(participant=participant, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, PARTICIPANT_NO_SHOW.format(patient=participant.patient.full_name))
    return redirect(session_return_url(request, participant.session))
