"""One module per report; each returns a `Report` of tables and charts computed in the database.

REPORTS is the allow-list the views and the CSV export look reports up in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .activity import activity_report
from .clinical_flow import clinical_flow_report
from .common import Report, ReportFilters
from .outcomes import outcomes_report
from .rems import rems_report
from .staff import staff_report
from .substances import substances_report


@dataclass(frozen=True)
class ReportSpec:
    slug: str
    title: str
    icon: str
    summary: str
    build: Callable[[ReportFilters], Report]


REPORTS: dict[str, ReportSpec] = {
    spec.slug: spec
    for spec in (
        ReportSpec(
            "activity",
            "Activity",
            "bar-chart",
            "Sessions per week or month; completed, cancelled and no-show; seat fill.",
            activity_report,
        ),
        ReportSpec(
            "staff",
            "Staff and rooms",
            "people",
            "Hours and sessions per guide and clinician; room utilisation per location.",
            staff_report,
        ),
        ReportSpec(
            "clinical-flow",
            "Clinical flow",
            "stopwatch",
            "Minutes in each phase; late vitals checks; flagged vitals and adverse events.",
            clinical_flow_report,
        ),
        ReportSpec(
            "rems",
            "Spravato REMS compliance",
            "clipboard-check",
            "Monitoring time, BP checks and monitoring forms; forms still due.",
            rems_report,
        ),
        ReportSpec(
            "outcomes",
            "Outcomes",
            "graph-down-arrow",
            "Baseline and latest scores per course; response and remission; safety alerts.",
            outcomes_report,
        ),
        ReportSpec(
            "substances",
            "Controlled substance log",
            "capsule",
            "Every ketamine and esketamine dose given and wasted; totals per lot.",
            substances_report,
        ),
    )
}

__all__ = ["REPORTS", "Report", "ReportFilters", "ReportSpec"]
