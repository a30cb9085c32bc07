"""Schedule `documents.remove_orphan_files` once a day in django-celery-beat's
tables (documents/cleanup.py), editable in the admin like the others."""

from django.db import migrations

NAME = "Remove document files no row names"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_day, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "documents.remove_orphan_files", "interval": every_day, "expire_seconds": 3600}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_onsite_records"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
