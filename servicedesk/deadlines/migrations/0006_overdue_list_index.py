# The overdue filter of the lists (tickets.selectors.overdue_condition), found
# slow on a million work orders by bench/list_page.py (docs/benchmarks.md):
#
# - an index that answers "open deadlines of this content type due before now"
#   with their object ids, without visiting the table;
# - on PostgreSQL, statistics on met_at and cancelled_at together. Alone, each
#   column says "often NULL" (met_at: open or cancelled; cancelled_at: nearly
#   always), so the planner multiplies and expects ten times more open
#   deadlines than there are, and then counts the overdue orders by scanning
#   every work order (a hash semi-join) instead of looking up the few
#   thousand overdue ones.

from django.db import migrations, models

STATISTICS = "deadline_open_mcv"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv) ON met_at, cancelled_at FROM deadlines_deadline"
        )
        schema_editor.execute("ANALYZE deadlines_deadline")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("deadlines", "0005_more_policies"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                condition=models.Q(("cancelled_at__isnull", True), ("met_at__isnull", True)),
                fields=["content_type", "due_at", "object_id"],
                name="deadline_open_type_due",
            ),
        ),
        migrations.RunPython(create_statistics, drop_statistics),
    ]
