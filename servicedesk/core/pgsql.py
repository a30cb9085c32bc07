"""SQL that only PostgreSQL runs (triggers, functions), as a migration
operation: the embedded mode's SQLite skips it, and the code that relies on
it has a fallback there (each migration says which)."""

from django.db import migrations


def on_postgresql(sql: str, reverse_sql: str) -> migrations.RunPython:
    """The RunPython operation that executes `sql` on PostgreSQL (and
    `reverse_sql` when the migration is reversed), nothing elsewhere."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(reverse_sql)

    return migrations.RunPython(forward, backward)
