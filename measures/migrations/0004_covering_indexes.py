"""Covering indexes for a month's measures over a million orders
(docs/benchmarks.md, Measures): the deadline measures and the sign-off
measures are answered from an index alone (index-only scans). They are on
the deadline and work-order tables but created here, where the queries that
need them live, so neither app needs a migration. INCLUDE is PostgreSQL's;
elsewhere (SQLite, embedded) the plain indexes."""

from django.db import migrations

INDEXES = [
    ("measures_deadline_kind_due2", "deadlines_deadline", "(kind, due_at)",
     "(id, content_type_id, object_id, met_at, paused_at)", "cancelled_at IS NULL"),
    ("measures_wo_signed_off", "tickets_workorder", "(signed_off_at)",
     "(id, promised_by, repeat_repair)", "signed_off_at IS NOT NULL"),
]


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute("DROP INDEX IF EXISTS measures_deadline_kind_due")
    for name, table, columns, include, where in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}"
                              f"{f' INCLUDE {include}' if postgres else ''} WHERE {where}")


def drop(apps, schema_editor):
    for name, *_rest in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("measures", "0003_eight_d_reports"), ("tickets", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
