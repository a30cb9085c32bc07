"""Schedule `core.purge_idempotency_keys` every hour in django-celery-beat's
tables, like the escalation sweep (deadlines/0004): editable in the admin."""

from django.db import migrations

from servicedesk.core.beat import BEAT_MIGRATION, schedule_task


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), BEAT_MIGRATION]
    operations = [
        schedule_task("Purge expired Idempotency-Key answers", "core.purge_idempotency_keys", every=1, period="hours", expire_seconds=3600),
    ]
