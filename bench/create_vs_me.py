#!/usr/bin/env python
"""A work-order create against the cheapest authenticated read (issue 18, item 1).

    .venv/bin/python bench/create_vs_me.py [--runs 300] [--database-url URL] [--profile N] [--list]
        [--close-after-request]

In one process, through Django's test Client with an API token (the agent),
DEBUG off: POST /api/v1/work-orders/ (a new customer phone every time, half
with a product) and GET /api/v1/me/, interleaved request by request so both
meet the same machine load. Prints per request kind the median and p90 of the
wall time and of this process's CPU time, the ratio of the medians (goal: at
most 2.5), and the SQL of one create and one /me/. The database (default
postgres://postgres@127.0.0.1:5432/sd_bench_create) is created, migrated and
seeded (`seed_demo --force --orders 0`) when absent; every run adds --runs
orders to it. `--profile N` then profiles N creates under cProfile.

`--list` adds GET /api/v1/work-orders/ (first page, 25 rows) to the
interleaving: a read of some size beside the cheapest one. The connection
settings come from the environment as in production: CONN_MAX_AGE (here 3600
unless set), DB_POOL_MAX_SIZE / DB_POOL_MIN_SIZE (psycopg 3's pool; 0: off),
DB_PREPARE_THRESHOLD and DB_SERVER_SIDE_BINDING (docs/deployment.md). Django's
test Client keeps the connection between requests whatever they say;
`--close-after-request` ends each request as a WSGI server does
(`close_old_connections()`, timed with the request): a new connection per
request with CONN_MAX_AGE=0, a return to the pool and a checkout with the pool.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_bench_create"


def setup(url):
    from create_load import Payloads  # noqa: F401 - checks the sibling is importable before Django

    os.environ.update(
        DATABASE_URL=url, DEBUG="0", SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-not-secret",
        ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="0", DJANGO_SETTINGS_MODULE="servicedesk.settings",
        LOG_LEVEL="WARNING", DEMO_PASSWORD=os.environ.get("DEMO_PASSWORD") or "demo-servicedesk",
        CONN_MAX_AGE=os.environ.get("CONN_MAX_AGE", "3600"), STATIC_ROOT="/tmp/servicedesk-bench-static",
        # far above the contract's per-token floor, or the bench measures the throttle
        SERVICEDESK_API_RATE_PER_MINUTE="10000000", SERVICEDESK_API_BURST="100000",
    )
    os.environ.pop("REDIS_URL", None)
    from urllib.parse import urlparse

    from pgconnect import connect

    p = urlparse(url)
    admin = connect(url, dbname="postgres", autocommit=True)
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [p.path.lstrip("/")])
        fresh = cur.fetchone() is None
        if fresh:
            cur.execute(f'CREATE DATABASE "{p.path.lstrip("/")}"')
    admin.close()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if fresh:
        call_command("seed_demo", "--force", "--orders", "0", verbosity=0)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_CREATE_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--list", action="store_true", help="also GET /api/v1/work-orders/ (25 rows)")
    parser.add_argument("--close-after-request", action="store_true",
                        help="close_old_connections() after each request, as a WSGI server does")
    args = parser.parse_args()
    setup(args.database_url)

    from create_load import Payloads
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from servicedesk.accounts.models import ApiToken, User

    token, _ = ApiToken.objects.get_or_create(user=User.objects.get(username="agent"))
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    payloads = Payloads(seed=7)

    def create():
        r = client.post("/api/v1/work-orders/", data=json.dumps(payloads.next(False)), content_type="application/json")
        assert r.status_code == 201, r.content[:300]

    def me():
        r = client.get("/api/v1/me/")
        assert r.status_code == 200, r.content[:300]

    def work_orders():
        r = client.get("/api/v1/work-orders/")
        assert r.status_code == 200, r.content[:300]

    kinds = [("create", create), ("me", me)] + ([("list", work_orders)] if args.list else [])
    if args.close_after_request:
        kinds = [(name, lambda fn=fn: (fn(), close_old_connections())) for name, fn in kinds]
    db = connection.settings_dict
    print(f"driver {connection.Database.__name__} {connection.Database.__version__.split()[0]}; "
          f"CONN_MAX_AGE {db['CONN_MAX_AGE']}; pool {db['OPTIONS'].get('pool') or 'off'}; "
          f"prepare_threshold {db['OPTIONS'].get('prepare_threshold')}; "
          f"server_side_binding {db['OPTIONS'].get('server_side_binding')}; "
          f"close after request: {args.close_after_request}")
    for _ in range(args.warmup):
        for _name, fn in kinds:
            fn()
    sql = {}
    for name, fn in kinds:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        sql[name] = [q["sql"] for q in ctx.captured_queries]
    load = os.getloadavg()[0]
    wall = {name: [] for name, _ in kinds}
    cpu = {name: [] for name, _ in kinds}
    for _ in range(args.runs):
        for name, fn in kinds:
            t, c = time.perf_counter(), time.process_time()
            fn()
            wall[name].append((time.perf_counter() - t) * 1000)
            cpu[name].append((time.process_time() - c) * 1000)
    load_end = os.getloadavg()[0]
    print(f"\n{args.runs} of each, interleaved; 1-minute load {load:.2f} at start, {load_end:.2f} at the end")
    print("| request | queries | wall p50 ms | wall p90 ms | CPU p50 ms | CPU p90 ms |")
    print("|---|---|---|---|---|---|")
    for name, _ in kinds:
        print(f"| {name} | {len(sql[name])} | {statistics.median(wall[name]):.2f} | {pct(wall[name], 90):.2f} "
              f"| {statistics.median(cpu[name]):.2f} | {pct(cpu[name], 90):.2f} |")
    print(f"ratio create / me, medians: wall {statistics.median(wall['create']) / statistics.median(wall['me']):.2f}, "
          f"CPU {statistics.median(cpu['create']) / statistics.median(cpu['me']):.2f}")
    if args.show_sql:
        for name, queries in sql.items():
            print(f"\nSQL of one {name} ({len(queries)}):")
            for n, q in enumerate(queries, 1):
                print(f"  {n:2}. {' '.join(q.split())[:160]}")
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.profile):
            create()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
