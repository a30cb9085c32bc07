"""The rest of the documents' defaults (issue 3, item 2), for the state
machines that use them: complaints (complaints.complaint), calls and
callbacks (calls.call, calls.callback), returns and factory returns
(billing.returnrequest, billing.factoryreturn). Each names its source."""

import datetime

from django.db import migrations

H = datetime.timedelta(hours=1)
POLICIES = [
    # Complaint loop, seeds/000: 1 / 3 / 2 working days, result within 5.
    dict(code="complaint-register", name="Complaint: task sheet forwarded within 1 working day",
         subject="complaints.complaint", deadline_kind="register", working_days=1,
         source="seeds/000: the accepting unit fills and forwards the task sheet within 1 working day"),
    dict(code="complaint-reply", name="Complaint: handling unit replies within 3 working days",
         subject="complaints.complaint", deadline_kind="reply", working_days=3,
         source="seeds/000: the handling unit investigates and replies within 3 working days"),
    dict(code="complaint-overall", name="Complaint: result to the customer within 5 working days",
         subject="complaints.complaint", deadline_kind="overall", working_days=5,
         source="seeds/000: overall, result to the customer within 5 days of receipt"),
    dict(code="complaint-return-visit", name="Complaint: return visit within 2 working days of the reply",
         subject="complaints.complaint", deadline_kind="return_visit", working_days=2,
         source="seeds/000: the accepting unit makes a return visit within 2 working days"),
    dict(code="complaint-acknowledge-sales", name="Complaint from sales: feedback within 30 minutes",
         subject="complaints.complaint", deadline_kind="acknowledge", duration=30 * datetime.timedelta(minutes=1),
         source="seeds/002: complaints forwarded by sales get feedback to the salesperson within 30 minutes"),
    # Calls, seeds/000 and seeds/001: answer within 3 rings (5 s each).
    dict(code="call-answer", name="Call: answer within 3 rings", subject="calls.call", deadline_kind="answer",
         duration=datetime.timedelta(seconds=15), warn_ratio=0.67,
         source="seeds/000, seeds/001: answer within 3 rings; one ring cycle is about 5 s"),
    dict(code="callback", name="Abandoned call: call back within 2 hours", subject="calls.callback",
         deadline_kind="callback", duration=2 * H,
         source="issue 5 default; never beyond the 24-hour response of seeds/003"),
    # Returns, seeds/004.
    dict(code="return-depot-repair", name="Depot repair finished within 3 days", subject="billing.returnrequest",
         deadline_kind="repair", duration=datetime.timedelta(days=3),
         source="seeds/004: promise repair within 3 days; past that, exchange or return"),
    dict(code="return-batch-visit", name="Batch-quality dispute: technician on site within 2 days",
         subject="billing.returnrequest", deadline_kind="batch_visit", duration=datetime.timedelta(days=2),
         source="seeds/004: within 2 days a technician is sent to the dealer"),
    dict(code="factory-return-check", name="Factory return: logistics check within 1 day of arrival",
         subject="billing.factoryreturn", deadline_kind="check", working_days=1,
         source="seeds/004: logistics checks count and condition the next day"),
    dict(code="factory-return-decide", name="Factory return: decisions within 3 days of arrival",
         subject="billing.factoryreturn", deadline_kind="decide", working_days=3,
         source="seeds/004: customer service exchanges or credits within 3 days of arrival"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("deadlines", "SlaPolicy")
    for row in POLICIES:
        SlaPolicy.objects.get_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0004_calendar_and_schedules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
