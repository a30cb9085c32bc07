"""Schedule `calls.close_stale_rings` every minute in django-celery-beat's
tables, like the escalation sweep (deadlines/0004): editable in the admin."""

from django.db import migrations

NAME = "Close rings whose hang-up was lost"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_60s, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "calls.close_stale_rings", "interval": every_60s, "expire_seconds": 60}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("calls", "0003_call_channel_outbound"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
