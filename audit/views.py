"""The audit trail for administrators (search, filter, CSV export) and break-the-glass."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.permissions import Capability, can_see_clinical, require_capability
from patients.models import Patient

from . import selectors, services
from .forms import AuditFilterForm, BreakGlassForm
from .models import AccessEvent, BreakGlassGrant

PAGE_SIZE = 50
BREAK_GLASS_DONE = "Emergency access granted for {hours} hours. Administrators have been notified."
CSV_HEADER = [
    "timestamp_utc",
    "user",
    "action",
    "object_type",
    "object_id",
    "object",
    "page",
    "ip",
    "detail",
]
# Cells a spreadsheet would read as a formula (CSV injection): prefixed with a quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data
    # Invalid filters are shown as form errors and ignored, never a 500.
    valid = {name: form.cleaned_data[name] for name in getattr(form, "cleaned_data", {})}
    return form, valid


@require_safe
@require_capability(Capability.VIEW_AUDIT)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    paginator = Paginator(selectors.trail(filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    grants = BreakGlassGrant.objects.select_related("user", "patient")[:20]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.rows(page.object_list),
            "grants": grants,
            "now": timezone.now(),
            "query": query.urlencode(),
        },
    )


def csv_safe(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(tuples, batch: int = 500) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    chunk = []
    for item in tuples.iterator(chunk_size=batch):
        chunk.append(item)
        if len(chunk) >= batch:
            yield from _csv_rows(writer, chunk)
            chunk = []
    if chunk:
        yield from _csv_rows(writer, chunk)


def _csv_rows(writer, chunk) -> Iterator[str]:
    for row in selectors.rows(chunk):
        yield writer.writerow(
            [
                csv_safe(row.timestamp.astimezone(UTC).isoformat()),
                csv_safe(row.actor),
                csv_safe(row.action),
                csv_safe(row.object_type),
                csv_safe(row.object_pk),
                csv_safe(row.object_repr),
                csv_safe(row.url_name),
                csv_safe(row.remote_addr),
                csv_safe(row.detail),
            ]
        )


@require_safe
@require_capability(Capability.VIEW_AUDIT)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered trail as CSV, streamed (no size limit, constant memory)."""
    _form, filters = _filters(request)
    services.access_record(
        action=AccessEvent.Action.EXPORT,
        request=request,
        detail=request.GET.urlencode()[:1000],
    )
    response = StreamingHttpResponse(
        _csv_lines(selectors.trail(filters)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response


def _chart_url(patient_pk: int) -> str:
    try:
        return reverse("patients:detail", args=[patient_pk])
    except NoReverseMatch:
        return reverse("dashboard")


@require_http_methods(["GET", "POST"])
@require_capability(Capability.BREAK_THE_GLASS)
def break_glass(request: HttpRequest, patient_pk: int) -> HttpResponse:
    """Emergency access to a chart outside one's scope. The page does not say whether the
    patient exists (a form is shown for any number); submitting it for a missing one is a 404."""
    if request.method != "POST" and can_see_clinical(request.user, Patient(pk=patient_pk)):
        return redirect(_chart_url(patient_pk))
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = get_object_or_404(Patient, pk=patient_pk)
        try:
            services.break_glass_grant(
                user=request.user,
                patient=patient,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.warning(request, BREAK_GLASS_DONE.format(hours=settings.BREAK_GLASS_HOURS))
            return redirect(_chart_url(patient_pk))
    return render(
        request,
        "audit/break_glass.html",
        {"form": form, "patient_pk": patient_pk, "hours": settings.BREAK_GLASS_HOURS},
    )
