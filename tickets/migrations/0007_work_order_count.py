# The number of work orders, kept by triggers (PostgreSQL only), so the
# unfiltered list's count reads 16 small rows instead of counting a million
# index entries (tickets.models.WorkOrderCount, servicedesk/core/paginator.py,
# docs/benchmarks.md).
#
# Statement-level triggers with transition tables: one counter upsert per
# INSERT or DELETE statement, whatever its number of rows (bulk inserts of
# the benchmark seed included). The row updated is the backend's shard
# (pg_backend_pid() mod 16): two connections creating orders at once never wait
# on the same counter row. TRUNCATE empties the counters (test flushes).
# The initial count is taken with the table locked against writes (SHARE),
# in the migration's transaction, so no order is counted twice or missed.

from django.db import migrations, models

SHARDS = 16

CREATE = f"""
CREATE FUNCTION tickets_workorder_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO delta FROM new_rows;
    ELSE
        SELECT -count(*) INTO delta FROM old_rows;
    END IF;
    IF delta <> 0 THEN
        INSERT INTO tickets_workordercount (shard, n) VALUES (mod(pg_backend_pid(), {SHARDS}), delta)
        ON CONFLICT (shard) DO UPDATE SET n = tickets_workordercount.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION tickets_workorder_count_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tickets_workordercount;
    RETURN NULL;
END;
$$;

CREATE TRIGGER tickets_workorder_count_insert AFTER INSERT ON tickets_workorder
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tickets_workorder_count_rows();
CREATE TRIGGER tickets_workorder_count_delete AFTER DELETE ON tickets_workorder
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tickets_workorder_count_rows();
CREATE TRIGGER tickets_workorder_count_truncate AFTER TRUNCATE ON tickets_workorder
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_workorder_count_reset();

LOCK TABLE tickets_workorder IN SHARE MODE;
DELETE FROM tickets_workordercount;
INSERT INTO tickets_workordercount (shard, n) SELECT 0, count(*) FROM tickets_workorder;
"""

DROP = """
DROP TRIGGER IF EXISTS tickets_workorder_count_insert ON tickets_workorder;
DROP TRIGGER IF EXISTS tickets_workorder_count_delete ON tickets_workorder;
DROP TRIGGER IF EXISTS tickets_workorder_count_truncate ON tickets_workorder;
DROP FUNCTION IF EXISTS tickets_workorder_count_rows();
DROP FUNCTION IF EXISTS tickets_workorder_count_reset();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_kind_count_index")]

    operations = [
        migrations.CreateModel(
            name="WorkOrderCount",
            fields=[
                ("shard", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("n", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "work-order count", "verbose_name_plural": "work-order counts"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
