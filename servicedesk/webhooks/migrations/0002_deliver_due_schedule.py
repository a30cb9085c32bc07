"""Schedule `webhooks.deliver_due` every 10 seconds in django-celery-beat's
tables (editable in the admin): retries after a minute and the safety net for
attempts whose message was lost."""

from django.db import migrations

NAME = "Deliver due partner webhooks"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_10s, _ = IntervalSchedule.objects.get_or_create(every=10, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "webhooks.deliver_due", "interval": every_10s, "expire_seconds": 10}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
