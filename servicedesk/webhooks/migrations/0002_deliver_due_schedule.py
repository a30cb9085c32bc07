"""Schedule `webhooks.deliver_due` every 10 seconds in django-celery-beat's
tables (editable in the admin): retries after a minute and the safety net for
attempts whose message was lost."""

from django.db import migrations

from servicedesk.core.beat import BEAT_MIGRATION, schedule_task


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0001_initial"), BEAT_MIGRATION]
    operations = [
        schedule_task("Deliver due partner webhooks", "webhooks.deliver_due", every=10, period="seconds", expire_seconds=10),
    ]
