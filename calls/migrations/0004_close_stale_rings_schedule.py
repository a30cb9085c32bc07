"""Schedule `calls.close_stale_rings` every minute in django-celery-beat's
tables, like the escalation sweep (deadlines/0004): editable in the admin."""

from django.db import migrations

from servicedesk.core.beat import BEAT_MIGRATION, schedule_task


class Migration(migrations.Migration):
    dependencies = [("calls", "0003_call_channel_outbound"), BEAT_MIGRATION]
    operations = [
        schedule_task("Close rings whose hang-up was lost", "calls.close_stale_rings", every=60, period="seconds", expire_seconds=60),
    ]
