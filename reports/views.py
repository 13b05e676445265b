"""Administrator reports: one page per report, its CSV exports, and the printable REMS form.

Only administrators (Capability.VIEW_REPORTS). Filters travel in the query string as ids and
dates (validated by ReportFilterForm); nothing identifying a patient ever does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from accounts.permissions import Capability, require_capability, sessions_for_user
from sessions_app.models import Participant, Session
from sessions_app.rules import ServiceType, clinic_rule, rems_setting

from .csv import csv_response
from .forms import filter_form_for
from .selectors import REPORTS
from .selectors.common import Report, ReportFilters, Table, analytic_queries

PAGE_SIZE = 50


@require_GET
@require_capability(Capability.VIEW_REPORTS)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html", {"reports": REPORTS.values()})


def _table_context(request: HttpRequest, report: Report, filters: ReportFilters) -> list[dict]:
    query = filters.as_query()
    tables = []
    for table in report.tables:
        page = None
        rows: Any = table.rows
        if table.paginate:
            param = f"{table.slug}-page"
            source: Any = table.rows if table.count is None else _Counted(table.rows, table.count)
            page = Paginator(source, PAGE_SIZE).get_page(request.GET.get(param))
            rows = page.object_list
            page.param = param
            page.query_prefix = urlencode(query)
        tables.append(
            {
                "table": table,
                "rows": [
                    {"values": row, "link": table.link(row) if table.link else ""}
                    for row in table.iter_rows(rows)
                ],
                "page": page,
                "csv_url": reverse("reports:export", args=[report.slug, table.slug])
                + "?"
                + urlencode(query),
            }
        )
    return tables


class _Counted:
    """A queryset whose length the report already computed: slicing still runs the query."""

    def __init__(self, rows: Any, count: int) -> None:
        self.rows, self._count = rows, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key):
        return self.rows[key]


@require_GET
@require_capability(Capability.VIEW_REPORTS)
def report_page(request: HttpRequest, slug: str) -> HttpResponse:
    spec = REPORTS.get(slug)
    if spec is None:
        raise Http404
    form = filter_form_for(slug, request.GET)
    context: dict[str, Any] = {"spec": spec, "form": form, "reports": REPORTS.values()}
    if form.is_valid():
        filters = form.filters()
        with analytic_queries():
            report = spec.build(filters)
            tables = _table_context(request, report, filters)
        context.update(
            filters=filters,
            report=report,
            tables=tables,
            query=urlencode(filters.as_query()),
            charts=[
                {"data_id": f"{chart.id}-data", "title": chart.title, "data": chart.as_json()}
                for chart in report.charts
            ],
        )
    return render(request, "reports/report.html", context)


@require_GET
@require_capability(Capability.VIEW_REPORTS)
def export_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    spec = REPORTS.get(slug)
    if spec is None:
        raise Http404
    form = filter_form_for(slug, request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("Invalid report filters.", content_type="text/plain")
    filters = form.filters()
    with analytic_queries():
        found: Table | None = spec.build(filters).table(table)
    if found is None:
        raise Http404
    filename = f"{slug}-{found.slug}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    return csv_response(found, filename)


# --- Printable Spravato REMS Patient Monitoring Form -----------------------------------------


def _get_spravato_participant(request: HttpRequest, pk: int) -> Participant:
    return get_object_or_404(
        Participant.objects.select_related(
            "patient",
            "session__clinician",
            "session__location",
            "rems_form__submitted_by",
        ).filter(
            session__in=sessions_for_user(request.user),
            session__service_type=ServiceType.SPRAVATO,
        ),
        pk=pk,
    )


def _bp_text(vital) -> str:
    if vital is None:
        return ""
    return f"{vital.systolic}/{vital.diastolic} at {timezone.localtime(vital.recorded_at):%H:%M}"


@require_GET
@require_capability(Capability.VIEW_REPORTS)
def rems_form(request: HttpRequest, participant_pk: int) -> HttpResponse:
    """The REMS Patient Monitoring Form, pre-filled from the session (DOMAIN.md's field list).

    Reads one patient's session: its few doses and vitals rows are picked over here, which is
    presentation of one record, not aggregation.
    """
    participant = _get_spravato_participant(request, participant_pk)
    session: Session = participant.session
    patient = participant.patient
    doses = list(participant.doses.order_by("administered_at", "pk"))
    vitals = list(
        participant.vitals.filter(systolic__isnull=False, diastolic__isnull=False).order_by(
            "recorded_at", "pk"
        )
    )
    observations = (
        participant.vitals.exclude(sedation__in=["", "none"]).exists(),
        (participant.vitals.exclude(dissociation__in=["", "none"]).exists()),
    )
    serious_events = list(participant.adverse_events.filter(serious=True).order_by("occurred_at"))
    earlier_spravato = (
        Participant.objects.filter(
            patient=patient,
            session__service_type=ServiceType.SPRAVATO,
            session__starts_at__lt=session.starts_at,
            session__status__in=[Session.Status.COMPLETED, Session.Status.IN_PROGRESS],
        )
        .exclude(pk=participant.pk)
        .exists()
    )
    form = getattr(participant, "rems_form", None)

    first_at = doses[0].administered_at if doses else None
    total_mg = int(sum(d.dose_mg for d in doses)) if doses else None
    low, high = clinic_rule("SPRAVATO_BP_CHECK_WINDOW_MINUTES")
    before = [v for v in vitals if first_at and v.recorded_at <= first_at]
    at_40 = [
        v
        for v in vitals
        if first_at
        and first_at + timedelta(minutes=low) <= v.recorded_at <= first_at + timedelta(minutes=high)
    ]
    target = (
        first_at + timedelta(minutes=clinic_rule("SPRAVATO_BP_CHECK_MINUTES")) if first_at else None
    )
    end = participant.discharged_at
    before_completion = [
        v
        for v in vitals
        if end
        and v.recorded_at <= end
        and (not first_at or v.recorded_at > first_at + timedelta(minutes=high))
    ]
    context = {
        "participant": participant,
        "session": session,
        "patient": patient,
        "form": form,
        "clinic_name": settings.CLINIC_NAME,
        "clinician": session.clinician,
        "location": session.location,
        "first_treatment": form.first_treatment if form else not earlier_spravato,
        "first_treatment_from_form": form is not None,
        "enrolled": patient.rems_enrolled_on is not None,
        "treatment_date": timezone.localtime(first_at or session.starts_at).date(),
        "total_mg": total_mg,
        "dose_choice": (str(total_mg) if total_mg in (56, 84) else ("other" if total_mg else "")),
        "lots": sorted({d.lot_number for d in doses}),
        "devices": doses,
        "first_at": first_at,
        "end_of_monitoring": end,
        "monitoring_minutes": (
            int((end - first_at).total_seconds() // 60) if end and first_at else None
        ),
        "ready_to_leave_at": participant.ready_to_leave_at,
        "bp_before": _bp_text(before[-1] if before else None),
        "bp_40": _bp_text(
            min(at_40, key=lambda v: abs((v.recorded_at - target).total_seconds()))
            if at_40
            else None
        ),
        "bp_completion": _bp_text(before_completion[-1] if before_completion else None),
        "sedation_observed": observations[0],
        "dissociation_observed": observations[1],
        "serious_events": serious_events,
        "deadline_days": rems_setting("MONITORING_FORM_DEADLINE_DAYS"),
        "due_at": session.starts_at + timedelta(days=rems_setting("MONITORING_FORM_DEADLINE_DAYS")),
        "back_url": reverse("reports:rems"),
    }
    return render(request, "reports/rems_form.html", context)
