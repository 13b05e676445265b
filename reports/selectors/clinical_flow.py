"""Clinical flow: time in each phase, late vitals checks, flagged vitals and adverse events.

Definitions (shown on the page, see LATE_DEFINITION):
- Minutes in a phase come from the phase log (PhaseTransition): preparation runs from the
  session's start to the move to medication, medication from there to the move to integration,
  integration from there to completion. A phase counts only once both ends are logged.
- Late vitals check (ketamine sessions; Spravato has its own checks in the REMS report): each
  monitoring reading taken during the medication phase is compared with the patient's reading
  before it (the first with the opening of the medication phase, when the dose is given). The
  reading is late when the gap is more than the cadence in force at the earlier time plus a
  grace of LATE_GRACE_MINUTES: 10 minutes while an IV infusion runs (IV sessions, for the
  default infusion time after the phase opens), 15 minutes otherwise (settings.CLINIC_RULES,
  see sessions_app.rules.vitals_interval_minutes).
- Flagged vitals and adverse events per 100 sessions: sessions that were started (in progress
  or completed) are the denominator.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    Q,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lag

from sessions_app.models import AdverseEvent, Session, VitalSign
from sessions_app.rules import Route, ServiceType, clinic_rule

from .common import Chart, Column, MinutesBetween, Percentile, Report, ReportFilters, Table

PHASE = Session.Phase
STARTED = [Session.Status.IN_PROGRESS, Session.Status.COMPLETED]
LATE_GRACE_MINUTES = 5

# (phase shown, transition that opens it, transition that closes it)
PHASES = (
    (PHASE.PREPARATION, PHASE.PREPARATION, PHASE.MEDICATION),
    (PHASE.MEDICATION, PHASE.MEDICATION, PHASE.INTEGRATION),
    (PHASE.INTEGRATION, PHASE.INTEGRATION, PHASE.COMPLETED),
)


def late_definition() -> str:
    during = clinic_rule("IV_VITALS_EVERY_MINUTES_DURING_INFUSION")
    after = clinic_rule("VITALS_EVERY_MINUTES_AFTER_DOSE")
    return (
        "A vitals check is late when, during the medication phase of a ketamine session, more "
        f"than the expected interval plus {LATE_GRACE_MINUTES} minutes passed since the "
        "patient's previous reading (for the first reading: since the medication phase opened, "
        f"when the dose is given). Expected interval: every {during} minutes while an IV "
        f"infusion runs (the first {clinic_rule('IV_DEFAULT_INFUSION_MINUTES')} minutes of the "
        f"medication phase of an IV session), every {after} minutes otherwise. Spravato "
        "sessions are checked in the REMS report instead."
    )


def _phase_minutes(filters: ReportFilters, services: list[str]) -> list[dict]:
    """Median and 90th percentile per phase and service type, in one query.

    The inner query pivots each session's phase log into one row (conditional MIN per phase);
    the outer one takes percentiles per service type with FILTER clauses.
    """
    per_session = Session.objects.filter(filters.sessions_q()).annotate(
        **{
            f"at_{phase}": Min("transitions__at", filter=Q(transitions__to_phase=phase))
            for phase in PHASE.values
        }
    )
    per_session = per_session.annotate(
        **{
            f"min_{shown}": MinutesBetween(F(f"at_{opens}"), F(f"at_{closes}"))
            for shown, opens, closes in PHASES
        }
    )
    aggregates = {}
    for st in services:
        in_service = Q(service_type=st)
        for shown, _, _ in PHASES:
            column = f"min_{shown}"
            aggregates[f"{st}__{shown}__n"] = Count(column, filter=in_service)
            aggregates[f"{st}__{shown}__p50"] = Percentile(column, 0.5, filter=in_service)
            aggregates[f"{st}__{shown}__p90"] = Percentile(column, 0.9, filter=in_service)
    result = per_session.aggregate(**aggregates)
    labels = dict(ServiceType.choices)
    rows = []
    for st in services:
        row: dict = {"service": labels[st], "service_type": st}
        for shown, _, _ in PHASES:
            for stat in ("n", "p50", "p90"):
                row[f"{shown}_{stat}"] = result[f"{st}__{shown}__{stat}"]
        rows.append(row)
    return rows


def _late_vitals(filters: ReportFilters) -> dict[str, dict]:
    """Per service type: medication-phase readings checked, and the late ones.

    The reference time is the opening of the medication phase (the dose is given then: doses
    can only be recorded once it is open), read through a join on the phase log, which holds
    one row per phase and session. A correlated "first dose" subquery per reading cost seconds
    on a year of data; this join and one window function keep it to one pass over the rows.
    """
    infusion = clinic_rule("IV_DEFAULT_INFUSION_MINUTES")
    readings = (
        VitalSign.objects.filter(
            filters.sessions_q("participant__session__"),
            phase=PHASE.MEDICATION,
        )
        .exclude(participant__session__service_type=ServiceType.SPRAVATO)
        .annotate(
            opened=FilteredRelation(
                "participant__session__transitions",
                condition=Q(participant__session__transitions__to_phase=PHASE.MEDICATION),
            ),
        )
        .annotate(dose_at=F("opened__at"), route=F("participant__session__route"))
        .annotate(
            previous_at=Window(
                Lag("recorded_at", default=F("dose_at")),
                partition_by=[F("participant_id")],
                order_by=[F("recorded_at").asc(), F("pk").asc()],
            )
        )
        .annotate(
            gap=MinutesBetween(F("previous_at"), F("recorded_at")),
            allowed=Case(
                When(
                    Q(route=Route.IV)
                    & Q(previous_at__lt=F("dose_at") + timedelta(minutes=infusion)),
                    then=Value(clinic_rule("IV_VITALS_EVERY_MINUTES_DURING_INFUSION")),
                ),
                default=Value(clinic_rule("VITALS_EVERY_MINUTES_AFTER_DOSE")),
                output_field=IntegerField(),
            ),
        )
        .annotate(
            late=Case(
                When(gap__gt=F("allowed") + LATE_GRACE_MINUTES, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    )
    # Aggregate the window's result per service type (Django wraps the window in a subquery).
    result: dict[str, dict] = {}
    aggregates = {}
    for st in ServiceType.values:
        if st == ServiceType.SPRAVATO:
            continue
        in_service = Q(participant__session__service_type=st)
        aggregates[f"{st}__checks"] = Count("pk", filter=in_service)
        aggregates[f"{st}__late"] = Count("pk", filter=in_service & Q(late=1))
    totals = readings.aggregate(**aggregates)
    for key, value in totals.items():
        st, stat = key.split("__")
        result.setdefault(st, {})[stat] = value
    return result


def clinical_flow_report(filters: ReportFilters) -> Report:
    labels = dict(ServiceType.choices)
    services = [filters.service_type] if filters.service_type else list(ServiceType.values)
    phase_rows = _phase_minutes(filters, services)
    late = _late_vitals(filters)

    started = Session.objects.filter(filters.sessions_q(), status__in=STARTED)
    sessions_by_service = dict(
        started.values_list("service_type").annotate(n=Count("id")).order_by()
    )
    flagged = dict(
        VitalSign.objects.filter(
            filters.sessions_q("participant__session__"),
            participant__session__status__in=STARTED,
            flagged=True,
        )
        .values_list("participant__session__service_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    events = {
        r["participant__session__service_type"]: r
        for r in AdverseEvent.objects.filter(
            filters.sessions_q("participant__session__"),
            participant__session__status__in=STARTED,
        )
        .values("participant__session__service_type")
        .annotate(n=Count("id"), serious=Count("id", filter=Q(serious=True)))
        .order_by()
    }
    safety_rows = []
    for st in services:
        n = sessions_by_service.get(st, 0)
        row = {
            "service": labels[st],
            "sessions": n,
            "flagged": flagged.get(st, 0),
            "events": events.get(st, {}).get("n", 0),
            "serious": events.get(st, {}).get("serious", 0),
            "checks": late.get(st, {}).get("checks"),
            "late": late.get(st, {}).get("late"),
        }
        # Per-100 figures from the counts above (three divisions, no rows looped over).
        row["flagged_per_100"] = row["flagged"] * 100.0 / n if n else None
        row["events_per_100"] = row["events"] * 100.0 / n if n else None
        row["late_pct"] = row["late"] * 100.0 / row["checks"] if row["checks"] else None
        safety_rows.append(row)

    phase_columns = [Column("service", "Service")]
    for shown, _, _ in PHASES:
        name = PHASE(shown).label
        phase_columns += [
            Column(f"{shown}_n", f"{name}: sessions", "int"),
            Column(f"{shown}_p50", f"{name}: median min", "minutes"),
            Column(f"{shown}_p90", f"{name}: 90th pct min", "minutes"),
        ]
    chart = Chart(
        id="flow-chart",
        title="Median minutes in each phase",
        type="bar",
        labels=[r["service"] for r in phase_rows],
        datasets=[
            {
                "label": f"{PHASE(shown).label} (median)",
                "data": [
                    round(r[f"{shown}_p50"], 1) if r[f"{shown}_p50"] is not None else None
                    for r in phase_rows
                ],
            }
            for shown, _, _ in PHASES
        ],
        stacked=True,
        y_label="Minutes",
    )
    return Report(
        slug="clinical-flow",
        title="Clinical flow",
        charts=[chart],
        tables=[
            Table(
                slug="phases",
                title="Minutes in each phase",
                description="From the phase log; a phase counts once both its ends are logged.",
                columns=phase_columns,
                rows=phase_rows,
            ),
            Table(
                slug="safety",
                title="Vitals checks, flagged vitals and adverse events",
                description=late_definition(),
                columns=[
                    Column("service", "Service"),
                    Column("sessions", "Sessions started", "int"),
                    Column("checks", "Medication-phase checks", "int"),
                    Column("late", "Late checks", "int"),
                    Column("late_pct", "Late %", "pct"),
                    Column("flagged", "Flagged vitals", "int"),
                    Column("flagged_per_100", "Flagged per 100 sessions", "float1"),
                    Column("events", "Adverse events", "int"),
                    Column("serious", "Serious", "int"),
                    Column("events_per_100", "Adverse events per 100 sessions", "float1"),
                ],
                rows=safety_rows,
            ),
        ],
        notes=[
            late_definition(),
            "Per 100 sessions: sessions started (in progress or completed) in the range.",
        ],
    )
