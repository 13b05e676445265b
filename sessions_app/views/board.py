"""The live monitoring board: every in-progress session at one location, refreshing itself."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import Capability, require_capability, sessions_for_user
from facilities.models import Location

from ..models import Session
from ..selectors import board_rows, with_board_data

REFRESH_SECONDS = 30


def _locations_for(user) -> list[Location]:
    if user.is_administrator:
        return list(Location.objects.order_by("name"))
    return list(user.locations.order_by("name"))


def _chosen_location(request: HttpRequest, locations: list[Location]) -> Location | None:
    """?location=<id>, checked against the user's own locations; anything else -> the first."""
    by_id = {str(location.pk): location for location in locations}
    return by_id.get(request.GET.get("location", ""), locations[0] if locations else None)


@require_capability(Capability.VIEW_BOARD)
def board(request: HttpRequest) -> HttpResponse:
    """The whole page, or only the table when htmx asks for the 30-second refresh."""
    locations = _locations_for(request.user)
    location = _chosen_location(request, locations)
    now = timezone.now()
    rows = []
    if location is not None:
        sessions = with_board_data(
            sessions_for_user(request.user)
            .filter(location=location, status=Session.Status.IN_PROGRESS)
            .order_by("starts_at", "pk")
        )
        rows = board_rows(sessions, now=now)
    context = {
        "locations": locations,
        "location": location,
        "rows": rows,
        "now": now,
        "refresh_seconds": REFRESH_SECONDS,
    }
    if request.headers.get("HX-Request"):
        return render(request, "sessions_app/board_table.html", context)
    return render(request, "sessions_app/board.html", context)
