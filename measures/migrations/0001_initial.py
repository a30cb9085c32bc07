from django.db import migrations, models

SCHEDULE = "Mail the monthly after-sales report"

# The deadline measures count a kind's deadlines by due time (api-contract.md,
# Measures); without this index a month's measures read the whole deadline
# table (docs/benchmarks.md, Measures). It is on the deadlines app's table but
# added here, where the query that needs it lives, so no migration of that app
# is needed (deadlines never reads it by name).
INDEX = (
    "CREATE INDEX IF NOT EXISTS measures_deadline_kind_due ON deadlines_deadline "
    "(kind, due_at, content_type_id, met_at) WHERE cancelled_at IS NULL"
)


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=SCHEDULE, defaults={"task": "measures.mail_monthly_report", "interval": every_hour,
                                 "expire_seconds": 3600},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("deadlines", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.CreateModel(
            name="MonthlyReportMailing",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField(help_text="The month's first day.", unique=True, verbose_name="month")),
                ("sent_at", models.DateTimeField(verbose_name="sent at")),
                ("recipients", models.JSONField(default=list, verbose_name="recipients")),
            ],
            options={"verbose_name": "monthly report mailing", "verbose_name_plural": "monthly report mailings",
                     "ordering": ["-month"]},
        ),
        migrations.RunSQL(INDEX, "DROP INDEX IF EXISTS measures_deadline_kind_due"),
        migrations.RunPython(schedule, unschedule),
    ]
