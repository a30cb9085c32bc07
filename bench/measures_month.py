#!/usr/bin/env python
"""A month's measures over the million work orders of bench/seed_work_orders.py
(issue 19 item 8: at most 300 ms, exact). Results: docs/benchmarks.md, Measures.

    .venv/bin/python bench/measures_month.py [--database-url URL] [--runs 20] [--month YYYY-MM] [--explain]

In-process, DEBUG off: `measures.selectors.measures(scope)` (what
GET /api/v1/measures/ answers, without HTTP) for the last full month, then
with a technician filter; median and p95 over the runs, the SQL queries per
call and the slowest one. Exactness: the live counts are compared with an
independent count in plain SQL (respond, arrive of emergencies and not),
and there is nothing pre-aggregated to drift.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/servicedesk_bench"


def setup(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ["DJANGO_SETTINGS_MODULE"] = "servicedesk.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--month", default=None)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    setup(args.database_url)

    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from measures import selectors
    from measures.scope import month_scope
    from tickets.models import WorkOrder

    if args.month is None:
        first = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        args.month = first.strftime("%Y-%m")
    scope = month_scope(args.month)
    print(f"orders: {WorkOrder.objects.count():,}; month {args.month} ({scope.start} .. {scope.end})")

    busiest = (WorkOrder.objects.filter(reported_at__gte=scope.start, reported_at__lt=scope.end,
                                        technician__isnull=False)
               .values("technician").order_by().annotate(n=Count("pk"))
               .order_by("-n").first())
    cases = [("whole organisation", scope)]
    if busiest:
        cases.append((f"technician {busiest['technician']}", scope.with_filters(technician=busiest["technician"])))

    for name, case in cases:
        with CaptureQueriesContext(connection) as ctx:
            answer = selectors.measures(case)
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
        median, p95 = timed(lambda c=case: selectors.measures(c), args.runs)
        print(f"\n{name}: median {median:.1f} ms, p95 {p95:.1f} ms over {args.runs} runs; "
              f"{len(ctx.captured_queries)} queries, slowest {float(slowest['time']) * 1000:.1f} ms")
        for row in answer["measures"]:
            print(f"  {row['code']:32} {row['numerator']:>8} / {row['denominator']:<8} {row['rate']}")
        if args.explain:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                print("\n".join(r[0] for r in cursor.fetchall()))

    # Exact: an independent count in plain SQL of three deadline measures.
    by_code = {r["code"]: r for r in selectors.measures(scope)["measures"]}
    sql = """
        SELECT count(*) FILTER (WHERE d.met_at <= d.due_at), count(*)
        FROM deadlines_deadline d JOIN tickets_workorder o ON o.id = d.object_id
        JOIN django_content_type ct ON ct.id = d.content_type_id AND ct.app_label = 'tickets' AND ct.model = 'workorder'
        WHERE d.kind = %s AND d.cancelled_at IS NULL AND d.due_at >= %s AND d.due_at < %s
          AND (d.met_at IS NOT NULL OR (d.due_at < now() AND d.paused_at IS NULL)) {extra}
    """
    checks = [("respond_within_24h", "respond", ""), ("arrive_within_24h", "arrive", "AND o.kind <> 'emergency'"),
              ("emergency_within_30_min", "arrive", "AND o.kind = 'emergency'")]
    with connection.cursor() as cursor:
        for code, kind, extra in checks:
            cursor.execute(sql.format(extra=extra), [kind, scope.start, scope.end])
            n, d = cursor.fetchone()
            same = (n, d) == (by_code[code]["numerator"], by_code[code]["denominator"])
            print(f"exact {code}: SQL {n}/{d}, measures {by_code[code]['numerator']}/"
                  f"{by_code[code]['denominator']}: {'same' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
