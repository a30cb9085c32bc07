"""A periodic task put in django-celery-beat's tables by a migration, so that
it is editable in the admin like the escalation sweep (deadlines/0004).

Migrations call `schedule_task(...)` for their operation; it reads the models
through the migration's `apps`, never the current ones, so it stays right for
every migration that uses it."""

from django.db import migrations

BEAT_MIGRATION = ("django_celery_beat", "0019_alter_periodictasks_options")


def schedule_task(name: str, task: str, *, every: int, period: str, expire_seconds: int | None):
    """The RunPython operation that schedules `task` under `name` every
    `every` `period` (and removes it when the migration is reversed)."""

    def schedule(apps, schema_editor):
        interval, _ = apps.get_model("django_celery_beat", "IntervalSchedule").objects.get_or_create(
            every=every, period=period
        )
        apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
            name=name, defaults={"task": task, "interval": interval, "expire_seconds": expire_seconds}
        )

    def unschedule(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()

    return migrations.RunPython(schedule, unschedule)
