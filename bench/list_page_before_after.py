#!/usr/bin/env python
"""The list API's first page before and after the changes the list benchmark
led to (docs/benchmarks.md), on the seeded bench database, requests
interleaved so that changes in machine load hit both alike.

    .venv/bin/python bench/list_page_before_after.py [--runs 30]

"before" puts back, for the duration of the run only:
- DISTINCT on the state and kind filters (django-filter's default);
- the ten-table select_related of the list rows;
- no index deadline_open_type_due and no statistics deadline_open_mcv
  (dropped in the bench database, then created again as migration
  deadlines 0006 does, and the table analysed).
Since the index and statistics exist or not for the whole database, the run
goes in two halves (before, then after) for the overdue cases, and
interleaved for the others. Only ever run on the bench database.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from list_page import DEFAULT_URL, percentile, setup  # noqa: E402 - needs the sys.path line above

DROP = ["DROP INDEX IF EXISTS deadline_open_type_due", "DROP STATISTICS IF EXISTS deadline_open_mcv",
        "ANALYZE deadlines_deadline"]
CREATE = [
    "CREATE INDEX IF NOT EXISTS deadline_open_type_due ON deadlines_deadline (content_type_id, due_at, object_id) "
    "WHERE cancelled_at IS NULL AND met_at IS NULL",
    "CREATE STATISTICS IF NOT EXISTS deadline_open_mcv (mcv) ON met_at, cancelled_at FROM deadlines_deadline",
    "VACUUM ANALYZE deadlines_deadline",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        parser.error("only for a benchmark database (its name must contain 'bench')")
    setup(args.database_url)

    from django.db import connection
    from django.db.models import Prefetch
    from django.test import Client

    from servicedesk.accounts.models import User
    from servicedesk.deadlines.models import Deadline
    from tickets import selectors
    from tickets.api import WorkOrderFilter

    after_relations = selectors.with_list_relations

    def before_relations(qs):
        return qs.select_related(
            "customer", "address", "category", "region", "technician__user", "product__category", "partner"
        ).prefetch_related(
            Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at", "id")), "customer__phones"
        )

    def use(before):
        selectors.with_list_relations = before_relations if before else after_relations
        for name in ("state", "kind"):
            WorkOrderFilter.base_filters[name].distinct = before

    def sql(statements):
        connection.close()
        with connection.cursor() as cur:
            for s in statements:
                cur.execute(s)

    client = Client()
    client.force_login(User.objects.get(username="dispatcher"))
    api = "/api/v1/work-orders/"
    plain = [api, api + "?state=received", api + "?kind=emergency", api + "?technician=117"]
    overdue = [api + "?overdue=true", api + "?state=dispatched&overdue=true"]

    def timed(url):
        t = time.perf_counter()
        r = client.get(url)
        assert r.status_code == 200, r.status_code
        return (time.perf_counter() - t) * 1000

    results = {}
    with open("/proc/loadavg") as f:
        print("load before:", f.read().split()[:3])
    for url in plain:
        samples = {True: [], False: []}
        for i in range(args.runs + 3):
            for before in (True, False):
                use(before)
                ms = timed(url)
                if i >= 3:
                    samples[before].append(ms)
        results[url] = samples
    for url in overdue:
        results[url] = {True: [], False: []}
    try:
        sql(DROP)
        use(True)
        for url in overdue:
            for i in range(args.runs + 3):
                ms = timed(url)
                if i >= 3:
                    results[url][True].append(ms)
    finally:
        sql(CREATE)
    use(False)
    for url in overdue:
        for i in range(args.runs + 3):
            ms = timed(url)
            if i >= 3:
                results[url][False].append(ms)
    with open("/proc/loadavg") as f:
        print("load after:", f.read().split()[:3])

    print(f"\n{'case':52} {'before p50':>10} {'p95':>7} {'after p50':>10} {'p95':>7}")
    for url, s in results.items():
        print(f"{url:52} {statistics.median(s[True]):10.1f} {percentile(s[True], .95):7.1f} "
              f"{statistics.median(s[False]):10.1f} {percentile(s[False], .95):7.1f}")


if __name__ == "__main__":
    main()
