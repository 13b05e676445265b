"""More report indexes, added after 0001 had already been applied on some databases (the
benchmark cache): a new migration so `migrate` on an existing database creates them too.

Same style as 0001: each entry (name, table, PostgreSQL column list, SQLite column list or None to
skip there) with the query it serves; CREATE INDEX IF NOT EXISTS (the shared benchmark database
may already have them).
"""

from __future__ import annotations

from django.db import migrations

INDEXES: list[tuple[str, str, str, str | None]] = [
    # REMS, forms still due (every Spravato session up to the end of the range, any start
    # date): sessions by service type and start instead of the whole history by start.
    # Forms-due query 0.6 s -> 0.15 s together with the NOT EXISTS rewrite.
    (
        "sessions_app_session_service_start_idx",
        "sessions_app_session",
        "(service_type, starts_at)",
        "(service_type, starts_at)",
    ),
    # Clinical flow: minutes per phase (pivot of the phase log) and the late-vitals join to
    # "medication phase opened at": index-only reads of (session, phase) -> at.
    # Phase-minutes query 563 -> 395 ms (the heap scan of 693k transitions becomes index-only).
    (
        "sessions_app_phasetransition_session_phase_at_idx",
        "sessions_app_phasetransition",
        "(session_id, to_phase) INCLUDE (at)",
        "(session_id, to_phase, at)",
    ),
    # Clinical flow, flagged vitals per service type: probes only the flagged rows of each
    # participant (index scan filtering 9 rows per participant before). 288 -> 158 ms (in view).
    (
        "sessions_app_vitalsign_flagged_idx",
        "sessions_app_vitalsign",
        "(participant_id) WHERE flagged",
        "(participant_id) WHERE flagged",
    ),
    # Clinical flow, late vitals (LAG over each participant's medication-phase readings in
    # order): an index-only scan already in (participant, recorded_at, id) order feeding a merge
    # join; the nested loop + 215k-row sort before. Late-vitals query 797 -> 624 ms.
    (
        "sessions_app_vitalsign_medication_idx",
        "sessions_app_vitalsign",
        "(participant_id, recorded_at, id) WHERE phase = 'medication'",
        "(participant_id, recorded_at, id) WHERE phase = 'medication'",
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
        ("reports", "0001_report_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
