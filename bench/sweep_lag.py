#!/usr/bin/env python
"""Escalation lag under a steady load (issue "Deadline engine", Benchmark section).

    .venv/bin/python bench/sweep_lag.py                     # 20 due/s for 180 s over 1,000,000 open
    .venv/bin/python bench/sweep_lag.py --rate 50 --duration 120 --open 100000

Run by hand, never from the test suite. Same database and organisation as
bench/sweep_bench.py (sd_bench_sweep; it is prepared the same way if absent).
Empties the deadline tables and fills --open open deadlines that are not
due during the run, then starts a real Celery worker and beat as
subprocesses:

    .venv/bin/celery -A servicedesk worker --concurrency 2
    .venv/bin/celery -A servicedesk beat --scheduler django_celery_beat.schedulers:DatabaseScheduler

with DATABASE_URL of the bench database and REDIS_URL=redis://127.0.0.1:6379/14
(a scratch DB, flushed before and after), so the sweep runs as in production:
the "Escalation sweep" periodic task of migration 0004 (every 15 s), and the
e-mail goes out through notifications.deliver_batch (dummy e-mail backend:
no SMTP server here).

While they run, a loop inserts, every 0.25 s, new deadlines on real work
orders so that --rate of them fall due per second (--lead seconds after the
insert, the warning already sent), and as many whose warning point falls
then (due 6 h later), for --duration seconds. The worker runs the deadline waker's thread
(servicedesk/deadlines/waker.py, issue 18) unless --no-waker. Afterwards it waits until all
were taken (bounded by --drain), stops worker and beat, and reports for
level 1: escalation.at - due_at (the sweep's clock when it started), the
notification's created_at - due_at (written in the sweep's transaction), the
e-mail's sent_at - due_at; p50, p90, p99, max; the same for the warnings
against warn_at; and the sweep task runs from the worker's log.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sweep_bench as sb  # noqa: E402 - needs the sys.path line above

ROOT = sb.ROOT
CELERY = str(ROOT / ".venv" / "bin" / "celery")


def start(args, env, logfile):
    out = open(logfile, "w")  # noqa: SIM115 - closed by the caller's process end
    return subprocess.Popen([CELERY, "-A", "servicedesk", *args], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc, name):
    if proc.poll() is not None:
        sb.log(f"{name} had already exited with {proc.returncode}")
        return
    os.killpg(proc.pid, signal.SIGTERM)  # its own process group: the worker's pool children too
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        sb.log(f"{name} did not stop in 30 s: SIGKILL")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    sb.log(f"{name} stopped ({proc.returncode})")


def wait_for(logfile, pattern, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, Path(logfile).read_text(errors="replace")):
            return True
        time.sleep(0.5)
    return False


def percentiles(cur, expr, where):
    cur.execute(f"""
        SELECT count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {expr}),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY {expr}),
               percentile_cont(0.99) WITHIN GROUP (ORDER BY {expr}),
               max({expr}), min({expr})
        FROM {where}""")
    n, p50, p90, p99, mx, mn = cur.fetchone()
    if not n:
        return f"{'n=0':>8}"
    return f"n={n:<6,} p50 {p50:7.3f}s  p90 {p90:7.3f}s  p99 {p99:7.3f}s  max {mx:7.3f}s  (min {mn:.3f}s)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_SWEEP_DATABASE_URL", sb.DEFAULT_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_SWEEP_REDIS_URL", sb.DEFAULT_REDIS))
    parser.add_argument("--rate", type=float, default=20, help="deadlines falling due per second (default 20)")
    parser.add_argument("--duration", type=float, default=180, help="seconds of load (default 180, at most 900)")
    parser.add_argument("--lead", type=float, default=5, help="seconds from insert to due (default 5)")
    parser.add_argument("--open", type=int, default=1_000_000, help="open deadlines not due during the run")
    parser.add_argument("--no-warnings", action="store_true", help="only level-1 steps, no warnings alongside")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2 = nproc here)")
    parser.add_argument("--no-waker", action="store_true",
                        help="the worker without the deadline waker's thread: escalation by the periodic sweep only")
    parser.add_argument("--drain", type=float, default=120, help="max seconds to wait for the last ones")
    args = parser.parse_args()
    args.duration = min(args.duration, 900)

    sb.setup_django(args.database_url, args.redis_url)
    from django.db import connection
    from django_celery_beat.models import PeriodicTask

    per_kind = int(args.rate * args.duration) + int(args.rate) + 10
    kinds = 1 if args.no_warnings else 2
    sb.flush_redis(args.redis_url)
    sb.prepare(args.database_url, False, per_kind * kinds)
    sb.fill(args.open, 0)
    sweep_task = PeriodicTask.objects.get(task="deadlines.sweep")
    PeriodicTask.objects.filter(pk=sweep_task.pk).update(enabled=True, last_run_at=None, total_run_count=0)
    every = f"{sweep_task.interval.every} {sweep_task.interval.period}"
    sb.log(f"periodic task {sweep_task.name!r}: every {every}, expires {sweep_task.expire_seconds} s")

    with connection.cursor() as cur:
        cur.execute("SELECT id FROM tickets_workorder WHERE number LIKE 'SWB%' ORDER BY id")
        orders = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM django_content_type WHERE app_label = 'tickets' AND model = 'workorder'")
        ct = cur.fetchone()[0]
    arrive = sb.policy_ids()["arrive"]
    due_orders, warn_orders = orders[:per_kind], orders[per_kind:per_kind * 2]
    connection.close()

    workdir = Path(tempfile.mkdtemp(prefix="sweep_lag_"))
    env = sb.bench_env(args.database_url, args.redis_url)
    env["LOG_LEVEL"] = "INFO"
    env["SERVICEDESK_DEADLINE_WAKER"] = "0" if args.no_waker else "1"
    worker_log, beat_log = workdir / "worker.log", workdir / "beat.log"
    procs = []
    try:
        worker = start(["worker", "--loglevel", "INFO", "--concurrency", str(args.concurrency),
                        "--hostname", "sweeplag@%h", "--without-gossip", "--without-mingle"], env, worker_log)
        procs.append((worker, "worker"))
        if not wait_for(worker_log, r"ready\.", 90):
            sys.exit(f"the worker did not start: see {worker_log}")
        beat = start(["beat", "--loglevel", "INFO", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                      "--pidfile", str(workdir / "beat.pid")], env, beat_log)
        procs.append((beat, "beat"))
        if not wait_for(beat_log, r"beat: Starting", 60):
            sys.exit(f"beat did not start: see {beat_log}")
        sb.log(f"worker (pid {worker.pid}) and beat (pid {beat.pid}) running; logs in {workdir}")
        load_before = os.getloadavg()

        # --- the load ---------------------------------------------------------
        from django.db import connection as conn

        t0 = time.monotonic()
        done = 0
        while True:
            elapsed = time.monotonic() - t0
            if elapsed >= args.duration:
                break
            target = min(int(args.rate * elapsed) + 1, len(due_orders))
            if target > done:
                due_ids = due_orders[done:target]
                with conn.cursor() as cur:
                    # Falls due `lead` s from now, the warning was sent 6 h ago.
                    cur.execute(
                        """
                        INSERT INTO deadlines_deadline (content_type_id, object_id, kind, policy_id, started_at,
                            due_at, warn_at, warned_at, paused_seconds, escalation_level, next_escalation_at,
                            due_promised)
                        SELECT %s, o, 'arrive', %s, d - interval '24 hours', d, d - interval '6 hours',
                               d - interval '6 hours', 0, 0, d, false
                        FROM unnest(%s::bigint[]) o, (SELECT now() + %s * interval '1 second' AS d) t""",
                        [ct, arrive, due_ids, args.lead],
                    )
                    if not args.no_warnings:
                        # Its warning point falls `lead` s from now, due 6 h later.
                        cur.execute(
                            """
                            INSERT INTO deadlines_deadline (content_type_id, object_id, kind, policy_id, started_at,
                                due_at, warn_at, warned_at, paused_seconds, escalation_level, next_escalation_at,
                                due_promised)
                            SELECT %s, o, 'arrive', %s, w - interval '18 hours', w + interval '6 hours', w,
                                   NULL, 0, 0, w, false
                            FROM unnest(%s::bigint[]) o, (SELECT now() + %s * interval '1 second' AS w) t""",
                            [ct, arrive, warn_orders[done:target], args.lead],
                        )
                done = target
            time.sleep(0.25)
        load_during = os.getloadavg()
        sb.log(f"inserted {done:,} deadlines falling due over {args.duration:.0f} s"
               + ("" if args.no_warnings else f" and {done:,} warnings"))

        # --- wait for the last ones -------------------------------------------
        # (The other open deadlines have nothing due for 30 minutes: every
        # step due now is one of ours.)
        expected = done * kinds
        time.sleep(args.lead + 1)
        t_drain = time.monotonic()
        while time.monotonic() - t_drain < args.drain:
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM deadlines_deadline WHERE met_at IS NULL AND cancelled_at IS NULL "
                            "AND next_escalation_at IS NOT NULL AND next_escalation_at <= now()")
                left = cur.fetchone()[0]
            if not left:
                break
            time.sleep(1)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM deadlines_escalation")
            taken = cur.fetchone()[0]
        sb.log(f"{taken:,} of {expected:,} steps taken, {left} still due, "
               f"{args.lead + 1 + time.monotonic() - t_drain:.0f} s after the load ended")
        time.sleep(10)  # let the last e-mail batch go out
    finally:
        for proc, name in reversed(procs):
            stop(proc, name)
        sb.flush_redis(args.redis_url)
        sb.log("Redis scratch DB flushed")

    # --- results ------------------------------------------------------------------
    with conn.cursor() as cur:
        e1 = "deadlines_escalation e WHERE e.level = 1"
        print(f"\nload: rate {args.rate:g}/s for {args.duration:g} s, lead {args.lead:g} s, "
              f"{args.open:,} other open deadlines, worker concurrency {args.concurrency}, sweep every {every}")
        print(f"deadline waker: {'off' if args.no_waker else 'on'} (servicedesk/deadlines/waker.py)")
        print(f"1-minute load average: {load_before[0]:.2f} at start, {load_during[0]:.2f} at the end of the load")
        print("level 1, escalation.at - due_at:           "
              + percentiles(cur, "extract(epoch FROM e.at - e.due_at)", e1))
        print("level 1, notification.created_at - due_at: " + percentiles(
            cur, "extract(epoch FROM x.created_at - x.due_at)",
            "(SELECT DISTINCT ON (e.id) e.due_at, n.created_at FROM deadlines_escalation e "
            "JOIN notifications_notification n ON n.escalation_id = e.id WHERE e.level = 1 "
            "ORDER BY e.id, n.created_at) x"))
        print(
            "level 1, e-mail sent_at - due_at:          "
            + percentiles(
                cur,
                "extract(epoch FROM m.sent_at - e.due_at)",
                "deadlines_escalation e JOIN notifications_notification n ON n.escalation_id = e.id "
                "JOIN notifications_emaildelivery m ON m.notification_id = n.id "
                "WHERE e.level = 1 AND m.sent_at IS NOT NULL",
            )
        )
        if not args.no_warnings:
            print("warning, escalation.at - warn_at:          " + percentiles(
                cur, "extract(epoch FROM e.at - d.warn_at)",
                "deadlines_escalation e JOIN deadlines_deadline d ON d.id = e.deadline_id WHERE e.level = 0"))
        cur.execute("SELECT level, count(*), count(DISTINCT deadline_id) FROM deadlines_escalation GROUP BY level")
        print(
            "escalations by level (rows, deadlines): "
            + ", ".join(f"L{lv}: {n:,} / {d:,}" for lv, n, d in cur.fetchall())
        )
        cur.execute("SELECT state, count(*) FROM notifications_emaildelivery GROUP BY state ORDER BY state")
        print("e-mail deliveries: " + ", ".join(f"{s} {n:,}" for s, n in cur.fetchall()))
        cur.execute("""SELECT count(*) FROM deadlines_deadline WHERE met_at IS NULL AND cancelled_at IS NULL
                       AND next_escalation_at <= now() AND next_escalation_at IS NOT NULL""")
        print(f"steps still due now: {cur.fetchone()[0]}")

    runs = [
        (float(m.group(1)), m.group(2))
        for m in re.finditer(
            r"Task deadlines\.sweep\[[^\]]+\] succeeded in ([0-9.]+)s: (\{[^}]*\})",
            worker_log.read_text(errors="replace"),
        )
    ]
    busy = [t for t, r in runs if "'escalations': 0," not in r or "'warnings': 0," not in r]
    if runs:
        times = [t for t, _ in runs]
        print(f"sweep task runs: {len(runs)} ({len(busy)} with work), duration p50 {statistics.median(times):.2f}s, "
              f"max {max(times):.2f}s" + (f"; with work: p50 {statistics.median(busy):.2f}s" if busy else ""))
    else:
        print(f"sweep task runs: none found in {worker_log}")
    errors = re.findall(r"^.*(?:ERROR|CRITICAL).*$", worker_log.read_text(errors="replace"), re.M)
    print(f"worker log: {worker_log} ({len(errors)} error lines)")
    for line in errors[:5]:
        print("  " + line[:300])


if __name__ == "__main__":
    main()
