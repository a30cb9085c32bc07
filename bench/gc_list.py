#!/usr/bin/env python
"""Garbage collection on the work-order list (issue 18, item 5).

    .venv/bin/python bench/gc_list.py [--blocks 30] [--per-block 20]

In one process, through Django's test Client with the agent's API token, DEBUG
off, on the database of bench/create_vs_me.py (created and seeded if absent):
GET /api/v1/work-orders/ (first page, 25 rows) in blocks that alternate
between Python's default collector (everything young, threshold 700) and what
gunicorn.conf.py and the Celery workers now do (start-up objects frozen with
gc.freeze(), threshold 7,000; gc.unfreeze() between blocks). Prints per side
the median, p99 and max of the wall time, the collections run, the time spent
in them (gc.callbacks) and the longest one.
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_CREATE_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/sd_bench_create"))
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--per-block", type=int, default=20)
    args = parser.parse_args()
    import create_vs_me

    create_vs_me.setup(args.database_url)
    from django.test import Client
    from django.urls import get_resolver

    from servicedesk.accounts.models import ApiToken, User

    token, _ = ApiToken.objects.get_or_create(user=User.objects.get(username="dispatcher"))
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    get_resolver().url_patterns  # noqa: B018 - as gunicorn.conf.py's post_worker_init

    collections = {"start": 0.0, "spent": [], "gen2": 0}

    def on_gc(phase, info):
        if phase == "start":
            collections["start"] = time.perf_counter()
        else:
            collections["spent"].append((time.perf_counter() - collections["start"]) * 1000)
            collections["gen2"] += info["generation"] == 2

    def request():
        r = client.get("/api/v1/work-orders/")
        assert r.status_code == 200, r.content[:200]

    for _ in range(20):
        request()
    sides = {"default": {"wall": [], "gc": [], "gen2": 0}, "frozen": {"wall": [], "gc": [], "gen2": 0}}
    gc.callbacks.append(on_gc)
    load = os.getloadavg()[0]
    for block in range(args.blocks):
        side = "default" if block % 2 == 0 else "frozen"
        gc.unfreeze()
        gc.collect()
        if side == "frozen":
            gc.freeze()
            gc.set_threshold(7000, 10, 10)
        else:
            gc.set_threshold(700, 10, 10)
        collections["spent"], collections["gen2"] = [], 0
        for _ in range(args.per_block):
            t = time.perf_counter()
            request()
            sides[side]["wall"].append((time.perf_counter() - t) * 1000)
        sides[side]["gc"] += collections["spent"]
        sides[side]["gen2"] += collections["gen2"]
    gc.callbacks.remove(on_gc)
    print(f"\n{args.blocks} blocks of {args.per_block} requests, alternating; 1-minute load {load:.2f} at start, "
          f"{os.getloadavg()[0]:.2f} at the end; objects tracked after start-up: {len(gc.get_objects()):,}")
    print("| collector | requests | p50 ms | p99 ms | max ms | collections | of them full | ms in GC per request "
          "| longest collection ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for side, s in sides.items():
        n = len(s["wall"])
        print(f"| {side} | {n} | {statistics.median(s['wall']):.1f} | {pct(s['wall'], 99):.1f} | {max(s['wall']):.1f} "
              f"| {len(s['gc'])} | {s['gen2']} | {sum(s['gc']) / n:.2f} | {max(s['gc'], default=0):.1f} |")


if __name__ == "__main__":
    main()
