"""Outcomes: baseline and latest scores per treatment course; response and remission rates.

Definitions (shown on the page):
- Courses in the range: treatment courses with a session or an assessment in the range.
- Baseline: the course's first score on a scale; latest: its last score up to the end of the
  range. A course has a result on a scale once it has a baseline and at least one later score;
  a course without any score on the scale has "no baseline".
- Response: the latest score is at least 50% below the baseline (baseline above 0).
  Remission: latest PHQ-9 below 5, latest MADRS 10 or below (patients/scales.py). Rates are
  shares of the courses with a result on that scale.
- Safety alerts: patients with a PHQ-9 whose item 9 (self-harm) was answered above 0 in the
  range.
- Filters: location is the patient's home location; service type is the course's; guide keeps
  courses (and patients) with a session the guide led or co-led.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    RowRange,
    Value,
    Window,
)
from django.db.models.functions import Concat, FirstValue, LastValue, RowNumber
from django.db.models.lookups import Lookup

from patients.models import Assessment, Scale, TreatmentCourse
from patients.scales import RESPONSE_DROP, SCALES
from sessions_app.models import Participant
from sessions_app.rules import ServiceType

from .common import Chart, Column, Report, ReportFilters, Table

# Scales with a response figure (CADSS measures dissociation during a session, not outcome).
RESPONSE_SCALES = [Scale.PHQ9, Scale.GAD7, Scale.MADRS, Scale.PCL5]
SHOWN_SCALES = [Scale.PHQ9, Scale.GAD7, Scale.MADRS, Scale.PCL5, Scale.CADSS]


def courses_in_range(filters: ReportFilters) -> QuerySet:
    """Courses with a session or an assessment in the range (and the other filters).

    Shaped as `id IN (courses of in-range sessions) OR id IN (courses of in-range
    assessments)`: PostgreSQL builds each list once (hashed subplans, starting from the date
    range) instead of probing two correlated EXISTS per course of the whole history (0.5 s per
    query, and a cost estimate that switched the JIT compiler on for another 0.3-1.6 s).
    """
    session_courses = Participant.objects.filter(
        filters.sessions_q("session__"), course__isnull=False
    ).values("course_id")
    assessed_courses = Assessment.objects.filter(
        filters.in_range_q("administered_at"), course__isnull=False
    ).values("course_id")
    qs = TreatmentCourse.objects.filter(Q(pk__in=session_courses) | Q(pk__in=assessed_courses))
    if filters.service_type:
        qs = qs.filter(service_type=filters.service_type)
    if filters.location_id is not None:
        qs = qs.filter(patient__home_location_id=filters.location_id)
    if filters.guide_id is not None:
        qs = qs.filter(
            pk__in=Participant.objects.filter(
                filters.sessions_q("session__", dated=False), course__isnull=False
            ).values("course_id")
        )
    return qs


class _AnyOf(Lookup):
    """`lhs = ANY(%s)` with the ids as one array parameter (PostgreSQL).

    The course set is computed once per request and reused by every later query as a list,
    instead of re-running the two hashed subplans (about 120-250 ms on a year) in each one.
    """

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Used as an expression in filter(), the list arrives wrapped in Value().
        ids = getattr(self.rhs, "value", self.rhs)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(ids)]


@dataclass(frozen=True)
class CourseSet:
    """The courses in the range, computed once per request and reused by every later query.

    PostgreSQL: the ids fetched once (one query) and passed on as one array parameter, instead
    of re-running the two hashed subplans (120-250 ms on a year) inside each query. SQLite
    (development and the fast tests, small data, a cap on parameters): the subquery as it was.
    """

    queryset: QuerySet
    ids: list[int] | None = None

    @classmethod
    def of(cls, courses: QuerySet) -> CourseSet:
        if connection.vendor != "postgresql":
            return cls(courses)
        ids = list(courses.values_list("pk", flat=True))
        return cls(TreatmentCourse.objects.filter(_AnyOf(F("pk"), ids)), ids)

    def contains(self, field: str) -> Q | Lookup:
        """Condition "`field` is one of these courses" (e.g. field="course_id")."""
        if self.ids is None:
            return Q(**{f"{field}__in": self.queryset.values("pk")})
        return _AnyOf(F(field), self.ids)


def course_scores(filters: ReportFilters, in_courses: Q | Lookup) -> QuerySet:
    """One row per (course, scale): baseline, latest and number of scores (window functions)."""
    # Every window shares one partition, order and frame (the whole partition): PostgreSQL
    # computes them all in one WindowAgg pass (two passes when "latest" had its own frame:
    # 180-200 ms -> 100-120 ms on a year). First value and row number do not depend on it.
    window = {
        "partition_by": [F("course_id"), F("scale")],
        "order_by": [F("administered_at").asc(), F("pk").asc()],
        "frame": RowRange(start=None, end=None),
    }
    return (
        Assessment.objects.filter(in_courses, administered_at__lt=filters.ends_before)
        # Only the columns the figures need: the rows come from the index on (course, scale,
        # time, id) INCLUDE (total) alone (index-only), not the wide assessment rows.
        .values("course_id", "scale", "course__service_type")
        .annotate(
            row=Window(RowNumber(), **window),
            baseline=Window(FirstValue("total"), **window),
            latest=Window(LastValue("total"), **window),
            scores=Window(Count("pk"), **window),
        )
        .filter(row=1)
        .order_by()
    )


def _response_q() -> Q:
    return Q(scores__gte=2, baseline__gt=0, latest__lte=F("baseline") * (1 - RESPONSE_DROP))


def _remission_q(scale: str) -> Q | None:
    below = SCALES[scale].remission_below
    return Q(scores__gte=2, latest__lt=below) if below is not None else None


def outcomes_report(filters: ReportFilters) -> Report:
    labels = dict(ServiceType.choices)
    course_set = CourseSet.of(courses_in_range(filters))
    courses = course_set.queryset
    course_counts = dict(courses.values_list("service_type").annotate(n=Count("pk")).order_by())
    scores = course_scores(filters, course_set.contains("course_id"))

    # Rates per service type and scale: aggregation over the window's rows (Django wraps the
    # window query in a subquery).
    aggregates: dict[str, Any] = {}
    services = [filters.service_type] if filters.service_type else list(ServiceType.values)
    for st in services:
        for scale in RESPONSE_SCALES:
            key = f"{st}__{scale}"
            here = Q(course__service_type=st, scale=scale)
            aggregates[f"{key}__baseline"] = Count("course_id", filter=here)
            aggregates[f"{key}__evaluable"] = Count("course_id", filter=here & Q(scores__gte=2))
            aggregates[f"{key}__responders"] = Count("course_id", filter=here & _response_q())
            remission = _remission_q(scale)
            if remission is not None:
                aggregates[f"{key}__remitters"] = Count("course_id", filter=here & remission)
    result = scores.aggregate(**aggregates) if aggregates else {}
    rate_rows = []
    for st in services:
        n_courses = course_counts.get(st, 0)
        if not n_courses:
            continue
        for scale in RESPONSE_SCALES:
            key = f"{st}__{scale}"
            evaluable = result[f"{key}__evaluable"]
            responders = result[f"{key}__responders"]
            remitters = result.get(f"{key}__remitters")
            rate_rows.append(
                {
                    "service": labels[st],
                    "scale": Scale(scale).label,
                    "courses": n_courses,
                    "no_baseline": n_courses - result[f"{key}__baseline"],
                    "evaluable": evaluable,
                    "responders": responders,
                    "response_pct": responders * 100.0 / evaluable if evaluable else None,
                    "remitters": remitters,
                    "remission_pct": (
                        remitters * 100.0 / evaluable
                        if remitters is not None and evaluable
                        else None
                    ),
                }
            )

    alerts = Assessment.objects.filter(
        filters.in_range_q("administered_at"), scale=Scale.PHQ9, safety_alert=True
    )
    if filters.location_id is not None:
        alerts = alerts.filter(patient__home_location_id=filters.location_id)
    if filters.service_type:
        alerts = alerts.filter(course__service_type=filters.service_type)
    if filters.guide_id is not None:
        alerts = alerts.filter(
            Exists(
                Participant.objects.filter(patient=OuterRef("patient_id")).filter(
                    Q(session__lead_guide_id=filters.guide_id)
                    | Q(session__co_guide_id=filters.guide_id)
                )
            )
        )
    alert_summary = alerts.aggregate(
        patients=Count("patient", distinct=True), assessments=Count("pk")
    )

    course_rows = (
        courses.annotate(
            patient_name=Concat("patient__first_name", Value(" "), "patient__last_name"),
        )
        .values(
            "pk",
            "patient_name",
            "kind",
            "service_type",
            "started_on",
            "status",
            mrn=F("patient__mrn"),
        )
        .order_by("started_on", "pk")
    )
    phq9 = [r for r in rate_rows if r["scale"] == Scale.PHQ9.label]
    chart = Chart(
        id="outcomes-chart",
        title="PHQ-9 response and remission by service type (%)",
        type="bar",
        labels=[r["service"] for r in phq9],
        datasets=[
            {
                "label": "Response %",
                "data": [_round(r["response_pct"]) for r in phq9],
            },
            {
                "label": "Remission %",
                "data": [_round(r["remission_pct"]) for r in phq9],
            },
        ],
        y_label="% of courses with a result",
        y_max=100,
    )
    score_columns = []
    for scale in SHOWN_SCALES:
        name = Scale(scale).label
        score_columns += [
            Column(f"{scale}_baseline", f"{name} baseline", "int"),
            Column(f"{scale}_latest", f"{name} latest", "int"),
        ]
    return Report(
        slug="outcomes",
        title="Outcomes",
        charts=[chart],
        summary=[
            ("Treatment courses", sum(course_counts.values())),
            ("Patients with a PHQ-9 item-9 safety alert", alert_summary["patients"]),
            ("PHQ-9s with a safety alert", alert_summary["assessments"]),
        ],
        tables=[
            Table(
                slug="rates",
                title="Response and remission by service type",
                description=(
                    "Response: latest score at least 50% below the baseline. Remission: "
                    "PHQ-9 below 5, MADRS 10 or below. Rates: of the courses with a baseline "
                    "and a later score on that scale."
                ),
                columns=[
                    Column("service", "Service"),
                    Column("scale", "Scale"),
                    Column("courses", "Courses", "int"),
                    Column("no_baseline", "No baseline", "int"),
                    Column("evaluable", "With a result", "int"),
                    Column("responders", "Responders", "int"),
                    Column("response_pct", "Response %", "pct"),
                    Column("remitters", "In remission", "int"),
                    Column("remission_pct", "Remission %", "pct"),
                ],
                rows=rate_rows,
            ),
            Table(
                slug="courses",
                title="Treatment courses: baseline and latest scores",
                columns=[
                    Column("started_on", "Course started", "date"),
                    Column("mrn", "MRN"),
                    Column("patient_name", "Patient"),
                    Column("service", "Service"),
                    Column("kind", "Course"),
                    *score_columns,
                ],
                rows=course_rows,
                # Every course is counted once per service type above: no COUNT query.
                count=sum(course_counts.values()),
                paginate=True,
                transform=_course_label,
                enrich=partial(with_scores, filters),
            ),
        ],
        notes=[
            "Courses in the range: a session or an assessment in the range.",
            "Baseline: the course's first score on a scale; latest: its last score up to the "
            "end of the range (a single score is a baseline without a result).",
            "Location filter: the patient's home location. Guide filter: courses with a "
            "session the guide led or co-led.",
        ],
    )


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _course_label(row: dict[str, Any]) -> dict[str, Any]:
    row["service"] = ServiceType(row["service_type"]).label if row["service_type"] else ""
    row["kind"] = TreatmentCourse.Kind(row["kind"]).label
    return row


def with_scores(
    filters: ReportFilters, course_rows: Iterable[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Add each course's baseline/latest per scale to a page (or a streamed chunk) of courses.

    One query per chunk of up to 2,000 courses (one per page on screen): the window query
    restricted to those courses, pivoted into the rows.
    """
    rows = iter(course_rows)
    while True:
        chunk = [row for _, row in zip(range(2000), rows, strict=False)]
        if not chunk:
            return
        ids = [row["pk"] for row in chunk]
        found: dict[tuple[int, str], dict[str, Any]] = {}
        window_rows = (
            course_scores(filters, Q(course_id__in=ids))
            .values("course_id", "scale", "baseline", "latest", "scores")
            .order_by("course_id")
        )
        for course_id, group in groupby(window_rows, key=lambda r: r["course_id"]):
            for r in group:
                found[(course_id, r["scale"])] = r
        for row in chunk:
            for scale in SHOWN_SCALES:
                r = found.get((row["pk"], scale))
                row[f"{scale}_baseline"] = r["baseline"] if r else None
                row[f"{scale}_latest"] = r["latest"] if r and r["scores"] >= 2 else None
            yield row
