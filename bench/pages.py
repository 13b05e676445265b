"""The pages `make bench` measures: one table, one row per page. Add a row to measure a page.

`path` is formatted with the context that bench/prepare.py reads from the seeded database:
{today}, {year_ago} (ISO dates, a one-year range), {location} (the bench users' location id),
{patient} (that location's patient with the most sessions), {session} (its largest completed
group session), {search} (a last-name prefix matching many patients).
`role` is the bench user who opens the page (bench_<role>_1); `setup_post` is POSTed once per
simulated user before measuring (the patient search keeps its text in the session, not the URL).
`kind`: "ceiling" is the trivial view every other page is compared with; "report" and "export"
pages have their own targets (p95 < 1 s; CSV rows/s).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    role: str
    kind: str = "interactive"
    setup_post: dict[str, str] = field(default_factory=dict)


REPORT_RANGE = "start={year_ago}&end={today}"

PAGES: tuple[Page, ...] = (
    Page("ping (trivial view)", "/ping/", "front_desk", kind="ceiling"),
    Page("schedule day", "/schedule/day/?date={today}&location={location}", "front_desk"),
    Page("schedule week", "/schedule/week/?date={today}&location={location}", "front_desk"),
    Page("patient search", "/patients/", "front_desk", setup_post={"q": "{search}"}),
    Page("patient chart", "/patients/{patient}/", "clinician"),
    Page("session run sheet", "/sessions/{session}/", "clinician"),
    Page("live monitoring board", "/board/?location={location}", "clinician"),
    Page("my sessions (guide)", "/my-sessions/", "guide"),
    Page(
        "report: activity, 1 year", f"/reports/activity/?{REPORT_RANGE}", "administrator", "report"
    ),
    Page(
        "report: staff & rooms, 1 year",
        f"/reports/staff/?{REPORT_RANGE}",
        "administrator",
        "report",
    ),
    Page(
        "report: clinical flow, 1 year",
        f"/reports/clinical-flow/?{REPORT_RANGE}",
        "administrator",
        "report",
    ),
    Page("report: REMS, 1 year", f"/reports/rems/?{REPORT_RANGE}", "administrator", "report"),
    Page(
        "report: outcomes, 1 year", f"/reports/outcomes/?{REPORT_RANGE}", "administrator", "report"
    ),
    Page(
        "report: substances, 1 year",
        f"/reports/substances/?{REPORT_RANGE}",
        "administrator",
        "report",
    ),
    Page(
        "CSV: controlled-substance doses, 1 year",
        f"/reports/substances/export/doses.csv?{REPORT_RANGE}",
        "administrator",
        "export",
    ),
)
