"""The count of all work orders kept by PostgreSQL triggers
(tickets.models.WorkOrderCount, migration tickets 0007): always equal to
COUNT(*), through the API's creates, bulk inserts, deletes and concurrent
creates on separate connections; used by the list's paginator only for a
whole-table list (a user who sees everything, unfiltered), never for a
filtered or restricted one. On SQLite there is no counter and the paginator
counts the table."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from tests.concurrency import at_once
from tests.conftest import api_for
from tickets.models import WorkOrder, WorkOrderCount

LIST = "/api/v1/work-orders/"


def create(by, phone, **extra):
    body = {"kind": "repair", "description": "热水器点不着火",
            "customer": {"name": "王伟", "phone": phone, "address": "北京市朝阳区建国路88号"}, **extra}
    r = api_for(by).post(LIST, body, format="json")
    assert r.status_code == 201, r.content
    return r.json()["id"]


def insert_copy_as_the_table_stands(order_id):
    """Insert a copy of an order naming only the columns the table has now."""
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "tickets_workorder")
                   if c.name not in ("id", "number")]
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        cursor.execute(f"INSERT INTO tickets_workorder ({names}) SELECT {names} FROM tickets_workorder WHERE id = %s",
                       [order_id])


def counted():
    return WorkOrderCount.total(connection)


def counts_the_table(captured):
    return [q["sql"] for q in captured if "COUNT(" in q["sql"].upper() and 'FROM "tickets_workorder"' in q["sql"]]


@pytest.mark.django_db
def test_the_counter_follows_creates_bulk_inserts_and_deletes(postgres, agent):
    assert counted() == WorkOrder.objects.count() == 0
    ids = [create(agent, f"1394000000{n}") for n in range(3)]
    assert counted() == WorkOrder.objects.count() == 3
    # A bulk insert (the benchmark seed's way) is counted by its row count.
    template = WorkOrder.objects.get(pk=ids[0])
    WorkOrder.objects.bulk_create([
        WorkOrder(kind="install", customer_id=template.customer_id, category_id=template.category_id,
                  created_by_id=template.created_by_id,
                  description=f"bulk {n}", reported_at=template.reported_at) for n in range(5)])
    assert counted() == WorkOrder.objects.count() == 8
    # Deleted rows are subtracted (orders are never deleted by the product; the counter stays exact anyway).
    doomed = WorkOrder.objects.filter(description__startswith="bulk")
    with connection.cursor() as cur:
        cur.execute("DELETE FROM tickets_workorder WHERE id = ANY(%s)", [list(doomed.values_list("pk", flat=True))])
    assert counted() == WorkOrder.objects.count() == 3


@pytest.mark.django_db
def test_the_unfiltered_list_reads_the_counter_and_every_other_list_counts(postgres, agent, dispatcher, partner_user):
    create(agent, "13940000010")
    create(agent, "13940000011", kind="emergency")
    create(partner_user, "13940000012", external_ref="CNT-1")
    with CaptureQueriesContext(connection) as whole:
        body = api_for(dispatcher).get(LIST).json()
    assert body["count"] == 3 and len(body["results"]) == 3
    assert counts_the_table(whole.captured_queries) == []
    assert any("tickets_workordercount" in q["sql"] for q in whole.captured_queries)

    with CaptureQueriesContext(connection) as filtered:
        assert api_for(dispatcher).get(LIST + "?kind=emergency").json()["count"] == 1
    assert len(counts_the_table(filtered.captured_queries)) == 1
    with CaptureQueriesContext(connection) as partner:
        assert api_for(partner_user).get(LIST).json()["count"] == 1  # only its own: counted, never the total
    assert len(counts_the_table(partner.captured_queries)) == 1

    # The HTML list of a dispatcher, unfiltered, shows the same number without counting.
    from django.test import Client

    client = Client()
    client.force_login(dispatcher)
    with CaptureQueriesContext(connection) as page:
        response = client.get("/work-orders/")
    assert response.status_code == 200 and response.context["page"].paginator.count == 3
    assert counts_the_table(page.captured_queries) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_on_separate_connections_are_all_counted(postgres, agent):
    """Creates on four connections at once: the sum of the counter rows is
    exact (that no create waits on another's row is shown by the
    lock_timeout test below)."""
    per_thread = 5

    def creates(t):
        return lambda: [create(agent, f"1395{t:03d}{n:04d}") for n in range(per_thread)]

    at_once(*(creates(t) for t in range(4)), timeout=120)
    assert counted() == WorkOrder.objects.count() == 4 * per_thread
    assert WorkOrderCount.objects.count() == WorkOrderCount.SHARDS


@pytest.mark.django_db
def test_without_postgresql_the_paginator_counts_the_table(agent, dispatcher, settings):
    """SQLite (and any database without the triggers): no counter, the usual COUNT(*)."""
    if connection.vendor == "postgresql":
        # Pretend the counter is unknown, as on SQLite: the list must count.
        # tickets.apps registered WorkOrderCount.total with the paginator at
        # start-up, so the registration is what is replaced here.
        from unittest import mock

        from servicedesk.core import paginator

        with mock.patch.dict(paginator._table_totals, {"tickets.workorder": lambda connection: None}):
            create(agent, "13940000020")
            with CaptureQueriesContext(connection) as unknown:
                assert api_for(dispatcher).get(LIST).json()["count"] == 1
        assert len(counts_the_table(unknown.captured_queries)) == 1
        return
    create(agent, "13940000020")
    assert WorkOrderCount.total(connection) is None
    assert api_for(dispatcher).get(LIST).json()["count"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_create_never_waits_for_a_counter_another_transaction_holds(postgres, agent):
    """Another transaction holds 63 of the 64 counter rows (as 63 creates not
    yet committed would): a create on this connection takes the free one at
    once (SKIP LOCKED) instead of waiting, with lock_timeout as the proof."""
    create(agent, "13960000001")
    holder = connections.create_connection("default")
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cur:
            cur.execute("SELECT shard FROM tickets_workordercount ORDER BY shard LIMIT 63 FOR UPDATE")
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '1s'")
            create(agent, "13960000002")
    finally:
        holder.rollback()
        holder.close()
    assert counted() == WorkOrder.objects.count() == 2


@pytest.mark.django_db
def test_the_counter_counts_writes_made_without_the_public_search_path(postgres, agent):
    """A restore (pg_dump's COPY) runs with an empty search_path: the trigger
    functions carry their own."""
    source = WorkOrder.objects.get(pk=create(agent, "13960000010"))
    columns = [f.column for f in WorkOrder._meta.concrete_fields if f.column not in ("id", "number")]
    names = ", ".join(f'"{c}"' for c in columns)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL search_path = ''")
        cur.execute(f"INSERT INTO public.tickets_workorder ({names}) SELECT {names} FROM public.tickets_workorder "
                    f"WHERE id = %s", [source.pk])
        cur.execute("SET LOCAL search_path TO DEFAULT")
    assert counted() == WorkOrder.objects.count() == 2


@pytest.mark.django_db
def test_recount_rebuilds_counters_that_were_copied_or_lost(postgres, agent, dispatcher):
    for n in range(3):
        create(agent, f"1396000011{n}")
    WorkOrderCount.objects.update(n=1000)  # as after a data-only restore of counters over counted rows
    assert counted() != 3
    out = StringIO()
    call_command("recount_work_orders", stdout=out)
    assert out.getvalue() == "3 work orders counted.\n"
    assert counted() == WorkOrder.objects.count() == 3
    assert WorkOrderCount.objects.count() == 64
    # No counter rows at all: unknown, and the list counts the table.
    WorkOrderCount.objects.all().delete()
    assert counted() is None
    assert api_for(dispatcher).get(LIST).json()["count"] == 3


@pytest.mark.django_db
def test_counters_emptied_or_damaged_stay_unknown_through_creates_until_a_recount(postgres, agent, dispatcher):
    """The triggers never create a counter row: a create after the counters
    were emptied leaves the count unknown (not the create's own 1), and the
    list counts the table; a missing row is as unknown as all of them."""
    for n in range(3):
        create(agent, f"1396000030{n}")
    WorkOrderCount.objects.all().delete()
    create(agent, "13960000310")
    assert WorkOrderCount.objects.count() == 0 and counted() is None
    with CaptureQueriesContext(connection) as unknown:
        assert api_for(dispatcher).get(LIST).json()["count"] == 4
    assert len(counts_the_table(unknown.captured_queries)) == 1

    call_command("recount_work_orders", stdout=StringIO())
    assert counted() == 4
    WorkOrderCount.objects.filter(shard=0).delete()  # the row that held the recount
    create(agent, "13960000311")
    assert counted() is None
    assert api_for(dispatcher).get(LIST).json()["count"] == 5


@pytest.mark.django_db(transaction=True)  # TRUNCATE refuses a table with deferred FK checks pending
def test_truncating_the_orders_leaves_a_known_zero(postgres, agent):
    for n in range(2):
        create(agent, f"1396000040{n}")
    with connection.cursor() as cur:
        cur.execute("TRUNCATE tickets_workorder CASCADE")
    assert WorkOrderCount.objects.count() == WorkOrderCount.SHARDS and counted() == 0
    create(agent, "13960000402")
    assert counted() == WorkOrder.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_recount_outside_a_transaction_takes_its_own(postgres, agent):
    from tickets.counting import recount_work_orders

    create(agent, "13960000501")
    WorkOrderCount.objects.update(n=7)
    assert connection.get_autocommit()  # LOCK TABLE needs a transaction block: the recount opens one
    assert recount_work_orders(connection) == 1 and counted() == 1


@pytest.mark.django_db
def test_the_trigger_functions_name_their_schema(postgres):
    """Pinned to the schema the migration ran in, not "$user", public (which
    each role that writes would resolve on its own)."""
    with connection.cursor() as cur:
        cur.execute("SELECT current_schema()")
        schema = cur.fetchone()[0]
        cur.execute("SELECT proname, proconfig FROM pg_proc WHERE proname LIKE 'tickets_workorder_count_%%' "
                    "ORDER BY proname")
        functions = cur.fetchall()
    assert [name for name, _config in functions] == ["tickets_workorder_count_reset", "tickets_workorder_count_rows"]
    assert all(config == [f"search_path={schema}, pg_catalog"] for _name, config in functions), functions


@pytest.mark.django_db(transaction=True)
def test_the_counter_migration_goes_back_and_forth(postgres, agent):
    """Unapplying 0008 restores 0007's functions; applying it again counts
    the orders there are."""
    first = create(agent, "13960000601")
    out = StringIO()
    try:
        call_command("migrate", "tickets", "0007", stdout=out)
        # Not through the API: the model has columns of later migrations the table lacks now.
        insert_copy_as_the_table_stands(first)
        assert counted() == WorkOrder.objects.count() == 2
    finally:
        # Every app to its latest: going back unapplied what depends on tickets 0008 too.
        call_command("migrate", stdout=out)
    assert counted() == WorkOrder.objects.count() == 2
    WorkOrderCount.objects.all().delete()
    create(agent, "13960000603")
    assert counted() is None


@pytest.mark.django_db
def test_only_a_list_of_one_row_per_order_takes_the_counter(postgres, agent, dispatcher):
    from django.db.models import F

    from servicedesk.core.paginator import CountingPaginator, whole_table

    create(agent, "13960000020")  # two deadlines: a join to them repeats the order
    orders = WorkOrder.objects.all()
    assert whole_table(orders) and whole_table(orders.select_related("customer"))
    repeated = orders.annotate(deadline=F("deadlines__id"))
    assert not whole_table(repeated) and not whole_table(orders.filter(kind="repair"))
    assert not whole_table(orders.extra(tables=["customers_customer"])) and not whole_table(orders.distinct())
    assert CountingPaginator(repeated, 25).count == repeated.count() == 2
    assert CountingPaginator(orders, 25).count == 1
