# The first page of overdue orders (next_due_at < now, newest first): walk the
# orders that have an open deadline (a few percent) in the list's order and
# stop at 25. With only wo_reported and wo_next_due, PostgreSQL walks
# wo_reported and filters, which is fast while overdue orders are recent and
# reads most of the table when they are old; or it sorts all overdue orders.
# Measured on a million orders: docs/benchmarks.md.

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_next_due_at")]

    operations = [
        migrations.AddIndex(
            model_name="workorder",
            index=models.Index(
                condition=Q(next_due_at__isnull=False), fields=["-reported_at", "-id"], name="wo_open_reported"
            ),
        ),
    ]
