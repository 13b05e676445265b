"""Indexes for the administrator reports, each chosen from EXPLAIN (ANALYZE, BUFFERS) of a slow
report query on the benchmark dataset (20k patients, 200k sessions, one-year range).

Each entry: (name, table, PostgreSQL column list, SQLite column list or None to skip there),
with the query it serves and the timing before/after. PostgreSQL gets CREATE INDEX IF NOT EXISTS
(the shared benchmark database may already have them); SQLite a plain equivalent (no INCLUDE).
"""

from __future__ import annotations

from django.db import migrations

INDEXES: list[tuple[str, str, str, str | None]] = [
    # Outcomes, courses in the range: "courses of sessions in the range" reads participants by
    # session (index-only: session_id -> course_id).
    (
        "sessions_app_participant_session_course_idx",
        "sessions_app_participant",
        "(session_id, course_id)",
        "(session_id, course_id)",
    ),
    # Outcomes, courses in the range: "courses assessed in the range" (administered_at range ->
    # course_id, index-only). Seq scan of 266k assessments 40-50 ms -> index-only scan 11 ms.
    (
        "patients_assessment_time_course_idx",
        "patients_assessment",
        "(administered_at, course_id)",
        "(administered_at, course_id)",
    ),
    # Outcomes, baseline/latest per course and scale (window PARTITION BY course_id, scale
    # ORDER BY administered_at, id): rows come in window order straight from the index.
    (
        "patients_assessment_course_scale_time_idx",
        "patients_assessment",
        "(course_id, scale, administered_at, id) INCLUDE (total)",
        "(course_id, scale, administered_at, id, total)",
    ),
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table, pg_columns, sqlite_columns in INDEXES:
        if vendor == "postgresql":
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {pg_columns}")
        elif vendor == "sqlite" and sqlite_columns:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} {sqlite_columns}"
            )


def drop(apps, schema_editor):
    for name, _, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
        ("sessions_app", "0004_interactive_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
