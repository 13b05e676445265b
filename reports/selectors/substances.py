"""Controlled substance log: every ketamine and esketamine dose given and wasted, per lot.

Dated by the time the dose was given (not the session's start). Spravato doses are one row
per device (28 mg). Session filters (location, service type, guide) apply to the dose's
session.
"""

from __future__ import annotations

from django.db.models import Count, DecimalField, F, Max, Min, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Concat

from sessions_app.models import DoseAdministration
from sessions_app.rules import Drug, Route

from .common import Chart, Column, Report, ReportFilters, Table

TOP_LOTS_CHARTED = 20


def doses_in_range(filters: ReportFilters) -> QuerySet:
    return DoseAdministration.objects.filter(
        filters.in_range_q("administered_at"),
        filters.sessions_q("participant__session__", dated=False),
    )


def _name(prefix: str) -> Concat:
    return Concat(f"{prefix}__first_name", Value(" "), f"{prefix}__last_name")


def substances_report(filters: ReportFilters) -> Report:
    doses = doses_in_range(filters)
    zero = Value(0, output_field=DecimalField(max_digits=12, decimal_places=2))
    lots = list(
        doses.values("drug", "lot_number")
        .annotate(
            doses=Count("pk"),
            given_mg=Coalesce(Sum("dose_mg"), zero),
            wasted_mg=Coalesce(Sum("wasted_mg"), zero),
            first_at=Min("administered_at"),
            last_at=Max("administered_at"),
        )
        .order_by("drug", "lot_number")
    )
    drugs = list(
        doses.values("drug")
        .annotate(
            doses=Count("pk"),
            given_mg=Coalesce(Sum("dose_mg"), zero),
            wasted_mg=Coalesce(Sum("wasted_mg"), zero),
            lots=Count("lot_number", distinct=True),
        )
        .order_by("drug")
    )
    drug_labels = dict(Drug.choices)
    route_labels = dict(Route.choices)
    for row in lots + drugs:
        row["drug_label"] = drug_labels.get(row["drug"], row["drug"])

    log = (
        doses.annotate(
            patient_name=_name("participant__patient"),
            given_by=_name("administered_by"),
            witness_name=_name("witness"),
        )
        .values(
            "pk",
            "administered_at",
            "drug",
            "route",
            "dose_mg",
            "wasted_mg",
            "lot_number",
            "device_number",
            "patient_name",
            "given_by",
            "witness_name",
            mrn=F("participant__patient__mrn"),
            session_id=F("participant__session_id"),
            location=F("participant__session__location__name"),
        )
        .order_by("administered_at", "pk")
    )

    def labelled(row: dict) -> dict:
        row["drug"] = drug_labels.get(row["drug"], row["drug"])
        row["route"] = route_labels.get(row["route"], row["route"])
        row["witness_name"] = (row["witness_name"] or "").strip()
        return row

    charted = sorted(lots, key=lambda r: r["given_mg"], reverse=True)[:TOP_LOTS_CHARTED]
    return Report(
        slug="substances",
        title="Controlled substance log",
        charts=[
            Chart(
                id="substances-chart",
                title="Given and wasted per lot (mg)",
                type="bar",
                labels=[f"{r['lot_number']} ({r['drug_label']})" for r in charted],
                datasets=[
                    {"label": "Given mg", "data": [float(r["given_mg"]) for r in charted]},
                    {"label": "Wasted mg", "data": [float(r["wasted_mg"]) for r in charted]},
                ],
                stacked=True,
                y_label="mg",
            )
        ],
        tables=[
            Table(
                slug="drugs",
                title="Totals per drug",
                columns=[
                    Column("drug_label", "Drug"),
                    Column("doses", "Doses", "int"),
                    Column("lots", "Lots", "int"),
                    Column("given_mg", "Given mg", "mg"),
                    Column("wasted_mg", "Wasted mg", "mg"),
                ],
                rows=drugs,
            ),
            Table(
                slug="lots",
                title="Totals per lot",
                columns=[
                    Column("drug_label", "Drug"),
                    Column("lot_number", "Lot"),
                    Column("doses", "Doses", "int"),
                    Column("given_mg", "Given mg", "mg"),
                    Column("wasted_mg", "Wasted mg", "mg"),
                    Column("first_at", "First given", "datetime"),
                    Column("last_at", "Last given", "datetime"),
                ],
                rows=lots,
            ),
            Table(
                slug="doses",
                title="Every dose given",
                columns=[
                    Column("administered_at", "Given at", "datetime"),
                    Column("location", "Location"),
                    Column("drug", "Drug"),
                    Column("route", "Route"),
                    Column("device_number", "Device", "int"),
                    Column("dose_mg", "Dose mg", "mg"),
                    Column("wasted_mg", "Wasted mg", "mg"),
                    Column("lot_number", "Lot"),
                    Column("mrn", "MRN"),
                    Column("patient_name", "Patient"),
                    Column("given_by", "Given by"),
                    Column("witness_name", "Witness"),
                ],
                rows=log,
                # Every dose is in exactly one drug's total: the page needs no COUNT query.
                count=sum(r["doses"] for r in drugs),
                paginate=True,
                transform=labelled,
            ),
        ],
        notes=[
            "Dated by the time each dose was given. Spravato: one row per 28 mg device.",
            "Wasted: drawn but not given, witnessed by a second staff member.",
        ],
    )
