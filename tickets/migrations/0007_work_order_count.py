# The number of work orders, kept by triggers (PostgreSQL only), so the
# unfiltered list's count reads 64 small rows instead of counting a million
# index entries (tickets.models.WorkOrderCount, tickets/counting.py,
# servicedesk/core/paginator.py, docs/benchmarks.md).
#
# Statement-level triggers with transition tables: one counter update per
# INSERT or DELETE statement, whatever its number of rows (bulk inserts and
# COPY included). The row updated is one no other transaction holds (SKIP
# LOCKED, the backend's own shard first), so creates never wait on each
# other's counter. TRUNCATE empties the counters (test flushes); no counter
# rows means "unknown" and the lists count the table. The functions carry
# their search_path (a restore runs with an empty one).
# The triggers and the initial count are made with the table locked against
# writes, in the migration's transaction, so no order is counted twice or
# missed; writes wait for it (about 2 s per million orders), and the
# migration gives up after 5 s rather than queue them behind a long
# transaction (run it again then).

from django.db import migrations, models

SHARDS = 64

CREATE = f"""
SET LOCAL lock_timeout = '5s';

CREATE FUNCTION tickets_workorder_count_rows() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    delta bigint;
    target smallint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT count(*) INTO delta FROM new_rows;
    ELSE
        SELECT -count(*) INTO delta FROM old_rows;
    END IF;
    IF delta = 0 THEN
        RETURN NULL;
    END IF;
    -- This backend's shard if free, else any shard no other transaction
    -- holds: a create never waits on another's counter row (nor deadlocks
    -- through one) while fewer than {SHARDS} transactions write at once.
    SELECT shard INTO target FROM tickets_workordercount
        ORDER BY shard = mod(pg_backend_pid(), {SHARDS}) DESC, random()
        LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF target IS NULL THEN
        INSERT INTO tickets_workordercount (shard, n) VALUES (mod(pg_backend_pid(), {SHARDS}), delta)
        ON CONFLICT (shard) DO UPDATE SET n = tickets_workordercount.n + EXCLUDED.n;
    ELSE
        UPDATE tickets_workordercount SET n = n + delta WHERE shard = target;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION tickets_workorder_count_reset() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM tickets_workordercount;
    RETURN NULL;
END;
$$;

LOCK TABLE tickets_workorder IN SHARE ROW EXCLUSIVE MODE;

CREATE TRIGGER tickets_workorder_count_insert AFTER INSERT ON tickets_workorder
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tickets_workorder_count_rows();
CREATE TRIGGER tickets_workorder_count_delete AFTER DELETE ON tickets_workorder
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tickets_workorder_count_rows();
CREATE TRIGGER tickets_workorder_count_truncate AFTER TRUNCATE ON tickets_workorder
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_workorder_count_reset();
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
        from tickets.counting import recount_work_orders

        schema_editor.execute(CREATE)
        recount_work_orders(schema_editor.connection)


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
