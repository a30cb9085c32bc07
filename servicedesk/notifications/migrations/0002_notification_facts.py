"""A notification keeps its facts and is said in the reader's language
(issue 13, item 4). The escalation notifications written before get their
facts from their escalation and deadline, so they read like new ones; the
others keep their stored title."""

from django.db import migrations, models

WARNING = "Due soon: %(subject)s, %(kind)s at %(due)s"
OVERDUE = "Overdue (level %(level)d): %(subject)s, %(kind)s was due %(due)s"
# How people know each deadline subject (escalation.REFERENCES, else the number).
REFERENCE_FIELDS = {"call": "call_id", "callback": "call__call_id"}


def reference_of(apps, content_type, object_id):
    try:
        model = apps.get_model(content_type.app_label, content_type.model)
    except LookupError:
        return f"#{object_id}"
    field = REFERENCE_FIELDS.get(content_type.model, "number")
    try:
        value = model.objects.filter(pk=object_id).values_list(field, flat=True).first()
    except Exception:  # noqa: BLE001 - a subject without that field keeps its id
        value = None
    return value or f"#{object_id}"


def add_facts(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    references = {}
    notes = Notification.objects.filter(escalation__isnull=False, message="").select_related(
        "escalation__deadline__content_type")
    for note in notes.iterator(chunk_size=2000):
        escalation = note.escalation
        deadline = escalation.deadline
        key = (deadline.content_type_id, deadline.object_id)
        if key not in references:
            references[key] = reference_of(apps, deadline.content_type, deadline.object_id)
        params = {"subject": [deadline.content_type.model, references[key]], "kind": deadline.kind,
                  "due": deadline.due_at.isoformat()}
        if escalation.level:
            params["level"] = escalation.level
        note.message, note.params = (OVERDUE if escalation.level else WARNING), params
        note.save(update_fields=["message", "params"])


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
        ("deadlines", "0007_deadline_due_promised"),
        ("tickets", "0008_work_order_count_known_or_unknown"),
        ("complaints", "0002_immutable_history"),
        ("calls", "0004_close_stale_rings_schedule"),
        ("billing", "0004_return_technician_and_one_proposal"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="message",
            field=models.TextField(blank=True, verbose_name="message"),
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="facts"),
        ),
        migrations.RunPython(add_facts, migrations.RunPython.noop),
    ]
