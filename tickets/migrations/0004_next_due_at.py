# next_due_at: the earliest due time among a work order's open deadlines,
# cached on the order so the list's overdue filter is a range scan of a small
# partial index (wo_next_due) instead of a semi-join with the deadline table,
# whose plan flipped between 25 and 110 ms on a million orders
# (docs/benchmarks.md). The deadline table stays the truth: the deadline
# services refresh the cache (tickets.models.WorkOrder.deadlines_changed).
# The backfill touches only orders with an open deadline.

from django.db import migrations, models
from django.db.models import Min, OuterRef, Q, Subquery


def backfill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Deadline = apps.get_model("deadlines", "Deadline")
    WorkOrder = apps.get_model("tickets", "WorkOrder")
    ct = ContentType.objects.filter(app_label="tickets", model="workorder").first()
    if ct is None:  # a fresh database: no orders yet
        return
    open_ = Deadline.objects.filter(content_type=ct, met_at__isnull=True, cancelled_at__isnull=True)
    earliest = (
        open_.filter(object_id=OuterRef("pk")).order_by().values("object_id").annotate(m=Min("due_at")).values("m")
    )
    WorkOrder.objects.filter(pk__in=open_.values("object_id")).update(next_due_at=Subquery(earliest))


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_autovacuum_for_counts"),
        ("deadlines", "0007_deadline_due_promised"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="next_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="next due at"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(condition=Q(next_due_at__isnull=False), fields=["next_due_at"], name="wo_next_due"),
        ),
    ]
