"""The foreign keys' own indexes that a wider index already starts with (issue 18, item 4: the sweep
writes 17,500 notifications per 10,000 escalations): notification_inbox (recipient, -created_at) and
notification_once_per_escalation_recipient (escalation, recipient). Only the indexes are dropped (the
constraints stay as they are: no re-validation of the table)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("notifications_notification_escalation_id_cd4d6c20", "notifications_notification", "escalation_id"),
    ("notifications_notification_recipient_id_d055f3f0", "notifications_notification", "recipient_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_group_robots"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="escalation",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.CASCADE,
                                            related_name="notifications", to="deadlines.escalation",
                                            verbose_name="escalation"),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="notifications", to=settings.AUTH_USER_MODEL,
                                            verbose_name="recipient"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {table} ({column})")
                for name, table, column in INDEXES
            ],
        ),
    ]
