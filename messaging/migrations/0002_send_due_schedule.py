"""Schedule `messaging.send_due` every 30 seconds in django-celery-beat's
tables (editable in the admin): retries, first attempts whose queueing was
lost, and messages whose sender died mid-send."""

from django.db import migrations

from servicedesk.core.beat import BEAT_MIGRATION, schedule_task


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial"), BEAT_MIGRATION]
    operations = [
        schedule_task("Send due messages to customers", "messaging.send_due", every=30, period="seconds", expire_seconds=30),
    ]
