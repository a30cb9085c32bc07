"""A work-order create at a few times the cost of the cheapest read (issue 18,
item 1): a fixed, small number of queries through the real API with a token;
the answer built from what the service wrote (equal to a GET); the SLA
policies and regions read once per process and dropped on change, in this
process at once and in the others through the shared cache's version; a new
customer written without savepoints, two creates with one new phone still one
customer. bench/create_vs_me.py measures the times (docs/benchmarks.md)."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from billing.models import WarrantyTerm
from billing.selectors.fees import WARRANTY_TERMS
from servicedesk.accounts.models import ApiToken, Region
from servicedesk.core.process_cache import ProcessCache
from servicedesk.customers.models import Customer, CustomerPhone, CustomerProduct, ProductCategory
from servicedesk.customers.services import ACTIVE_CATEGORIES, REGIONS
from servicedesk.deadlines.models import SlaPolicy
from servicedesk.deadlines.services import POLICIES
from tests.concurrency import at_once
from tests.conftest import api_for

H = datetime.timedelta(hours=1)
# SQLite (the embedded mode) takes two more: the roles in a query of their own (PostgreSQL
# aggregates them into the token's), and the number's UPDATE (no trigger completes it).
SQLITE_EXTRA = 0 if connection.vendor == "postgresql" else 2


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.create(user=user).key}")
    return client


def body(phone, **extra):
    return {"kind": "repair", "description": "热水器点不着火",
            "customer": {"name": "周杰", "phone": phone, "address": "上海市浦东新区世纪大道100号"}, **extra}


def respond_due(answer):
    return {d["kind"]: d["due_at"] for d in answer["deadlines"]}["respond"]


@pytest.mark.django_db
def test_a_create_with_a_new_customer_runs_at_most_a_dozen_queries_and_answers_as_a_get(
    agent, django_assert_max_num_queries
):
    client = token_client(agent)
    assert client.post("/api/v1/work-orders/", body("137 0000 0001"), format="json").status_code == 201  # warm

    # token with the roles; BEGIN; phone look-up; customer, phone, address, order (with its
    # next due time, and on PostgreSQL its number), history, entitlement, both deadlines in one
    # INSERT; COMMIT (SQLite: one UPDATE for the number). No savepoint, nothing read back, no
    # policy or region query.
    with django_assert_max_num_queries(11 + SQLITE_EXTRA) as queries:
        r = client.post("/api/v1/work-orders/", body("137 0000 0002"), format="json")
    assert r.status_code == 201, r.content
    statements = [q["sql"] for q in queries.captured_queries]
    # The one savepoint is the service's transaction inside the test's own (BEGIN in production).
    assert sum(s.startswith("SAVEPOINT") for s in statements) == 1
    assert not [s for s in statements if "deadlines_slapolicy" in s or "accounts_region" in s]

    created = r.json()
    assert created == client.get(f"/api/v1/work-orders/{created['id']}/").json()
    assert created["customer"]["phone"] and len(created["deadlines"]) == 2


@pytest.mark.django_db
def test_a_create_for_a_known_customer_with_a_product_stays_bounded_and_answers_as_a_get(
    agent, category, django_assert_max_num_queries
):
    client = token_client(agent)
    ProcessCache.clear_all()  # the fixtures' product line as if committed long ago: kept from now on
    first = client.post("/api/v1/work-orders/", body("137 0000 0003", product={"category": category.slug}),
                        format="json").json()  # warm: the product lines and warranty terms read once
    product = {"category": category.slug, "model": "M1", "serial": "S-1", "purchase_date": "2025-06-01"}
    with django_assert_max_num_queries(12 + SQLITE_EXTRA) as queries:
        r = client.post("/api/v1/work-orders/", body("13700000003", product=product), format="json")
    assert r.status_code == 201, r.content
    statements = [q["sql"] for q in queries.captured_queries]
    # The product line and its warranty terms are kept per process; a known customer's
    # products are looked up for the serial, once.
    assert not [s for s in statements if "customers_productcategory" in s or "billing_warrantyterm" in s]
    assert sum('FROM "customers_customerproduct"' in s for s in statements) == 1
    assert r.json()["customer"]["id"] == first["customer"]["id"]
    assert r.json() == client.get(f"/api/v1/work-orders/{r.json()['id']}/").json()


@pytest.mark.django_db
def test_a_policy_changed_in_this_process_applies_to_the_next_create(agent):
    client = api_for(agent)
    before = client.post("/api/v1/work-orders/", body("137 0000 0004"), format="json").json()
    assert POLICIES._value is not None  # read once, kept

    policy = SlaPolicy.objects.get(code="work-order-respond")
    policy.duration = 2 * H
    policy.save()  # the admin saves this way: post_save drops the copy

    after = client.post("/api/v1/work-orders/", body("137 0000 0005"), format="json").json()
    reported = datetime.datetime.fromisoformat(after["reported_at"])
    assert datetime.datetime.fromisoformat(respond_due(after)) - reported == 2 * H
    assert datetime.datetime.fromisoformat(respond_due(before)) - datetime.datetime.fromisoformat(
        before["reported_at"]) == 24 * H


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_committed_elsewhere_reaches_this_process_through_the_shared_version(agent):
    loads = []
    table = ProcessCache("test-table", lambda: loads.append(1) or len(loads), check_every=0)
    try:
        assert table.get() == 1 and table.get() == 1  # kept
        # Another process committed a change: its bump of the shared version (what invalidate() does on commit).
        cache.set(table.key, 41, None)
        assert table.get() == 2
        assert table.get() == 2
        # And a region saved here (committed at once: no transaction) bumps the regions' version for the others.
        version = cache.get(REGIONS.key, 0)
        Region.objects.create(code="hz", name="杭州", province="浙江省")
        assert cache.get(REGIONS.key) == version + 1
        assert "杭州" in [r.name for r in REGIONS.get()]
    finally:
        ProcessCache._all.remove(table)


@pytest.mark.django_db
def test_the_shared_version_is_asked_for_at_most_once_a_second(monkeypatch):
    from servicedesk.core import process_cache

    clock = [1000.0]
    monkeypatch.setattr(process_cache.time, "monotonic", lambda: clock[0])
    asked = []
    real_get = process_cache.cache.get
    monkeypatch.setattr(process_cache.cache, "get",
                        lambda key, default=None: asked.append(key) or real_get(key, default))
    loads = []
    table = ProcessCache("test-table-2", lambda: loads.append(1) or len(loads))
    try:
        assert table.get() == 1 and len(asked) == 1
        cache.set(table.key, 7, None)  # another process committed a change
        clock[0] += 0.5
        assert table.get() == 1 and len(asked) == 1  # within the second: neither asked nor reloaded
        clock[0] += 0.6
        assert table.get() == 2 and len(asked) == 2  # a second later: asked, and reloaded
        assert table.get() == 2 and len(asked) == 2
        table.invalidate()  # a change in this process is seen at once
        assert table.get() == 3
    finally:
        ProcessCache._all.remove(table)
        cache.delete(table.key)


@pytest.mark.django_db
def test_a_region_added_is_matched_by_the_next_create(agent):
    client = api_for(agent)
    client.post("/api/v1/work-orders/", body("137 0000 0006"), format="json")
    Region.objects.create(code="hz", name="杭州", province="浙江省")
    r = client.post("/api/v1/work-orders/", {**body("137 0000 0007"), "customer": {
        "name": "周杰", "phone": "137 0000 0007", "address": "浙江省杭州市西湖区文三路1号"}}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["region"] == "杭州"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_creates_with_one_new_phone_at_once_make_one_customer(postgres, agent):
    def create():
        return api_for(agent).post("/api/v1/work-orders/", body("137 0000 0008"), format="json")

    for _ in range(3):
        results = at_once(create, create)
        assert [r.status_code for r in results] == [201, 201], [r.content for r in results]
    customers = {r.json()["customer"]["id"] for r in results}
    assert len(customers) == 1
    assert CustomerPhone.objects.filter(number="13700000008").count() == 1
    assert Customer.objects.filter(phones__number="13700000008").count() == 1
    assert not Customer.objects.filter(phones__isnull=True, work_orders__isnull=True).exists()  # no orphan left


@pytest.mark.django_db
def test_the_rows_handed_to_the_relations_read_without_a_query_and_still_filter(agent, django_assert_num_queries):
    from tickets.services import work_order_create

    order, created = work_order_create(by=agent, kind="repair", description="x", customer={
        "name": "周杰", "phone": "13700000009", "address": "上海市浦东新区世纪大道100号"})
    assert created
    with django_assert_num_queries(0):
        assert sorted(d.kind for d in order.deadlines.all()) == ["arrive", "respond"]
        assert [p.number for p in order.customer.phones.all()] == ["13700000009"]
    # Chained, they query as any relation does.
    assert order.deadlines.filter(kind="respond").count() == 1
    assert order.customer.phones.filter(primary=True).count() == 1


@pytest.mark.django_db
def test_a_token_request_reads_the_roles_with_the_user(postgres, agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = token_client(agent)
    with CaptureQueriesContext(connection) as queries:
        r = client.get("/api/v1/me/")
    assert r.status_code == 200
    assert r.json()["roles"] == ["agent"]
    first = queries.captured_queries[0]["sql"]
    assert "accounts_apitoken" in first and "auth_group" in first  # one query: token, user and groups
    assert not [q for q in queries.captured_queries[1:] if q["sql"].lstrip().startswith('SELECT "auth_group"')]


@pytest.mark.django_db
def test_a_new_customer_with_a_product_is_not_asked_for_products_it_cannot_have(
    agent, category, django_assert_max_num_queries
):
    client = token_client(agent)
    ProcessCache.clear_all()  # the fixtures' product line as if committed long ago: kept from now on
    client.post("/api/v1/work-orders/", body("137 0000 0010", product={"category": category.slug}),
                format="json")  # warm: the product lines and warranty terms read once
    product = {"category": category.slug, "model": "M1", "serial": "S-2", "purchase_date": "2025-06-01",
               "proof_of_purchase": "receipt"}
    with django_assert_max_num_queries(12 + SQLITE_EXTRA) as queries:
        r = client.post("/api/v1/work-orders/", body("137 0000 0011", product=product), format="json")
    assert r.status_code == 201, r.content
    assert not [q for q in queries.captured_queries if 'FROM "customers_customerproduct"' in q["sql"]]
    answer = r.json()
    assert answer["product"]["serial"] == "S-2" and answer["category"] == category.slug
    assert answer == client.get(f"/api/v1/work-orders/{answer['id']}/").json()
    # The same serial again for this customer, now known: the same product, not a second one.
    again = client.post("/api/v1/work-orders/", body("137 0000 0011", product=product), format="json").json()
    assert again["product"]["id"] == answer["product"]["id"]
    assert CustomerProduct.objects.filter(serial="S-2").count() == 1


@pytest.mark.django_db
def test_a_product_line_deactivated_or_added_is_seen_by_the_next_create(agent, category):
    client = api_for(agent)
    ProcessCache.clear_all()  # the fixtures' product line as if committed long ago: kept from now on
    product = {"category": category.slug, "model": "M1", "serial": "S-3"}
    assert client.post("/api/v1/work-orders/", body("137 0000 0012", product=product), format="json").status_code == 201
    assert ACTIVE_CATEGORIES._value is not None  # read once, kept

    category.active = False
    category.save()
    r = client.post("/api/v1/work-orders/", body("137 0000 0013", product=product), format="json")
    assert r.status_code == 400
    assert list(r.json()["product"]) == ["category"]

    ProductCategory.objects.create(slug="range_hood", name="油烟机")
    r = client.post("/api/v1/work-orders/", body("137 0000 0014", product={**product, "category": "range_hood"}),
                    format="json")
    assert r.status_code == 201, r.content
    assert r.json()["category"] == "range_hood"


@pytest.mark.django_db
def test_a_warranty_term_changed_applies_to_the_next_create(agent, category):
    client = api_for(agent)
    WarrantyTerm.objects.filter(category=category).delete()
    term = WarrantyTerm.objects.create(category=category, months=12)
    ProcessCache.clear_all()  # the rows above as if committed long ago: kept from now on
    product = {"category": category.slug, "model": "M1", "serial": "S-4", "purchase_date": "2025-06-01",
               "proof_of_purchase": "invoice"}
    first = client.post("/api/v1/work-orders/", body("137 0000 0015", product=product), format="json").json()
    assert first["entitlement"]["term_months"] == 12
    assert WARRANTY_TERMS._value is not None  # read once, kept

    term.months = 36
    term.save()  # the admin saves this way: post_save drops the copy
    second = client.post("/api/v1/work-orders/", body("137 0000 0016", product=product), format="json").json()
    assert second["entitlement"]["term_months"] == 36
    assert second["entitlement"]["status"] == "in_warranty"


REPORTED = datetime.datetime(2026, 12, 6, 20, tzinfo=datetime.UTC)  # 7 December in Shanghai


def _bare_order(customer, **fields):
    from tickets.models import WorkOrder

    return WorkOrder.objects.create(kind="repair", customer=customer, description="x", reported_at=REPORTED,
                                    created_by=customer.agent, **fields)


@pytest.mark.django_db
def test_the_number_comes_back_from_the_insert_completed_by_the_database(postgres, agent, django_assert_num_queries):
    from django.test.utils import CaptureQueriesContext

    from tickets.models import WorkOrder, number_prefix

    assert number_prefix(REPORTED) == "WO20261207"
    customer = Customer.objects.create(name="周杰")
    customer.agent = agent
    with django_assert_num_queries(1):  # the INSERT alone, no UPDATE after it
        order = _bare_order(customer, number="WO20261207")
    assert order.number == f"WO20261207{order.pk:06d}"
    assert WorkOrder.objects.get(pk=order.pk).number == order.number

    # A seven-digit id keeps all its digits; a full number or none is left as given.
    assert _bare_order(customer, id=1234567, number="WO20261207").number == "WO202612071234567"
    assert _bare_order(customer, number="WO20990101000001").number == "WO20990101000001"
    assert _bare_order(customer, number=None).number is None

    # Through the API: the create runs no UPDATE of the order, and answers the stored number.
    client = token_client(agent)
    client.post("/api/v1/work-orders/", body("137 0000 0017"), format="json")  # warm
    with CaptureQueriesContext(connection) as queries:
        r = client.post("/api/v1/work-orders/", body("137 0000 0018"), format="json")
    assert r.status_code == 201, r.content
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "tickets_workorder"')]
    stored = WorkOrder.objects.get(pk=r.json()["id"])
    assert r.json()["number"] == stored.number == f"{number_prefix(stored.reported_at)}{stored.pk:06d}"


@pytest.mark.django_db
def test_without_the_trigger_the_service_completes_the_number(agent):
    """SQLite (the embedded mode) has no trigger: one UPDATE writes the number."""
    r = api_for(agent).post("/api/v1/work-orders/", body("137 0000 0019"), format="json")
    assert r.status_code == 201, r.content
    from tickets.models import WorkOrder, number_prefix

    stored = WorkOrder.objects.get(pk=r.json()["id"])
    assert r.json()["number"] == stored.number == f"{number_prefix(stored.reported_at)}{stored.pk:06d}"
