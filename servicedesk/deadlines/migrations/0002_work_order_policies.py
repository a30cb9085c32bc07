import datetime

from django.db import migrations

# The documents' defaults (domain.md section 3), each with its source.
POLICIES = [
    dict(code="work-order-respond", name="Work order: respond within 24 hours", subject="tickets.workorder",
         deadline_kind="respond", duration=datetime.timedelta(hours=24),
         source="seeds/003: reply to any service request within 24 hours"),
    dict(code="work-order-arrive", name="Work order: on site within 24 hours", subject="tickets.workorder",
         deadline_kind="arrive", duration=datetime.timedelta(hours=24),
         source="seeds/001: booked repair, on site within 24 hours"),
    dict(code="work-order-arrive-emergency", name="Emergency: on site within 30 minutes", subject="tickets.workorder",
         deadline_kind="arrive", duration=datetime.timedelta(minutes=30), conditions={"kind": "emergency"}, priority=10,
         source="seeds/001: emergency repair, on site within 30 minutes of the alarm"),
    dict(code="work-order-follow-up", name="Work order: follow-up within 7 days of sign-off",
         subject="tickets.workorder", deadline_kind="follow_up", duration=datetime.timedelta(days=7),
         source="seeds/002: return visit within one week after install or repair"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("deadlines", "SlaPolicy")
    for row in POLICIES:
        SlaPolicy.objects.update_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
