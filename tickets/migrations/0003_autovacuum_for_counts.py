# Keep the work-order table's visibility map fresh (PostgreSQL only), found by
# bench/list_page.py (docs/benchmarks.md). The list's count(*) and the
# overdue filter read indexes only ("index-only scans") as long as the table's
# pages are marked all-visible; every insert or update unmarks its page until
# VACUUM marks it again. By default autovacuum waits for 20% of the table to
# change: on a million orders, 200,000 changes, i.e. weeks. Ten thousand new
# orders already made the count of all orders 2.5 times slower (48 -> 121 ms)
# until VACUUM. At 1% autovacuum runs about every 10,000 changed orders.

from django.db import migrations

TABLE = "tickets_workorder"
SETTINGS = {
    "autovacuum_vacuum_scale_factor": "0.01",
    "autovacuum_vacuum_insert_scale_factor": "0.01",
    "autovacuum_analyze_scale_factor": "0.02",
}


def apply(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        options = ", ".join(f"{k} = {v}" for k, v in SETTINGS.items())
        schema_editor.execute(f"ALTER TABLE {TABLE} SET ({options})")


def revert(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET ({', '.join(SETTINGS)})")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_immutable_history")]
    operations = [migrations.RunPython(apply, revert)]
