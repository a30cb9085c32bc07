"""The foreign keys' own indexes that a wider index already starts with (issue 18, item 4: every index of a
deadline is written again when the sweep moves its next step): deadline_subject (content_type, object_id)
and escalation_once_per_level (deadline, level). Only the indexes are dropped (the constraints stay as
they are: no re-validation of the tables)."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("deadlines_deadline_content_type_id_d4f1c27c", "deadlines_deadline", "content_type_id"),
    ("deadlines_escalation_deadline_id_bd641411", "deadlines_escalation", "deadline_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("deadlines", "0008_notify_due"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="deadline",
                    name="content_type",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to="contenttypes.contenttype"),
                ),
                migrations.AlterField(
                    model_name="escalation",
                    name="deadline",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="escalations", to="deadlines.deadline",
                                            verbose_name="deadline"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {table} ({column})")
                for name, table, column in INDEXES
            ],
        ),
    ]
