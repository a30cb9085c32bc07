"""The SLA policies of the deadline kinds of issue 15 (their warning point
and escalation ladder; the due times are computed by aftercare.services)."""

import datetime

from django.db import migrations

POLICIES = [
    dict(code="work-order-survey", name="Satisfaction survey by the end of the next day",
         subject="tickets.workorder", deadline_kind="survey", duration=datetime.timedelta(days=1),
         source="seeds/004: the satisfaction call the next day; api-contract Satisfaction: 23:59:59 local "
                "time on the calendar day after the sign-off"),
    dict(code="survey-follow-up", name="Low satisfaction score followed up within 1 working day",
         subject="aftercare.lowscorefollowup", deadline_kind="survey_follow_up", working_days=1,
         source="issue 15: a score of 2 or less opens a follow-up for the supervisor (setting "
                "SURVEY_FOLLOW_UP_WORKING_DAYS, default 1)"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("deadlines", "SlaPolicy")
    for row in POLICIES:
        SlaPolicy.objects.get_or_create(code=row["code"], defaults=row)


def unseed(apps, schema_editor):
    apps.get_model("deadlines", "SlaPolicy").objects.filter(code__in=[p["code"] for p in POLICIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0001_initial"), ("deadlines", "0007_deadline_due_promised")]
    operations = [migrations.RunPython(seed, unseed)]
