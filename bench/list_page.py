#!/usr/bin/env python
"""First page of the work-order list on the seeded benchmark database
(bench/seed_work_orders.py): latency and SQL queries per request.

    .venv/bin/python bench/list_page.py [--runs 50] [--warmup 5] [--json out.json]

Each case is requested in-process through Django's test Client, logged in
(session) as the demo `dispatcher`, who sees every order: the whole Django
and DRF stack runs (middleware, authentication, filters, pagination,
serialisation), only the HTTP server and network are left out. For each case:
median and p95 wall time over --runs requests after --warmup requests, the
number of SQL queries of one request and the time of its slowest query
(CaptureQueriesContext, measured in a separate request so the capture does
not weigh on the timings). Finally EXPLAIN (ANALYZE, BUFFERS) of the slowest
query of all, or of every case's slowest query with --explain-all.

Settings: DATABASE_URL of the bench database, DEBUG off (as in production),
SECURE_SSL_REDIRECT off (the test client speaks plain HTTP), static files
collected to /tmp/servicedesk-bench-static for the manifest the pages need.
Nothing is written to the database except the session of the forced login.
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
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/servicedesk_bench"


def setup(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicedesk.settings"
    # Pages need the static manifest, as in production: collect into /tmp.
    os.environ["STATIC_ROOT"] = "/tmp/servicedesk-bench-static"
    import django
    from django.core.management import call_command

    django.setup()
    # The tree moves on after seeding: bring the bench database's schema along.
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


CLK_TCK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid):
    """CPU seconds used so far by the PostgreSQL backend `pid` (same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--user", default="dispatcher")
    parser.add_argument("--only", help="run only the cases whose name contains this")
    parser.add_argument("--explain-all", action="store_true", help="EXPLAIN the slowest query of every case")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--gc-freeze", action="store_true",
                        help="gc.freeze() after start-up, as bin/gunicorn.conf.py does in the workers")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="after the timings, cProfile N requests of each case and print the top functions")
    args = parser.parse_args()
    setup(args.database_url)

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve

    from servicedesk.accounts.models import User
    from tickets.models import WorkOrder

    total = WorkOrder.objects.count()
    if total < 1000:
        sys.exit(f"only {total} work orders in {args.database_url}: run bench/seed_work_orders.py first")
    busiest = (
        WorkOrder.objects.filter(technician__isnull=False).values("technician_id")
        .annotate(n=Count("id")).order_by("-n").first()
    )
    tech_id = busiest["technician_id"]

    if args.gc_freeze:
        import gc

        gc.collect()
        gc.freeze()
    client = Client()
    client.force_login(User.objects.get(username=args.user))

    api = "/api/v1/work-orders/"
    cases = [
        ("api: no filter", api),
        ("api: state=received", api + "?state=received"),
        ("api: kind=emergency", api + "?kind=emergency"),
        (f"api: technician={tech_id} ({busiest['n']} orders)", api + f"?technician={tech_id}"),
        ("api: overdue=true", api + "?overdue=true"),
        ("api: state=dispatched&overdue=true", api + "?state=dispatched&overdue=true"),
    ]
    try:
        resolve("/work-orders/")
        cases += [
            ("page: /work-orders/", "/work-orders/"),
            ("page: /work-orders/?overdue=true", "/work-orders/?overdue=true"),
            ("page: /work-orders/?state=received", "/work-orders/?state=received"),
        ]
    except Resolver404:
        print("no HTML list page at /work-orders/ yet: skipped")
    if args.only:
        cases = [c for c in cases if args.only in c[0]]

    # The machine may be shared: say how busy it was (1-minute load average).
    load_before = os.getloadavg()[0]
    print(f"{total:,} work orders; user {args.user}; {args.runs} runs after {args.warmup} warm-up requests each; "
          f"load {load_before:.2f}\n")
    # Wall times suffer from whatever else runs on the machine; CPU time per
    # request does much less: this process (Django, DRF) plus its PostgreSQL
    # backend (not counting parallel query workers), from /proc. On an idle
    # machine a request takes about that long.
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    header = (f"{'case':48} {'status':>6} {'count':>9} {'median ms':>10} {'p95 ms':>8} {'min ms':>7} "
              f"{'cpu py+pg ms':>13} {'queries':>8} {'slowest q ms':>13}")
    print(header)
    print("-" * len(header))
    results = []
    for name, url in cases:
        response = None
        for _ in range(args.warmup):
            response = client.get(url)
        timings = []
        py0, pg0 = time.process_time(), backend_cpu(backend)
        for _ in range(args.runs):
            t = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - t) * 1000)
        cpu_py = (time.process_time() - py0) * 1000 / args.runs
        cpu_pg = (backend_cpu(backend) - pg0) * 1000 / args.runs
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        queries = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
        slowest = max(queries) if queries else (0.0, "")
        count = None
        if response.get("Content-Type", "").startswith("application/json"):
            count = response.json().get("count")
        row = {
            "case": name, "url": url, "status": response.status_code, "count": count,
            "median_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
            "min_ms": round(min(timings), 1), "cpu_py_ms": round(cpu_py, 1), "cpu_pg_ms": round(cpu_pg, 1),
            "queries": len(queries),
            "slowest_query_ms": round(slowest[0], 1), "slowest_query": slowest[1],
            "query_ms": [round(q[0], 1) for q in queries],
        }
        results.append(row)
        print(f"{name:48} {row['status']:>6} {count if count is not None else '-':>9} {row['median_ms']:>10} "
              f"{row['p95_ms']:>8} {row['min_ms']:>7} {row['cpu_py_ms']:>6}+{row['cpu_pg_ms']:<6} "
              f"{row['queries']:>8} {row['slowest_query_ms']:>13}")

    load_after = os.getloadavg()[0]
    print(f"\n1-minute load average: {load_before:.2f} at the start, {load_after:.2f} at the end")
    for row in results:
        row["load_before"], row["load_after"] = round(load_before, 2), round(load_after, 2)
    print("\nper-query times of one request (ms):")
    for row in results:
        print(f"  {row['case']}: {row['query_ms']}")

    to_explain = results if args.explain_all else [max(results, key=lambda r: r["slowest_query_ms"])]
    for row in to_explain:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the slowest query of '{row['case']}' "
              f"({row['slowest_query_ms']} ms):\n{row['slowest_query']}\n")
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + row["slowest_query"])
            print("\n".join(r[0] for r in cur.fetchall()))
        row["explain"] = True

    if args.profile:
        import cProfile
        import io
        import pstats

        for name, url in cases:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.profile):
                client.get(url)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
            print(f"\ncProfile of {args.profile} requests of '{name}' (times are totals over them):")
            print(out.getvalue())

    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
