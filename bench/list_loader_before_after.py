#!/usr/bin/env python
"""The list API's first page with the relations loaded by prefetch_related
(before, 23 Nov 2026 afternoon) and by tickets.selectors.load_list_relations
(after), requests interleaved on the seeded bench database so that machine
load hits both alike; then the paginator's COUNT(*) of kind=emergency and of
the whole table with and without the index wo_kind (dropped inside a
transaction that is rolled back, so the database is left as it was).

    .venv/bin/python bench/list_loader_before_after.py [--runs 40]

Per case: median and p95 wall time, and the median Python CPU time of the
bench process per request (time.process_time), which other load disturbs
much less than wall time. Only ever run on a benchmark database.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from list_page import DEFAULT_URL, percentile, setup  # noqa: E402 - needs the sys.path line above


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        parser.error("only for a benchmark database (its name must contain 'bench')")
    setup(args.database_url)

    from django.db import connection, transaction
    from django.db.models import Prefetch
    from django.test import Client

    from servicedesk.accounts.models import User
    from servicedesk.customers.models import CustomerProduct
    from servicedesk.deadlines.models import Deadline
    from technicians.models import Technician
    from tickets import selectors

    after_relations = selectors.with_list_relations

    def before_relations(qs):  # with_list_relations as of commit 04b74c5
        return qs.prefetch_related(
            "customer", "address", Prefetch("product", queryset=CustomerProduct.objects.select_related("category")),
            "category", "region", "partner", "owner",
            Prefetch("technician", queryset=Technician.objects.select_related("user")),
            Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at", "id")), "customer__phones",
            "entitlement",
        )

    client = Client()
    client.force_login(User.objects.get(username="dispatcher"))
    api = "/api/v1/work-orders/"
    cases = [api + "?kind=emergency", api + "?state=received", api + "?overdue=true", api + "?technician=117", api]

    print("load before:", os.getloadavg()[0])
    print(f"\n{'case':42} {'side':7} {'p50 ms':>8} {'p95 ms':>8} {'py cpu p50 ms':>14}")
    for url in cases:
        samples = {"before": ([], []), "after": ([], [])}
        for i in range(args.runs + 3):
            for side, fn in (("before", before_relations), ("after", after_relations)):
                selectors.with_list_relations = fn
                c, w = time.process_time(), time.perf_counter()
                assert client.get(url).status_code == 200
                if i >= 3:
                    samples[side][0].append((time.perf_counter() - w) * 1000)
                    samples[side][1].append((time.process_time() - c) * 1000)
        for side, (wall, cpu) in samples.items():
            print(
                f"{url[len(api) - 1 :] or '/':42} {side:7} "
                f"{statistics.median(wall):8.1f} {percentile(wall, 0.95):8.1f} {statistics.median(cpu):14.1f}"
            )
    selectors.with_list_relations = after_relations

    print("\nCOUNT(*) execution time inside PostgreSQL (EXPLAIN ANALYZE), median of", args.runs)
    counts = {"kind=emergency": "SELECT COUNT(*) FROM tickets_workorder WHERE kind = 'emergency'",
              "whole table": "SELECT COUNT(*) FROM tickets_workorder"}

    def explain(sql):
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cur.fetchone()[0][0]
        node = plan["Plan"]
        while node.get("Plans") and "Index Name" not in node:
            node = node["Plans"][0]
        return plan["Execution Time"], node.get("Index Name", node["Node Type"])

    for name, sql in counts.items():
        for side in ("with wo_kind", "without"):
            with transaction.atomic():
                if side == "without":
                    with connection.cursor() as cur:
                        cur.execute("DROP INDEX wo_kind")
                runs = [explain(sql) for _ in range(args.runs)]
                transaction.set_rollback(True)
            print(f"  {name:16} {side:13} {statistics.median(r[0] for r in runs):7.1f} ms  ({runs[0][1]})")
    print("load after:", os.getloadavg()[0])


if __name__ == "__main__":
    main()
