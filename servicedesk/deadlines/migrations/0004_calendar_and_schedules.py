"""Seed the working-day calendar from chinese-calendar for the years it
knows, and the periodic tasks (the sweep every 15 s, e-mail redelivery every
minute). Both stay editable: calendar days in the admin, schedules in
django-celery-beat's admin."""

from django.db import migrations


def seed_calendar(apps, schema_editor):
    import chinese_calendar.constants as known

    CalendarDay = apps.get_model("deadlines", "CalendarDay")
    CalendarYear = apps.get_model("deadlines", "CalendarYear")
    rows = [CalendarDay(date=d, kind="holiday", name=str(n), source="chinese-calendar")
            for d, n in known.holidays.items() if d.weekday() < 5]
    rows += [CalendarDay(date=d, kind="workday", name=str(n), source="chinese-calendar")
             for d, n in known.workdays.items()]
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    for year in sorted({d.year for d in known.holidays}):
        CalendarYear.objects.get_or_create(year=year, defaults={"confirmed": True, "source": "chinese-calendar"})


def seed_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15s, _ = IntervalSchedule.objects.get_or_create(every=15, period="seconds")
    every_60s, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name="Escalation sweep", defaults={"task": "deadlines.sweep", "interval": every_15s, "expire_seconds": 60}
    )
    PeriodicTask.objects.get_or_create(
        name="Redeliver pending e-mail", defaults={"task": "notifications.redeliver_pending", "interval": every_60s}
    )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0003_engine"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [
        migrations.RunPython(seed_calendar, migrations.RunPython.noop),
        migrations.RunPython(seed_schedules, migrations.RunPython.noop),
    ]
