"""Project-level views: the dashboard every role lands on, and a trivial view for the benchmark."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import Capability, sessions_for_user, user_can


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    """The benchmark's ceiling: the full middleware stack and a login check, nothing else."""
    return HttpResponse("ok", content_type="text/plain")


def _today_window():
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    return today, start, start + timedelta(days=1)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Opens on the role's work for today; a person with several roles sees each section.

    Front desk: today's schedule and check-ins. Guides: their sessions today and this week.
    Clinicians: today's sessions at their locations and the live board. Administrators: an
    overview across locations. A constant number of queries whatever the data size.
    """
    from sessions_app.models import Participant, Session
    from sessions_app.views.notes import guide_week

    user = request.user
    today, start, end = _today_window()
    context: dict = {"today": today}
    sees_schedule = user_can(user, Capability.VIEW_SCHEDULE) and (
        user.is_front_desk or user.is_clinician or user.is_administrator
    )
    if sees_schedule:
        sessions = list(
            sessions_for_user(user)
            .filter(starts_at__gte=start, starts_at__lt=end)
            .select_related("room", "location", "lead_guide", "co_guide", "clinician")
            .prefetch_related(
                Prefetch("participants", queryset=Participant.objects.select_related("patient"))
            )
            .order_by("starts_at", "pk")
        )
        context["sessions"] = sessions
        attending = [p for s in sessions if s.is_open for p in s.participants.all() if p.is_active]
        context["checkins"] = {
            "expected": sum(
                1 for p in attending if p.attendance == Participant.Attendance.EXPECTED
            ),
            "checked_in": sum(
                1 for p in attending if p.attendance == Participant.Attendance.CHECKED_IN
            ),
        }
        context["in_progress"] = [s for s in sessions if s.status == Session.Status.IN_PROGRESS]
    if user.is_guide and user_can(user, Capability.WRITE_INTEGRATION_NOTES):
        context["guide"] = guide_week(user, today)
    if user.is_administrator:
        counts = dict(
            Session.objects.filter(starts_at__gte=start, starts_at__lt=end)
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        context["overview"] = {
            "by_status": [(label, counts.get(value, 0)) for value, label in Session.Status.choices],
            "in_progress_now": Session.objects.filter(status=Session.Status.IN_PROGRESS).count(),
            "rems_forms_missing": Participant.objects.filter(
                session__service_type=Session.ServiceType.SPRAVATO,
                discharged_at__isnull=False,
                rems_form__isnull=True,
            ).count(),
        }
    context["show_board"] = user_can(user, Capability.VIEW_BOARD)
    context["is_front_desk"] = user.is_front_desk
    context["is_clinician"] = user.is_clinician
    return render(request, "dashboard.html", context)
