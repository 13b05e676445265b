"""Project-level views: the dashboard every role lands on, and a trivial view for the benchmark."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import sessions_for_user


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    """The benchmark's ceiling: the full middleware stack and a login check, nothing else."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Opens on the role's work for today."""
    today = timezone.localdate()
    sessions = (
        sessions_for_user(request.user)
        .filter(starts_at__date=today)
        .select_related("room", "location", "lead_guide", "clinician")
        .prefetch_related("participants__patient")
        .order_by("starts_at")
    )
    return render(request, "dashboard.html", {"today": today, "sessions": sessions})
