from django.db import migrations

from servicedesk.core.history import immutable_table_sql

forward, backward = immutable_table_sql("calls_calltransition")


def apply(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(forward, params=None)


def revert(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(backward, params=None)


class Migration(migrations.Migration):
    dependencies = [("calls", "0001_initial")]
    operations = [migrations.RunPython(apply, revert)]
