"""The counters of all work orders (tickets.models.WorkOrderCount), kept by
the triggers of migrations 0007 and 0008 on PostgreSQL.

They stay exact through everything the product and PostgreSQL do with
triggers on. Rebuild them (`manage.py recount_work_orders`) after anything
that writes work orders with triggers off or copies the counters as data:
a data-only restore (`pg_restore --disable-triggers`, or into a database
already migrated), a logical-replication subscriber (`session_replication_role
= replica` skips triggers), `loaddata` of a dump that has both.

A recount writes all 64 rows; the triggers only ever update them (never
create one: migration 0008) and TRUNCATE sets them to zero. Fewer than 64
rows means the counters were damaged or emptied: the count is unknown
(`WorkOrderCount.total()` is None) and the lists count the table until the
next recount."""

from django.db import connection as default_connection
from django.db import transaction

from tickets.models import WorkOrderCount

SHARDS = WorkOrderCount.SHARDS


def recount_work_orders(connection=None) -> int:
    """Count the orders with the table locked against writes and store the
    result in the counters (shard 0, the other shards at zero). Returns the
    count. PostgreSQL only; in the caller's transaction, or its own (the
    locks last until it ends)."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        raise RuntimeError("the work-order counters exist on PostgreSQL only")
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('tickets_workordercount'))")
        cur.execute("LOCK TABLE tickets_workorder IN SHARE ROW EXCLUSIVE MODE")
        cur.execute("SELECT count(*) FROM tickets_workorder")
        total = cur.fetchone()[0]
        cur.execute("DELETE FROM tickets_workordercount")
        cur.execute(
            "INSERT INTO tickets_workordercount (shard, n) SELECT s, CASE WHEN s = 0 THEN %s ELSE 0 END "
            "FROM generate_series(0, %s) AS s", [total, SHARDS - 1])
    return total
