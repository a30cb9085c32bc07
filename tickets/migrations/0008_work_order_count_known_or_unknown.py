# The counters of migration 0007, corrected after a review (tickets/counting.py):
#
# - The triggers never create a counter row. Rows are made only by a recount
#   (64 of them); with none, the count stays unknown (the lists count the
#   table) until `manage.py recount_work_orders`. Before, a create after the
#   counters were emptied inserted a row holding only its own delta, and an
#   unknown count became a wrong one.
# - When all 64 rows are held by other transactions, the create waits for
#   its backend's row instead of inserting one.
# - TRUNCATE leaves 64 rows at zero: an empty table's count is known.
# - The functions' search_path is the schema the migration runs in, by name
#   (`SET search_path FROM CURRENT` stored "$user", public, which each
#   invoking role resolves on its own).
#
# The functions are replaced in place (the triggers keep calling them), then
# the orders are recounted with the table locked against writes, as in 0007.

import importlib

from django.db import migrations

SHARDS = 64

FUNCTIONS = """
SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION tickets_workorder_count_rows() RETURNS trigger LANGUAGE plpgsql
SET search_path = {schema}, pg_catalog AS $$
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
    -- This backend's row if free, else any row no other transaction holds:
    -- a create never waits on another's counter (nor deadlocks through one)
    -- while fewer than {shards} transactions write at once.
    SELECT shard INTO target FROM tickets_workordercount
        ORDER BY shard = mod(pg_backend_pid(), {shards}) DESC, random()
        LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF target IS NULL THEN
        -- Every row held by another transaction: wait for this backend's.
        -- No rows at all: the count is unknown, and stays so (no row is
        -- ever created here) until a recount.
        target := mod(pg_backend_pid(), {shards});
    END IF;
    UPDATE tickets_workordercount SET n = n + delta WHERE shard = target;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION tickets_workorder_count_reset() RETURNS trigger LANGUAGE plpgsql
SET search_path = {schema}, pg_catalog AS $$
BEGIN
    -- An emptied table holds no orders: the count is known, zero.
    DELETE FROM tickets_workordercount;
    INSERT INTO tickets_workordercount (shard, n) SELECT s, 0 FROM generate_series(0, {last}) AS s;
    RETURN NULL;
END;
$$;
"""


def replace_functions(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from tickets.counting import recount_work_orders

    with connection.cursor() as cur:
        cur.execute("SELECT current_schema()")
        schema = cur.fetchone()[0]
    schema_editor.execute(FUNCTIONS.format(schema=connection.ops.quote_name(schema), shards=SHARDS, last=SHARDS - 1))
    recount_work_orders(connection)


def restore_0007(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from tickets.counting import recount_work_orders

    previous = importlib.import_module("tickets.migrations.0007_work_order_count")
    schema_editor.execute(previous.DROP)
    schema_editor.execute(previous.CREATE)
    recount_work_orders(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_work_order_count")]

    operations = [migrations.RunPython(replace_functions, restore_0007)]
