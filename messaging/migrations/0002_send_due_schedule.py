"""Schedule `messaging.send_due` every 30 seconds in django-celery-beat's
tables (editable in the admin): retries, first attempts whose queueing was
lost, and messages whose sender died mid-send."""

from django.db import migrations

NAME = "Send due messages to customers"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_30s, _ = IntervalSchedule.objects.get_or_create(every=30, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "messaging.send_due", "interval": every_30s, "expire_seconds": 30}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
