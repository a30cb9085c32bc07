#!/usr/bin/env python
"""Caller look-up on ring (issue 5): how long the agent console takes to find
the caller by phone number among 1,000,000 customers, and to assemble the
whole pop (products with warranty, open work orders and complaints with
deadlines, last contacts).

    .venv/bin/python bench/caller_lookup.py [--recreate] [--customers 1000000] [--lookups 2000]

Uses a dedicated PostgreSQL database (default
postgres://postgres@127.0.0.1:5432/servicedesk_bench_calls, or
--database-url / BENCH_CALLS_DATABASE_URL) and writes only there. With
--recreate (or when it has fewer customers than asked) it is dropped,
migrated and filled with plain SQL (INSERT ... SELECT over generate_series):

| table | rows |
|---|---|
| customers | --customers |
| phones | one 13x mobile each, one in ten also a 010 landline |
| addresses | one each |
| customer products | 60% of customers, purchase dates over 3 years |
| work orders | one per 4 customers (kinds and states mixed, 30% open), with respond/arrive deadlines |
| calls | one per 2 customers over the last year, with their agent |

Then times, in-process, the functions the console itself calls
(calls.console): `customer_by_phone` (the indexed match) and `caller_file`
(the whole pop, as the demo agent sees it) for --lookups random numbers,
90% of them known and 10% unknown, after a warm-up. Prints p50/p95/p99/max
in milliseconds and the queries of one pop.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/servicedesk_bench_calls"
PROTECTED = {"servicedesk", "servicedesk_dev", "servicedesk_bench", "postgres"}


def psql(url, sql, db=None):
    parsed = urlparse(url)
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    args = ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-h", parsed.hostname or "127.0.0.1",
            "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres", "-d", db or parsed.path[1:], "-c", sql]
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicedesk.settings"
    import django

    django.setup()


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def filler(table, given):
    """SQL values for the NOT NULL columns of `table` that `given` does not
    set: the schema moves while others work, the fill must not break."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL", [table])
        rows = cursor.fetchall()
    defaults = {"boolean": "false", "integer": "0", "smallint": "0", "bigint": "0", "jsonb": "'{}'::jsonb",
                "timestamp with time zone": "now()", "date": "current_date", "numeric": "0", "interval": "'0'"}
    extra = {}
    for name, kind in rows:
        if name not in given and name != "id":
            extra[name] = defaults.get(kind, "''")
    return extra


def insert_select(table, columns: dict, source: str):
    from django.db import connection

    columns = {**columns, **filler(table, columns)}
    names = ", ".join(f'"{name}"' for name in columns)
    values = ", ".join(columns.values())
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {values} FROM {source}")


def fill(n):
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    from servicedesk.accounts.models import User
    from servicedesk.customers.models import ProductCategory
    from tickets.models import WorkOrder

    call_command("migrate", interactive=False, verbosity=0)
    agent, _ = User.objects.get_or_create(username="agent", defaults={"first_name": "Bench agent"})
    agent.groups.add(Group.objects.get_or_create(name="agent")[0])
    cats = [ProductCategory.objects.get_or_create(slug=s, defaults={"name": s})[0].pk
            for s in ("gas_water_heater", "water_purifier", "air_conditioner", "energy_saving_lamp")]
    ct = ContentType.objects.get_for_model(WorkOrder).pk
    t0 = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
    insert_select("customers_customer", {"id": "g", "name": "'客户' || g", "vip": "g % 100 = 0", "note": "''",
                                         "created_at": "now() - (g % 1000) * interval '1 day'"},
                  f"generate_series(1, {n}) g")
    insert_select("customers_customerphone", {"customer_id": "g", "number": "(13000000000 + g * 7)::text",
                                              "primary": "true"}, f"generate_series(1, {n}) g")
    insert_select("customers_customerphone", {"customer_id": "g", "number": "'010' || lpad(g::text, 8, '0')",
                                              "primary": "false"}, f"generate_series(10, {n}, 10) g")
    insert_select("customers_address", {"customer_id": "g", "text": "'北京市朝阳区建国路' || g || '号'"},
                  f"generate_series(1, {n}) g")
    insert_select(
        "customers_customerproduct",
        {
            "customer_id": "g", "category_id": f"(ARRAY{cats})[1 + g % 4]", "model": "'M' || (g % 97)",
            "serial": "'SN' || g", "purchase_date": "current_date - (g % 1095)",
            "proof_of_purchase": "CASE WHEN g % 5 = 0 THEN '' ELSE 'INV' || g END",
        },
        f"generate_series(1, {n}) g WHERE g % 10 < 6",
    )
    states = (
        "ARRAY['received','dispatched','accepted','closed','closed','closed','closed','cancelled','resolved','closed']"
    )
    kinds = "ARRAY['repair','repair','install','maintenance','emergency']"
    insert_select("tickets_workorder", {
        "id": "g", "number": "'WO' || lpad(g::text, 10, '0')", "kind": f"({kinds})[1 + g % 5]",
        "state": f"({states})[1 + (g / 4) % 10]", "customer_id": "(g * 4) - 3 + (g % 4)", "description": "'故障' || g",
        "reported_at": "now() - (g % 365) * interval '1 day'", "created_at": "now()", "updated_at": "now()",
        "created_by_id": str(agent.pk), "owner_id": str(agent.pk)}, f"generate_series(1, {n // 4}) g")
    for kind, hours in (("respond", 24), ("arrive", 24)):
        insert_select(
            "deadlines_deadline",
            {
                "content_type_id": str(ct),
                "object_id": "id",
                "kind": f"'{kind}'",
                "started_at": "reported_at",
                "due_at": f"reported_at + interval '{hours} hours'",
                "paused_seconds": "0",
                "escalation_level": "0",
                "met_at": "CASE WHEN state IN ('received','dispatched','accepted') THEN NULL "
                "ELSE reported_at + interval '3 hours' END",
            },
            "tickets_workorder",
        )
    insert_select("calls_call", {
        "call_id": "'bench-' || g", "channel": "'phone'", "state": "'ended'", "caller": "(13000000000 + g * 14)::text",
        "customer_id": "g * 2", "agent_id": str(agent.pk), "owner_id": str(agent.pk),
        "rang_at": "now() - (g % 365) * interval '1 day'",
        "answered_at": "now() - (g % 365) * interval '1 day' + interval '6 seconds'",
        "ended_at": "now() - (g % 365) * interval '1 day' + interval '3 minutes'", "created_at": "now()"},
        f"generate_series(1, {n // 2}) g")
    with connection.cursor() as cursor:
        for table in ("customers_customer", "tickets_workorder", "calls_call"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE")
    print(f"filled in {time.monotonic() - t0:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_CALLS_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE of the match query")
    args = parser.parse_args()
    db = urlparse(args.database_url).path[1:]
    if db in PROTECTED:
        sys.exit(f"refusing to write to {db}")
    exists = psql(args.database_url, f"SELECT 1 FROM pg_database WHERE datname = '{db}'", db="postgres").strip()
    if args.recreate or not exists:
        psql(args.database_url, f'DROP DATABASE IF EXISTS "{db}"', db="postgres")
        psql(args.database_url, f'CREATE DATABASE "{db}"', db="postgres")
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from calls import console
    from servicedesk.accounts.models import User
    from servicedesk.customers.models import Customer

    call_command("migrate", interactive=False, verbosity=0)
    if Customer.objects.count() < args.customers:
        if Customer.objects.exists():
            sys.exit("the database holds fewer customers than asked: run with --recreate")
        fill(args.customers)
    agent = User.objects.get(username="agent")
    n = Customer.objects.count()
    rng = random.Random(7)
    numbers = []
    for _ in range(args.lookups):
        if rng.random() < 0.9:
            numbers.append(str(13000000000 + rng.randint(1, n) * 7))
        else:
            numbers.append(str(15900000000 + rng.randint(1, 10**6)))  # nobody's
    for number in numbers[:200]:  # warm-up: connections, translations, plans
        console.caller_file(number, user=agent)
    # Interleaved, so a burst of load from elsewhere on the shared machine
    # weighs on all three alike; `SELECT 1` is the floor: one round trip to
    # PostgreSQL through the same connection, no table.
    floor, match, whole = [], [], []
    with connection.cursor() as cursor:
        for number in numbers:
            t = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            floor.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            console.customer_by_phone(number)
            match.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            console.caller_file(number, user=agent)
            whole.append((time.perf_counter() - t) * 1000)
    known = str(13000000000 + 4 * 7)  # customer 4: a product, an order, calls
    with CaptureQueriesContext(connection) as queries:
        console.customer_by_phone(known)
        found = console.caller_file(known, user=agent)
    print(f"customers {n:,}; lookups {len(numbers)} (90% known); PostgreSQL {connection.pg_version}")
    for name, values in (("SELECT 1 (floor)", floor), ("customer_by_phone", match),
                         ("caller_file (whole pop)", whole)):
        print(f"{name:26s} p50 {statistics.median(values):6.2f} ms  p95 {percentile(values, .95):6.2f} ms  "
              f"p99 {percentile(values, .99):6.2f} ms  max {max(values):6.2f} ms")
    print(f"one pop of a known caller: {len(queries) - 1} queries "
          f"({len(found.products)} products, {len(found.work_orders)} open orders, {len(found.contacts)} contacts)")
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}; nproc {os.cpu_count()}")
    if args.explain:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + queries.captured_queries[0]["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
