"""The work-order list of the API (api-contract.md, Work orders: filters
state, kind, technician, overdue=true): the right orders for each filter,
every row complete, and a number of SQL queries that does not grow with the
page. How fast it is on a million orders is measured in bench/, not here."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import api_for
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/work-orders/"


def create(by, phone, *, kind="repair", days_ago=0, product=True, **extra):
    body = {
        "kind": kind, "description": "热水器点不着火",
        "customer": {"name": "王伟", "phone": phone, "address": "北京市朝阳区建国路88号"},
        "reported_at": (timezone.now() - datetime.timedelta(days=days_ago)).isoformat(),
        **extra,
    }
    if product:
        body["product"] = {"category": "gas_water_heater", "model": "JSQ25", "serial": f"SN{phone}",
                           "purchase_date": "2025-01-10"}
    r = api_for(by).post(LIST, body, format="json")
    assert r.status_code == 201, r.content
    return r.json()["id"]


def act(by, order_id, action, body):
    r = api_for(by).post(f"{LIST}{order_id}/{action}/", body, format="json")
    assert r.status_code == 200, r.content


def listed(user, query=""):
    r = api_for(user).get(LIST + query)
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["count"] == len(data["results"])
    return {row["id"] for row in data["results"]}


@pytest.fixture
def orders(agent, dispatcher, tech1, tech2):
    """late: received two days ago, its deadlines overdue; fresh: an emergency
    just reported (30 minutes to arrive); sent: dispatched to tech1; dropped:
    reported two days ago and cancelled, its deadlines closed."""
    o = {
        "late": create(agent, "13800000001", days_ago=2),
        "fresh": create(agent, "13800000002", kind="emergency"),
        "sent": create(agent, "13800000003", kind="install"),
        "dropped": create(agent, "13800000004", days_ago=2),
    }
    act(dispatcher, o["sent"], "dispatch", {"technician": tech1.pk})
    act(agent, o["dropped"], "cancel", {"reason": "客户取消"})
    return o


def test_each_filter_lists_the_right_orders(dispatcher, tech1, tech2, orders):
    o = orders
    assert listed(dispatcher) == set(o.values())
    assert listed(dispatcher, "?state=received") == {o["late"], o["fresh"]}
    assert listed(dispatcher, "?state=received&state=dispatched") == {o["late"], o["fresh"], o["sent"]}
    assert listed(dispatcher, "?kind=emergency") == {o["fresh"]}
    assert listed(dispatcher, "?kind=repair&kind=install") == {o["late"], o["sent"], o["dropped"]}
    assert listed(dispatcher, f"?technician={tech1.pk}") == {o["sent"]}
    assert listed(dispatcher, f"?technician={tech2.pk}") == set()
    assert listed(dispatcher, "?overdue=true") == {o["late"]}
    assert listed(dispatcher, "?overdue=false") == {o["fresh"], o["sent"], o["dropped"]}
    assert listed(dispatcher, "?state=received&overdue=true") == {o["late"]}
    assert listed(dispatcher, "?state=dispatched&overdue=true") == set()


def test_the_newest_report_comes_first(dispatcher, orders):
    rows = api_for(dispatcher).get(LIST).json()["results"]
    reported = [row["reported_at"] for row in rows]
    assert reported == sorted(reported, reverse=True)


def test_a_row_shows_customer_product_region_technician_and_deadlines(agent, dispatcher, tech1):
    RegionFactory(code="bj-chaoyang", name="朝阳区", province="北京市")
    order_id = create(agent, "13800000009")
    act(dispatcher, order_id, "dispatch", {"technician": tech1.pk})
    (row,) = api_for(dispatcher).get(LIST).json()["results"]
    assert row["id"] == order_id
    assert row["customer"]["phone"] == "13800000009"
    assert row["customer"]["address"] == "北京市朝阳区建国路88号"
    assert row["product"]["category"] == "gas_water_heater"
    assert row["product"]["serial"] == "SN13800000009"
    assert row["category"] == "gas_water_heater"
    assert row["region"] == "朝阳区"
    assert row["technician"] == tech1.pk
    assert row["technician_name"] == tech1.user.display_name
    assert sorted(d["kind"] for d in row["deadlines"]) == ["arrive", "respond"]


def test_a_page_of_many_orders_costs_no_more_queries_than_a_page_of_two(
    agent, dispatcher, partner_user, tech1, django_assert_max_num_queries
):
    client = api_for(dispatcher)
    for n, by in enumerate([agent, partner_user]):
        order_id = create(by, f"1390000000{n}", external_ref=f"P-{n}" if by is partner_user else "")
        act(dispatcher, order_id, "dispatch", {"technician": tech1.pk})
    with CaptureQueriesContext(connection) as two:
        assert client.get(LIST).json()["count"] == 2
    queries_for_two = len(two.captured_queries)  # now: each request clears the query log
    for n in range(20):
        by = partner_user if n % 3 == 0 else agent
        order_id = create(by, f"1391000{n:04d}", product=n % 2 == 0, kind=["repair", "emergency"][n % 2],
                          external_ref=f"Q-{n}" if by is partner_user else "")
        if n % 4 == 0:
            act(dispatcher, order_id, "dispatch", {"technician": tech1.pk})
    with django_assert_max_num_queries(queries_for_two):
        assert len(client.get(LIST + "?page_size=25").json()["results"]) == 22


def test_the_overdue_page_costs_a_fixed_number_of_queries(agent, dispatcher, tech1, django_assert_max_num_queries):
    """overdue=true reads the orders' cached earliest open due time
    (next_due_at, tests/test_work_order_next_due.py): no deadline join, and
    no more queries for 22 overdue orders than for two."""
    client = api_for(dispatcher)
    for n in range(2):
        create(agent, f"1392000000{n}", days_ago=2)
    create(agent, "13920000009")  # not due yet
    with CaptureQueriesContext(connection) as two:
        assert client.get(LIST + "?overdue=true").json()["count"] == 2
    queries_for_two = len(two.captured_queries)  # now: each request clears the query log
    assert not any("deadlines_deadline" in q["sql"] and "COUNT" in q["sql"].upper() for q in two.captured_queries)
    for n in range(20):
        order_id = create(agent, f"1392100{n:04d}", days_ago=2, product=n % 2 == 0)
        if n % 4 == 0:
            act(dispatcher, order_id, "dispatch", {"technician": tech1.pk})
    with django_assert_max_num_queries(queries_for_two):
        data = client.get(LIST + "?overdue=true&page_size=25").json()
    assert data["count"] == 22 and len(data["results"]) == 22


def test_the_created_order_is_answered_as_it_reads_back(agent, partner_user, dispatcher, category, settings):
    """The 201 of a create is rendered from the order in memory (not read
    back with its relations): it must say exactly what a GET says after it,
    for every kind of caller and input, including masked phones."""
    settings.SERVICEDESK_MAX_BACKDATE_DAYS = 3650  # reported_at is a fixed date of 2026
    RegionFactory(code="bj-chaoyang", name="朝阳区", province="北京市")
    agent_api, partner_api = api_for(agent), api_for(partner_user)
    bodies = [
        (agent_api, {"kind": "repair", "description": "  热水器点不着火 ",
                     "customer": {"name": "王伟", "phone": "138 0000 0051", "address": "北京市朝阳区建国路88号"},
                     "product": {"category": category.slug, "model": "JSQ25", "serial": "SN51",
                                 "purchase_date": "2025-01-10"},
                     "reported_at": "2026-01-05T09:30:00+08:00"}),
        (agent_api, {"kind": "emergency", "description": "有燃气味",  # the same customer by phone, new address
                     "customer": {"name": "王伟", "phone": "13800000051", "address": "上海市浦东新区世纪大道1号"}}),
        (partner_api, {"kind": "install", "description": "新机安装", "external_ref": "P-51",
                       "customer": {"name": "李娜", "phone": "13900000052", "address": "北京市朝阳区望京西路1号"},
                       "product": {"category": category.slug, "serial": "SN52"}}),
    ]
    created = []
    for client, body in bodies:
        r = client.post(LIST, body, format="json")
        assert r.status_code == 201, r.content
        created.append((client, r.json()))
    customer_id = created[0][1]["customer"]["id"]
    r = agent_api.post(LIST, {"kind": "maintenance", "description": "更换滤芯", "customer": customer_id}, format="json")
    assert r.status_code == 201, r.content
    created.append((agent_api, r.json()))
    for client, answer in created:
        assert answer == client.get(f"{LIST}{answer['id']}/").json()
    assert created[0][1]["product"]["serial"] == "SN51" and created[0][1]["region"] == "朝阳区"
    assert created[2][1]["customer"]["phone"] == "139****0052"  # a partner sees it masked, in both
    assert len(created[1][1]["deadlines"]) == 2
    # Repeating a partner's external_ref answers 200 with the existing order.
    r = partner_api.post(LIST, bodies[2][1], format="json")
    assert r.status_code == 200 and r.json() == created[2][1]


def test_on_postgresql_the_planner_knows_how_few_deadlines_are_open(postgres):
    """Statistics on met_at and cancelled_at together (migration
    deadlines 0006): without them the overdue count scans every order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxkind FROM pg_statistic_ext WHERE stxname = 'deadline_open_mcv'")
        assert cursor.fetchall() == [(["m"],)]


def test_on_postgresql_autovacuum_keeps_the_work_order_table_fresh(postgres):
    """Migration tickets 0003: vacuum after 1% of the orders changed, not 20%,
    so the list's counts stay index-only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'tickets_workorder'")
        (options,) = cursor.fetchone()
    assert set(options) >= {"autovacuum_vacuum_scale_factor=0.01", "autovacuum_vacuum_insert_scale_factor=0.01"}


def test_the_list_loader_gives_each_row_the_same_relations_as_reading_them_one_by_one(
    agent, dispatcher, partner_user, tech1, django_assert_num_queries, django_assert_max_num_queries
):
    """tickets.selectors.load_list_relations fills the relations by hand (one
    query each, instead of prefetch_related): every row must serialize exactly
    as it does when each relation is read lazily from the database, for rows
    with every relation (partner, technician, product, owner, entitlement,
    phones, deadlines) and rows without, and serializing must then cost no
    query at all."""
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from tickets import selectors
    from tickets.models import WorkOrder
    from tickets.serializers import WorkOrderSerializer

    full = create(partner_user, "13920000001", external_ref="LOADER-1")
    act(dispatcher, full, "dispatch", {"technician": tech1.pk})
    bare = create(agent, "13920000002", product=False, kind="install")
    WorkOrder.objects.filter(pk=bare).update(owner=None, address=None)
    request = Request(APIRequestFactory().get(LIST))
    request.user = dispatcher

    def rows(qs):
        return WorkOrderSerializer(list(qs.order_by("id")), many=True, context={"request": request}).data

    lazy = rows(WorkOrder.objects.filter(pk__in=[full, bare]))  # each relation a query of its own
    loaded_qs = selectors.with_list_relations(WorkOrder.objects.filter(pk__in=[full, bare])).order_by("id")
    with django_assert_max_num_queries(12):  # the page, then at most one per relation
        loaded = list(loaded_qs)
    with django_assert_num_queries(0):
        data = WorkOrderSerializer(loaded, many=True, context={"request": request}).data
    assert data == lazy
    by_id = {row["id"]: row for row in data}
    assert by_id[full]["technician_name"] and by_id[full]["product"] and by_id[full]["entitlement"]
    assert by_id[full]["deadlines"] and by_id[full]["customer"]["phone"]
    assert by_id[bare]["product"] is None and by_id[bare]["owner"] is None and by_id[bare]["customer"]["address"] == ""
    # The queryset stays lazy and chainable: filtered, sliced and fetched with .get().
    one = selectors.with_list_relations(WorkOrder.objects.all()).filter(pk=full).get()
    with django_assert_num_queries(0):
        assert one.technician.user.username == tech1.user.username and list(one.deadlines.all())
    # values() rows are not model instances: the loader leaves them alone.
    assert list(selectors.with_list_relations(WorkOrder.objects.filter(pk=bare)).values_list("pk", flat=True)) == [bare]

    # Anything built on the loaded relations stays scoped to its order, as
    # after prefetch_related: never the whole deadline or phone table.
    full_row, bare_row = loaded
    mine = set(full_row.deadlines.values_list("pk", flat=True))
    assert mine and mine.isdisjoint(bare_row.deadlines.values_list("pk", flat=True))
    assert {d.pk for d in full_row.deadlines.all()} == mine
    assert set(full_row.deadlines.all().filter(kind="arrive").values_list("pk", flat=True)) <= mine
    assert full_row.deadlines.all().aggregate(n=Count("id"))["n"] == len(mine)
    assert {d.pk for d in full_row.deadlines.all().iterator()} == mine
    assert full_row.deadlines.all().last().pk in mine
    assert [p.number for p in full_row.customer.phones.all().filter(primary=True)] == ["13920000001"]


def test_the_list_loader_keeps_what_was_already_loaded_and_never_leaves_rows_half_loaded(
    dispatcher, tech1, django_assert_max_num_queries, monkeypatch
):
    from tickets import selectors
    from tickets.models import WorkOrder

    ids = [create(dispatcher, f"1393000000{n}") for n in range(3)]
    for order_id in ids:
        act(dispatcher, order_id, "dispatch", {"technician": tech1.pk})
    # select_related on top: the technician's station stays loaded (no query per row).
    rows = list(
        selectors.with_list_relations(WorkOrder.objects.filter(pk__in=ids)).select_related("technician__station")
    )
    with django_assert_max_num_queries(0):
        assert {row.technician.station_id for row in rows} == {tech1.station_id}
        assert [row.technician.station for row in rows] == [tech1.station] * 3
        assert all(row.customer.phones.all() for row in rows)
    # A loader that fails leaves no result behind: evaluated again, the rows are loaded again.
    qs = selectors.with_list_relations(WorkOrder.objects.filter(pk__in=ids))
    real = selectors.load_list_relations
    calls = []

    def flaky(orders):
        calls.append(len(orders))
        if len(calls) == 1:
            raise ConnectionError("lost the database mid-load")
        real(orders)

    monkeypatch.setattr(qs, "_loaders", (flaky,))
    with pytest.raises(ConnectionError):
        list(qs)
    rows = list(qs)
    assert calls == [3, 3]
    with django_assert_max_num_queries(0):
        assert all(row.technician.user.username == tech1.user.username for row in rows)


def test_the_list_loader_completes_what_select_related_brought(
    dispatcher, tech1, category, django_assert_max_num_queries
):
    """A technician or product the caller's select_related already brought
    still gets its user or category from the loader: one query for all rows,
    not one per row."""
    from tickets import selectors
    from tickets.models import WorkOrder

    ids = [create(dispatcher, f"1397000000{n}") for n in range(3)]
    for order_id in ids:
        act(dispatcher, order_id, "dispatch", {"technician": tech1.pk})
    rows = list(
        selectors.with_list_relations(WorkOrder.objects.filter(pk__in=ids)).select_related("technician", "product")
    )
    with django_assert_max_num_queries(0):
        assert {row.technician.user.username for row in rows} == {tech1.user.username}
        assert {row.product.category.slug for row in rows} == {"gas_water_heater"}


def test_the_list_loader_runs_after_a_failed_prefetch_per_iterator_chunk_and_on_a_union(
    dispatcher, tech1, django_assert_max_num_queries, monkeypatch
):
    """The loader is not skipped when prefetch_related failed on the first
    evaluation, runs once per chunk of `.iterator()`, and follows the loaded
    queryset into a union whichever side it is on."""
    from django.db.models import query as django_query

    from tickets import selectors
    from tickets.models import WorkOrder

    ids = [create(dispatcher, f"1398000000{n}") for n in range(5)]
    for order_id in ids:
        act(dispatcher, order_id, "dispatch", {"technician": tech1.pk})

    def relations_loaded(rows):
        with django_assert_max_num_queries(0):
            assert {row.technician.user.username for row in rows} == {tech1.user.username}
            assert all(row.customer.phones.all() and row.deadlines.all() for row in rows)

    qs = selectors.with_list_relations(WorkOrder.objects.filter(pk__in=ids)).prefetch_related("events")
    real_prefetch = django_query.prefetch_related_objects
    attempts = []

    def prefetch_once_failing(*args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("lost the database mid-prefetch")
        return real_prefetch(*args, **kwargs)

    monkeypatch.setattr(django_query, "prefetch_related_objects", prefetch_once_failing)
    with pytest.raises(ConnectionError):
        list(qs)
    monkeypatch.setattr(django_query, "prefetch_related_objects", real_prefetch)
    relations_loaded(list(qs))

    seen = []

    def counting(rows):
        seen.append(len(rows))
        selectors.load_list_relations(rows)

    chunked = WorkOrder.objects.filter(pk__in=ids).order_by("id").loading(counting)
    rows = list(chunked.iterator(chunk_size=2))
    assert seen == [2, 2, 1] and [row.pk for row in rows] == sorted(ids)
    relations_loaded(rows)

    loaded = selectors.with_list_relations(WorkOrder.objects.filter(pk__in=ids[:2])).order_by()
    plain = WorkOrder.objects.filter(pk__in=ids[2:]).order_by()
    for combined in (plain.union(loaded), loaded.union(plain)):
        rows = list(combined)
        assert sorted(row.pk for row in rows) == sorted(ids)
        relations_loaded(rows)
