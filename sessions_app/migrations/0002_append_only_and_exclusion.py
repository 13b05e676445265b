"""Database-level guards that the ORM cannot express portably.

1. Append-only clinical tables: triggers refuse UPDATE (both databases) and DELETE (PostgreSQL;
   SQLite's test flush deletes rows with DELETE, so there the model's delete() guard stands).
2. PostgreSQL only: exclusion constraints so that no room, lead guide or clinician is in two
   overlapping sessions (cancelled and no-show ones excepted), whatever code path writes (the booking service also locks
   and checks, and covers co-guides and patients, which live in other columns or tables).
"""

from django.db import migrations

APPEND_ONLY_TABLES = [
    "sessions_app_phasetransition",
    "sessions_app_vitalsign",
    "sessions_app_doseadministration",
    "sessions_app_dosedecision",
    "sessions_app_integrationnote",
    "sessions_app_noteaddendum",
    "sessions_app_adverseevent",
    "sessions_app_remsmonitoringform",
]

EXCLUSIONS = {
    "sessions_app_session_room_no_overlap": "room_id",
    "sessions_app_session_lead_guide_no_overlap": "lead_guide_id",
    "sessions_app_session_clinician_no_overlap": "clinician_id",
}

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION clinic_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'clinical records in % are append-only: add an addendum', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in APPEND_ONLY_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION clinic_refuse_change()"
            )
        for name, column in EXCLUSIONS.items():
            schema_editor.execute(
                f"ALTER TABLE sessions_app_session ADD CONSTRAINT {name} EXCLUDE USING gist "
                f"({column} WITH =, tstzrange(starts_at, ends_at) WITH &&) "
                "WHERE (status NOT IN ('cancelled', 'no_show'))"
            )
    elif vendor == "sqlite":
        for table in APPEND_ONLY_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'clinical records in {table} are append-only'); END"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in APPEND_ONLY_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")
    if vendor == "postgresql":
        for name in EXCLUSIONS:
            schema_editor.execute(
                f"ALTER TABLE sessions_app_session DROP CONSTRAINT IF EXISTS {name}"
            )
        schema_editor.execute("DROP FUNCTION IF EXISTS clinic_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
