#!/usr/bin/env python
"""The overdue filter before and after next_due_at, interleaved in one
process so both halves meet the same machine load.

    .venv/bin/python bench/overdue_before_after.py [--runs 30]

"before": the filter as it was, an EXISTS over the deadline table
(tickets.selectors.overdue_from_deadlines, kept for the tests); "after": the
order's cached earliest open due time (overdue_condition, next_due_at). The
requests alternate before/after; each side reports median, p95 and min wall
time and the CPU per request of this process and of its PostgreSQL backend
(from /proc; parallel query workers not counted). Same database and
settings as bench/list_page.py.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from list_page import DEFAULT_URL, backend_cpu, percentile, setup  # noqa: E402 - needs the sys.path line above


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--user", default="dispatcher")
    args = parser.parse_args()
    setup(args.database_url)

    from django.db import connection
    from django.test import Client

    from servicedesk.accounts.models import User
    from tickets import selectors

    after_condition, before_condition = selectors.overdue_condition, selectors.overdue_from_deadlines
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    cases = [
        ("api: overdue=true", "/api/v1/work-orders/?overdue=true"),
        ("api: state=dispatched&overdue=true", "/api/v1/work-orders/?state=dispatched&overdue=true"),
        ("page: /work-orders/?overdue=true", "/work-orders/?overdue=true"),
    ]
    load_before = os.getloadavg()[0]
    print(f"{args.runs} interleaved requests per side; load {load_before:.2f}\n")
    print(f"{'case':38} {'side':7} {'count':>6} {'median ms':>10} {'p95 ms':>8} {'min ms':>7} {'cpu py+pg ms':>14}")
    for name, url in cases:
        sides = {"before": before_condition, "after": after_condition}
        timings = {s: [] for s in sides}
        cpu = {s: [0.0, 0.0] for s in sides}
        counts = {}
        for side, condition in sides.items():  # warm-up
            selectors.overdue_condition = condition
            for _ in range(3):
                response = client.get(url)
            if response.get("Content-Type", "").startswith("application/json"):
                counts[side] = response.json()["count"]
        for _ in range(args.runs):
            for side, condition in sides.items():
                selectors.overdue_condition = condition
                py0, pg0 = time.process_time(), backend_cpu(backend)
                t = time.perf_counter()
                response = client.get(url)
                timings[side].append((time.perf_counter() - t) * 1000)
                cpu[side][0] += time.process_time() - py0
                cpu[side][1] += backend_cpu(backend) - pg0
                assert response.status_code == 200, response.status_code
        selectors.overdue_condition = after_condition
        if counts and counts["before"] != counts["after"]:
            sys.exit(f"{name}: before counts {counts['before']}, after {counts['after']}")
        for side in sides:
            t = timings[side]
            print(f"{name:38} {side:7} {counts.get(side, '-')!s:>6} {statistics.median(t):>10.1f} "
                  f"{percentile(t, 0.95):>8.1f} {min(t):>7.1f} "
                  f"{1000 * cpu[side][0] / args.runs:>7.1f}+{1000 * cpu[side][1] / args.runs:<6.1f}")
    print(f"\n1-minute load average: {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
