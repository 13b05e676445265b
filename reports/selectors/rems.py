"""Spravato REMS compliance: per session, the checks the REMS and the label ask for.

Definitions (shown on the page, see `definitions()`):
- Sessions: Spravato sessions started in the range (in progress or completed), one row per
  patient who attended.
- Monitoring >= 2 h: from the first device to discharge, at least
  CLINIC_RULES["SPRAVATO_MONITORING_MINUTES"] minutes.
- BP before dosing: a blood pressure recorded before (or at) the first device.
- BP at ~40 min: a blood pressure recorded within CLINIC_RULES["SPRAVATO_BP_CHECK_WINDOW_MINUTES"]
  after the first device (default 30 to 60 minutes).
- BP before discharge: a blood pressure within CLINIC_RULES["SPRAVATO_DISCHARGE_BP_WITHIN_MINUTES"]
  before discharge and after the ~40-minute window (the rule the discharge gate applies).
- Form on time: the Patient Monitoring Form submitted within REMS["MONITORING_FORM_DEADLINE_DAYS"]
  x 24 hours of the session's start. Forms still due: every attended Spravato session up to the
  end of the range without a form (older ones too: a backlog is never filtered away).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse

from sessions_app.models import (
    DoseAdministration,
    Participant,
    RemsMonitoringForm,
    Session,
    VitalSign,
)
from sessions_app.rules import ServiceType, clinic_rule, rems_setting

from .common import Chart, Column, MinutesBetween, Report, ReportFilters, Table

ATTENDED = [Participant.Attendance.CHECKED_IN, Participant.Attendance.EXPECTED]
STARTED = [Session.Status.IN_PROGRESS, Session.Status.COMPLETED]


def definitions() -> list[str]:
    low, high = clinic_rule("SPRAVATO_BP_CHECK_WINDOW_MINUTES")
    return [
        f"Monitoring: at least {clinic_rule('SPRAVATO_MONITORING_MINUTES')} minutes from the "
        "first device to discharge.",
        "BP before dosing: a blood pressure recorded before or at the first device.",
        f"BP at ~{clinic_rule('SPRAVATO_BP_CHECK_MINUTES')} min: a blood pressure {low} to "
        f"{high} minutes after the first device.",
        "BP before discharge: a blood pressure in the "
        f"{clinic_rule('SPRAVATO_DISCHARGE_BP_WITHIN_MINUTES')} minutes before discharge (and "
        f"more than {high} minutes after the first device).",
        f"Form on time: Patient Monitoring Form submitted within "
        f"{rems_setting('MONITORING_FORM_DEADLINE_DAYS')} days (x 24 h) of the session's start.",
        "Forms still due lists every attended Spravato session up to the end of the range "
        "without a submitted form, whatever its start date.",
    ]


def _bp(**conditions) -> Exists:
    return Exists(
        VitalSign.objects.filter(
            participant=OuterRef("pk"),
            systolic__isnull=False,
            diastolic__isnull=False,
            **conditions,
        )
    )


def spravato_participants(base: QuerySet | None = None) -> QuerySet:
    """Attended Spravato participants annotated with every REMS check (all in SQL)."""
    low, high = clinic_rule("SPRAVATO_BP_CHECK_WINDOW_MINUTES")
    within = clinic_rule("SPRAVATO_DISCHARGE_BP_WITHIN_MINUTES")
    deadline = timedelta(days=rems_setting("MONITORING_FORM_DEADLINE_DAYS"))
    qs = base if base is not None else Participant.objects.all()
    return (
        qs.filter(session__service_type=ServiceType.SPRAVATO, attendance__in=ATTENDED)
        # Device 1 is the first dose (devices are numbered, unique per participant): a join,
        # where a "first dose" subquery per row would run several times per row.
        .annotate(first_device=FilteredRelation("doses", condition=Q(doses__device_number=1)))
        .annotate(
            first_dose_at=F("first_device__administered_at"),
            form_submitted_at=F("rems_form__submitted_at"),
        )
        .annotate(
            monitoring_minutes=MinutesBetween(F("first_dose_at"), F("discharged_at")),
            bp_before=_bp(recorded_at__lte=OuterRef("first_dose_at")),
            bp_40=_bp(
                recorded_at__gte=OuterRef("first_dose_at") + timedelta(minutes=low),
                recorded_at__lte=OuterRef("first_dose_at") + timedelta(minutes=high),
            ),
            bp_discharge=_bp(
                recorded_at__lte=OuterRef("discharged_at"),
                recorded_at__gte=OuterRef("discharged_at") - timedelta(minutes=within),
                recorded_at__gt=OuterRef("first_dose_at") + timedelta(minutes=high),
            ),
            form_on_time=ExpressionWrapper(_on_time(deadline), output_field=BooleanField()),
        )
    )


def _on_time(deadline: timedelta) -> Q:
    return Q(rems_form__submitted_at__lte=F("session__starts_at") + deadline)


def _monitored_enough() -> Q:
    return Q(monitoring_minutes__gte=clinic_rule("SPRAVATO_MONITORING_MINUTES"))


def rems_report(filters: ReportFilters) -> Report:
    deadline = timedelta(days=rems_setting("MONITORING_FORM_DEADLINE_DAYS"))
    forms_required = rems_setting("MONITORING_FORM_REQUIRED")
    in_range = spravato_participants(
        Participant.objects.filter(filters.sessions_q("session__"), session__status__in=STARTED)
    )
    # Each check as a 0/1 column summed over the rows (Django keeps summed annotations in the
    # inner query it builds; a FILTER that only names an Exists alias gets pruned).
    as_int = {
        "monitored": Case(When(_monitored_enough(), then=1), default=0),
        "bp_before": Cast("bp_before", IntegerField()),
        "bp_40": Cast("bp_40", IntegerField()),
        "bp_discharge": Cast("bp_discharge", IntegerField()),
        "form_on_time": Case(When(_on_time(deadline), then=1), default=0),
        "form_late": Case(
            When(Q(rems_form__isnull=False) & ~_on_time(deadline), then=1), default=0
        ),
        "form_missing": Case(When(rems_form__isnull=True, then=1), default=0),
    }
    summary = in_range.annotate(
        **{f"n_{key}": ExpressionWrapper(expr, IntegerField()) for key, expr in as_int.items()}
    ).aggregate(
        sessions=Count("pk"),
        **{key: Coalesce(Sum(f"n_{key}"), 0) for key in as_int},
    )
    checks = [
        ("monitored", "Monitored >= 2 h"),
        ("bp_before", "BP before dosing"),
        ("bp_40", "BP at ~40 min"),
        ("bp_discharge", "BP before discharge"),
    ]
    if forms_required:
        checks.append(("form_on_time", "Form on time"))
    n = summary["sessions"]
    summary_rows = [
        {
            "check": label,
            "met": summary[key],
            "missed": n - summary[key],
            "met_pct": summary[key] * 100.0 / n if n else None,
        }
        for key, label in checks
    ]

    session_rows = (
        in_range.annotate(
            patient_name=Concat("patient__first_name", Value(" "), "patient__last_name"),
            total_mg=Subquery(
                DoseAdministration.objects.filter(participant=OuterRef("pk"))
                .order_by()
                .values("participant")
                .annotate(s=Sum("dose_mg"))
                .values("s"),
                output_field=DecimalField(max_digits=7, decimal_places=2),
            ),
        )
        .values(
            "pk",
            "patient_name",
            "session_id",
            "first_dose_at",
            "discharged_at",
            "monitoring_minutes",
            "total_mg",
            "bp_before",
            "bp_40",
            "bp_discharge",
            "form_submitted_at",
            "form_on_time",
            mrn=F("patient__mrn"),
            starts_at=F("session__starts_at"),
            location=F("session__location__name"),
        )
        .order_by("session__starts_at", "pk")
    )

    due_rows: QuerySet | list = []
    due_count: int | None = 0
    if forms_required:
        # NOT EXISTS plans as an anti-join with a sound row estimate; the LEFT JOIN ... IS NULL
        # form was estimated at 1 row and probed 237k sessions one by one (0.6 s).
        due = Participant.objects.filter(
            filters.sessions_q("session__", dated=False),
            session__service_type=ServiceType.SPRAVATO,
            attendance__in=ATTENDED,
            session__starts_at__lt=filters.ends_before,
            session__status__in=STARTED,
        ).filter(~Exists(RemsMonitoringForm.objects.filter(participant=OuterRef("pk"))))
        # The page's count without the row's joins (patient, location, clinician, device 1).
        due_count = due.count()
        due_rows = (
            due.annotate(
                patient_name=Concat("patient__first_name", Value(" "), "patient__last_name"),
            )
            .values(
                "pk",
                "patient_name",
                "session_id",
                "discharged_at",
                mrn=F("patient__mrn"),
                starts_at=F("session__starts_at"),
                location=F("session__location__name"),
                clinician_first=F("session__clinician__first_name"),
                clinician_last=F("session__clinician__last_name"),
            )
            .order_by("session__starts_at", "pk")
        )

    def with_due(row: dict) -> dict:
        row["due_at"] = row["starts_at"] + deadline
        row["clinician"] = f"{row.pop('clinician_first')} {row.pop('clinician_last')}"
        return row

    def form_link(row) -> str:
        return reverse("reports:rems_form", args=[row["pk"]])

    notes = definitions()
    if not forms_required:
        notes.append("REMS monitoring forms are switched off in this clinic's settings.")
    return Report(
        slug="rems",
        title="Spravato REMS compliance",
        charts=[
            Chart(
                id="rems-chart",
                title="Sessions meeting each REMS check (%)",
                type="bar",
                labels=[r["check"] for r in summary_rows],
                datasets=[
                    {
                        "label": "% of sessions",
                        "data": [
                            round(r["met_pct"], 1) if r["met_pct"] is not None else None
                            for r in summary_rows
                        ],
                    }
                ],
                y_label="% of sessions",
                y_max=100,
            )
        ],
        summary=[("Spravato sessions", n)],
        tables=[
            Table(
                slug="summary",
                title="Compliance summary",
                columns=[
                    Column("check", "Check"),
                    Column("met", "Met", "int"),
                    Column("missed", "Not met", "int"),
                    Column("met_pct", "Met %", "pct"),
                ],
                rows=summary_rows,
            ),
            Table(
                slug="sessions",
                title="Spravato sessions",
                columns=[
                    Column("starts_at", "Session", "datetime"),
                    Column("location", "Location"),
                    Column("mrn", "MRN"),
                    Column("patient_name", "Patient"),
                    Column("total_mg", "Dose mg", "int"),
                    Column("monitoring_minutes", "Monitored min", "minutes"),
                    Column("bp_before", "BP before dosing", "bool"),
                    Column("bp_40", "BP ~40 min", "bool"),
                    Column("bp_discharge", "BP before discharge", "bool"),
                    Column("form_submitted_at", "Form submitted", "datetime"),
                    Column("form_on_time", "Form on time", "bool"),
                ],
                rows=session_rows,
                count=n,
                paginate=True,
                link=form_link,
                link_label="Monitoring form",
            ),
            Table(
                slug="forms-due",
                title="Monitoring forms still due (oldest first)",
                description=(
                    "Switched off in settings."
                    if not forms_required
                    else "Attended Spravato sessions up to the end of the range without a form."
                ),
                columns=[
                    Column("starts_at", "Session", "datetime"),
                    Column("due_at", "Due by", "datetime"),
                    Column("location", "Location"),
                    Column("mrn", "MRN"),
                    Column("patient_name", "Patient"),
                    Column("clinician", "Clinician"),
                ],
                rows=due_rows,
                count=due_count,
                transform=with_due,
                paginate=True,
                link=form_link,
                link_label="Monitoring form",
            ),
        ],
        notes=notes,
    )
