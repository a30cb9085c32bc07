"""Schedule `documents.remove_orphan_files` once a day in django-celery-beat's
tables (documents/cleanup.py), editable in the admin like the others."""

from django.db import migrations

from servicedesk.core.beat import BEAT_MIGRATION, schedule_task


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_onsite_records"), BEAT_MIGRATION]
    operations = [
        schedule_task("Remove document files no row names", "documents.remove_orphan_files", every=1, period="days", expire_seconds=3600),
    ]
