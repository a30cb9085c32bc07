#!/usr/bin/env python
"""Escalation sweep benchmark (issue "Deadline engine", Benchmark section).

    .venv/bin/python bench/sweep_bench.py                 # 1,000,000 and 100,000 open, 10,000 due
    .venv/bin/python bench/sweep_bench.py --runs 3        # each case three times (median reported)
    .venv/bin/python bench/sweep_bench.py --cases 1000000:10000 --recreate
    .venv/bin/python bench/sweep_bench.py --cases 100000:10000 --escalation-module /tmp/escalation_old.py

Run by hand, never from the test suite. Uses its own PostgreSQL database
(--database-url, default sd_bench_sweep: created, migrated, organisation from
`seed_demo --force --orders 0`, plus a supervisor for each station and
managers at the branch and at headquarters, all with e-mail), and 10,000 real
work orders (customer, address, dispatched to a demo technician) behind the
due deadlines, inserted with plain SQL.

Each case empties the deadline tables (TRUNCATE ... CASCADE: deadlines,
escalations, pauses, notifications, e-mail deliveries), fills N open
deadlines with INSERT ... SELECT over generate_series (never the ORM row by
row) of which D are due (level 1 due in the last hour, already warned), the
others not yet due (their warning or due time lies ahead; they point at
object ids with no work order behind them: the sweep never loads them),
VACUUM ANALYZE and CHECKPOINT, prints EXPLAIN (ANALYZE, BUFFERS) of the sweep's first batch
select (in a transaction rolled back), then times one full `sweep()` (wall
time, queries and time spent inside them) and checks the result: D
escalations at level 1, one per deadline, none due left, one notification
and one pending e-mail delivery per recipient, one deliver_batch message per
batch on the broker.

Included in the time: everything `sweep()` does, including publishing the
`notifications.deliver_batch` messages after each batch's commit to the real
Redis broker (REDIS_URL, default the scratch DB redis://127.0.0.1:6379/14,
CELERY_TASK_ALWAYS_EAGER unset). No worker consumes them here: sending the
e-mail is not in the time (bench/sweep_lag.py runs a real worker). The Redis
DB is flushed before and after.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_bench_sweep"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
PROTECTED = {"servicedesk", "servicedesk_dev", "postgres", "template0", "template1"}
ORDER_OBJECT_ID_OFFSET = 100_000_000  # not-due deadlines point past every real work order


def log(msg, started=[time.monotonic()]):  # noqa: B006, B008 - a deliberate static: when the run started
    print(f"[{time.monotonic() - started[0]:7.1f}s] {msg}", flush=True)


def bench_env(database_url, redis_url):
    """The environment of the bench process and of the worker and beat it starts."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url, REDIS_URL=redis_url, DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-not-secret", ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="servicedesk.settings", LOG_LEVEL=env.get("LOG_LEVEL") or "WARNING",
        DEMO_PASSWORD=env.get("DEMO_PASSWORD") or "demo-servicedesk",  # seed_demo --force with DEBUG off wants it
        # No SMTP server here: the worker "sends" through the dummy backend.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def create_database(url, recreate=False):
    from pgconnect import connect

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if name in PROTECTED:
        sys.exit(f"refusing to use database {name!r}: it is not dedicated to benchmarks")
    admin = connect(url, dbname="postgres", autocommit=True)
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cur.fetchone() is not None
        if exists and recreate:
            log(f"dropping database {name}")
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            log(f"creating database {name}")
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(database_url, redis_url):
    env = bench_env(database_url, redis_url)
    # The sweep runs in Celery processes, which have no connection pool (servicedesk/celery.py); a pool
    # opened here would not survive --parallel's fork either (its threads stay in the parent).
    env.setdefault("DB_POOL_MAX_SIZE", "0")
    os.environ.update(env)
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def flush_redis(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    if db == 0:
        sys.exit("refusing to flush Redis DB 0: give a scratch DB number in --redis-url")
    client.flushdb()
    client.close()


def queued_messages(redis_url, queue="celery"):
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return client.llen(queue)
    finally:
        client.close()


# --- the organisation and the work orders -----------------------------------------


def prepare(database_url, recreate, orders):
    """Create and migrate the database, seed the organisation once, and make
    sure there are `orders` bench work orders. Django must be set up."""
    from django.core.management import call_command

    create_database(database_url, recreate)
    log("migrate")
    call_command("migrate", verbosity=0)
    from servicedesk.accounts.models import User

    if not User.objects.filter(username="supervisor").exists():
        log("seed_demo --force --orders 0")
        call_command("seed_demo", force=True, orders=0, verbosity=0)
    ensure_people()
    ensure_orders(orders)


def ensure_people():
    """Supervisors where the technicians work and managers above them, so
    each level-1 escalation goes to the nearest supervisor(s) by e-mail."""
    from django.contrib.auth.models import Group

    from servicedesk.accounts.models import Unit, User

    units = {u.name: u for u in Unit.objects.all()}
    specs = [
        ("bench_sup_cy1", "supervisor", "朝阳服务站 Chaoyang station"),
        ("bench_sup_cy2", "supervisor", "朝阳服务站 Chaoyang station"),
        ("bench_sup_pd", "supervisor", "浦东服务站 Pudong station"),
        ("bench_mgr_bj", "manager", "北京分公司 Beijing branch"),
        ("bench_mgr_hq", "manager", "总部 Headquarters"),
    ]
    for username, role, unit_name in specs:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@bench.local", "unit": units[unit_name], "first_name": username},
        )
        if created:
            user.set_unusable_password()
            user.save()
            user.groups.set(Group.objects.filter(name=role))


def ensure_orders(n):
    """At least n dispatched work orders made by this bench (number SWB...),
    with customer, address, region and a demo technician."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*), coalesce(max(id), 0) FROM tickets_workorder WHERE number LIKE 'SWB%'")
        have, _ = cur.fetchone()
        if have >= n:
            return
        todo = n - have
        log(f"inserting {todo:,} work orders")
        cur.execute("SELECT t.id, t.station_id FROM technicians_technician t WHERE t.active ORDER BY t.id")
        techs = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM accounts_region WHERE code = 'bj-chaoyang'")
        region = cur.fetchone()[0]
        cur.execute("SELECT id FROM accounts_user WHERE username = 'agent'")
        agent = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM customers_customer")
        c0 = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM customers_address")
        a0 = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM tickets_workorder")
        o0 = cur.fetchone()[0]
        techs_sql = "ARRAY[" + ",".join(map(str, techs)) + "]::bigint[]"
        cur.execute(f"""
            INSERT INTO customers_customer (id, name, vip, note, created_at)
            SELECT {c0} + g, '测试客户' || ({have} + g), false, '', now() - interval '30 days'
            FROM generate_series(1, {todo}) g""")
        cur.execute(f"""
            INSERT INTO customers_address (id, customer_id, text, region_id)
            SELECT {a0} + g, {c0} + g, '北京市朝阳区建国路' || ({have} + g) || '号', {region}
            FROM generate_series(1, {todo}) g""")
        cur.execute(f"""
            INSERT INTO tickets_workorder (
                id, number, kind, state, description, reported_at, created_at, updated_at, external_ref,
                dispatched_at, resolution, signed_by, cancel_reason, repeat_repair, free_of_charge,
                address_id, customer_id, created_by_id, owner_id, region_id, technician_id)
            SELECT {o0} + g, 'SWB' || lpad(({have} + g)::text, 9, '0'), 'repair', 'dispatched', '热水器点不着火',
                   now() - interval '2 days', now() - interval '2 days', now() - interval '2 days', '',
                   now() - interval '2 days', '', '', '', false, false,
                   {a0} + g, {c0} + g, {agent}, {agent}, {region}, ({techs_sql})[1 + g % {len(techs)}]
            FROM generate_series(1, {todo}) g""")
        for table in ("customers_customer", "customers_address", "tickets_workorder"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


# --- the deadlines ---------------------------------------------------------------------


def reset_deadlines():
    from django.db import connection

    with connection.cursor() as cur:
        # Cascades to escalations, pauses, notifications and e-mail deliveries.
        cur.execute("TRUNCATE deadlines_deadline RESTART IDENTITY CASCADE")


def policy_ids():
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""SELECT deadline_kind, min(id) FROM deadlines_slapolicy
                       WHERE subject = 'tickets.workorder' AND conditions = '{}'::jsonb GROUP BY deadline_kind""")
        return dict(cur.fetchall())


def fill(n_open, n_due):
    """n_open open deadlines, n_due of them due now (level 1 due within the
    last hour, the warning already sent), behind the bench work orders."""
    from django.db import connection

    ensure_orders(n_due)
    reset_deadlines()
    policies = policy_ids()
    respond, arrive = policies["respond"], policies["arrive"]
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM django_content_type WHERE app_label = 'tickets' AND model = 'workorder'")
        ct = cur.fetchone()[0]
        t = time.monotonic()
        # Due: the warning went out, level 1 (at the due time) is due.
        cur.execute(f"""
            INSERT INTO deadlines_deadline (content_type_id, object_id, kind, policy_id, started_at, due_at,
                                            warn_at, warned_at, paused_seconds, escalation_level, next_escalation_at,
                                            due_promised)
            SELECT {ct}, o.id, 'arrive', {arrive}, d - interval '24 hours', d, d - interval '6 hours',
                   d - interval '6 hours', 0, 0, d, false
            FROM (SELECT id, now() - (row_number() OVER (ORDER BY id) % 3600) * interval '1 second'
                                 - interval '1 second' AS d
                  FROM tickets_workorder WHERE number LIKE 'SWB%' ORDER BY id LIMIT {n_due}) o""")
        due_rows = cur.rowcount
        # Not due: a quarter already warned (next step: level 1 at due_at),
        # the rest before their warning point (next step: the warning). The
        # first of these steps falls 30 minutes from now, after any run.
        cur.execute(f"""
            INSERT INTO deadlines_deadline (content_type_id, object_id, kind, policy_id, started_at, due_at,
                                            warn_at, warned_at, paused_seconds, escalation_level, next_escalation_at,
                                            due_promised)
            SELECT {ct}, {ORDER_OBJECT_ID_OFFSET} + g, CASE WHEN g % 2 = 0 THEN 'respond' ELSE 'arrive' END,
                   CASE WHEN g % 2 = 0 THEN {respond} ELSE {arrive} END,
                   d - interval '24 hours', d, d - interval '6 hours',
                   CASE WHEN g % 4 = 0 THEN least(now(), d - interval '6 hours') END, 0, 0,
                   CASE WHEN g % 4 = 0 THEN d ELSE d - interval '6 hours' END, false
            FROM (SELECT g, now() + interval '6 hours 30 minutes' + (g % 1440) * interval '1 minute' AS d
                  FROM generate_series(1, {n_open - n_due}) g) s""")
        rest = cur.rowcount
        log(f"filled {due_rows + rest:,} open deadlines ({due_rows:,} due) in {time.monotonic() - t:.1f}s")
        t = time.monotonic()
        cur.execute("VACUUM ANALYZE deadlines_deadline")
        # Write the fill out now, not while the sweep is timed.
        cur.execute("CHECKPOINT")
        log(f"VACUUM ANALYZE, CHECKPOINT in {time.monotonic() - t:.1f}s")
    return due_rows


# --- measuring ---------------------------------------------------------------------------


class QueryTimer:
    """Counts the queries and the time spent in them (client side)."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t
            self.count += 1


def backend_cpu_seconds():
    """CPU time used so far by this connection's PostgreSQL backend process
    (same machine only; None where /proc cannot tell). With the bench's own
    CPU time it gives the work a sweep costs whatever else the machine runs."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def explain_first_batch(now, batch_size):
    from django.db import connection, transaction

    from servicedesk.deadlines import escalation

    # As sweep_batch asks (servicedesk/deadlines/escalation.py).
    qs = escalation.due_steps(now).select_for_update(skip_locked=True).order_by("next_escalation_at")
    if hasattr(escalation, "DUE_FIELDS"):  # issue 18: plain values
        qs = qs.values_list(*escalation.DUE_FIELDS)
    qs = qs[:batch_size]
    with transaction.atomic(), connection.cursor() as cur:
        sql, params = qs.query.sql_with_params()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
        shown = connection.ops.compose_sql(sql, params)
        transaction.set_rollback(True)  # EXPLAIN ANALYZE took the row locks
    return shown, plan


def check(n_due, batches, queued_before, redis_url, now):
    from django.db.models import Count

    from servicedesk.deadlines.escalation import due_steps
    from servicedesk.deadlines.models import Deadline, Escalation
    from servicedesk.notifications.models import EmailDelivery, Notification

    problems = []
    esc = Escalation.objects.count()
    level1 = Escalation.objects.filter(level=1).count()
    per_deadline = Escalation.objects.values("deadline", "level").annotate(n=Count("id")).filter(n__gt=1).count()
    raised = Deadline.objects.filter(escalation_level=1).count()
    left = due_steps(now).count()
    notes = Notification.objects.count()
    without_note = Escalation.objects.filter(notifications__isnull=True).count()
    mails = EmailDelivery.objects.filter(state=EmailDelivery.State.PENDING).count()
    queued = queued_messages(redis_url) - queued_before
    if esc != n_due or level1 != n_due:
        problems.append(f"{esc} escalations ({level1} at level 1), expected {n_due}")
    if per_deadline:
        problems.append(f"{per_deadline} deadlines with more than one row for a level")
    if raised != n_due:
        problems.append(f"{raised} deadlines at level 1, expected {n_due}")
    if left:
        problems.append(f"{left} steps still due")
    if without_note:
        problems.append(f"{without_note} escalations without a notification")
    if mails != notes:
        problems.append(f"{mails} pending e-mail deliveries for {notes} notifications")
    if queued != batches:
        problems.append(f"{queued} deliver_batch messages on the broker, expected {batches}")
    summary = (f"{esc:,} escalations ({level1:,} at level 1, one row each), {raised:,} deadlines at level 1, "
               f"{left} still due, {notes:,} notifications, {mails:,} pending e-mail deliveries, "
               f"{queued} deliver_batch messages on the broker")
    return summary, problems


GC = {"mode": "worker"}


def warm_up():
    """What a worker has done once, before or at its first sweep, is not
    part of a sweep: load the URLconf (the notifications link to their work
    orders) and the translation catalogues, cache the content types, connect
    to the broker (it publishes nothing)."""
    from django.contrib.contenttypes.models import ContentType
    from django.urls import get_resolver, reverse
    from django.utils.translation import gettext

    from servicedesk.celery import app
    from tickets.models import WorkOrder

    get_resolver().reverse_dict  # noqa: B018 - populates the resolver
    reverse("admin:index")
    gettext("Overdue (level %(level)d): %(subject)s, %(kind)s was due %(due)s")
    ContentType.objects.get_for_id(ContentType.objects.get_for_model(WorkOrder).pk)
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
    if GC["mode"] == "worker":
        import gc

        # As every Celery worker process does once it has loaded everything (servicedesk/celery.py,
        # issue 18 item 5): start-up objects frozen, young collections rarer.
        gc.collect()
        gc.freeze()
        gc.set_threshold(7000, 10, 10)


def load_sweep(path=None):
    """The sweep to time: the project's, or (--escalation-module, to compare
    with an earlier version, e.g. `git show REV:servicedesk/deadlines/escalation.py`)
    the one in that file, imported inside servicedesk.deadlines."""
    if not path:
        from servicedesk.deadlines.escalation import sweep

        return sweep
    import importlib.util

    spec = importlib.util.spec_from_file_location("servicedesk.deadlines._bench_escalation", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.sweep


def deliver_pending(n_escalations, per_batch):
    """Send the sweep's pending e-mail in-process (dummy backend), as the worker's
    notifications.deliver_batch tasks would: one group of ids per sweep batch,
    groups alternating between the per-mail path (before issue 18: deliver_email
    per id, a transaction, SELECT FOR UPDATE and an UPDATE each) and the batched
    one (deliver_batch: claim, send, mark per 50 in one transaction). CPU of this
    process plus its PostgreSQL backend, per e-mail and per escalation."""
    from django.db import connection

    from servicedesk.notifications.models import EmailDelivery
    from servicedesk.notifications.tasks import deliver_batch, deliver_email

    ids = list(EmailDelivery.objects.filter(state=EmailDelivery.State.PENDING).order_by("pk")
               .values_list("pk", flat=True))
    groups = [ids[i:i + per_batch] for i in range(0, len(ids), per_batch)]
    modes = {"per-mail": lambda g: [deliver_email.run(pk) for pk in g], "batched": deliver_batch.run}
    spent = {m: [0.0, 0.0, 0] for m in modes}  # python cpu, pg cpu, mails
    for i, group in enumerate(groups):
        mode = list(modes)[i % 2]
        db = backend_cpu_seconds()
        cpu = time.process_time()
        modes[mode](group)
        spent[mode][0] += time.process_time() - cpu
        spent[mode][1] += backend_cpu_seconds() - db
        spent[mode][2] += len(group)
    left = EmailDelivery.objects.filter(state=EmailDelivery.State.PENDING).count()
    connection.close()
    per_escalation = len(ids) / n_escalations if n_escalations else 0
    out = {}
    for mode, (py, pg, n) in spent.items():
        if n:
            per_mail = (py + pg) / n * 1000
            out[mode] = per_mail * per_escalation
            log(f"e-mail {mode}: {n:,} sent, CPU {py * 1000 / n:.3f} ms Python + {pg * 1000 / n:.3f} ms PostgreSQL "
                f"per e-mail = {per_mail * per_escalation:.3f} ms per escalation ({per_escalation:.2f} e-mails each)")
    log(f"e-mail still pending: {left}")
    return out


def parallel_sweeps(n, sweep, now, batch_size):
    """n sweeps at once, each in its own process with its own connection (forked after the warm-up,
    released together): (wall until the last is done, CPU of the processes, of their backends, result)."""
    import dataclasses
    import multiprocessing

    from django.db import connections

    connections.close_all()  # never share a connection with the children
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(n + 1), ctx.Queue()

    def child():
        warm_up()
        db = backend_cpu_seconds()
        start.wait()
        t, cpu = time.perf_counter(), time.process_time()
        result = sweep(now=now, batch_size=batch_size)
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        out.put((wall, cpu, backend_cpu_seconds() - db, dataclasses.astuple(result)))
        connections.close_all()

    procs = [ctx.Process(target=child) for _ in range(n)]
    for p in procs:
        p.start()
    start.wait()
    t = time.perf_counter()
    done = [out.get() for _ in procs]
    wall = time.perf_counter() - t
    for p in procs:
        p.join()
    result = sum((type(sweep_result_zero())(*r[3]) for r in done), sweep_result_zero())
    for i, r in enumerate(done):
        log(f"  sweep {i + 1}: {r[0]:.2f}s wall, CPU {r[1]:.2f}s Python + {r[2]:.2f}s PostgreSQL, {r[3]}")
    return wall, sum(r[1] for r in done), sum(r[2] for r in done), result


def sweep_result_zero():
    from servicedesk.deadlines.escalation import SweepResult

    return SweepResult()


def run_case(n_open, n_due, batch_size, redis_url, show_plan, sweep, settle=0, deliver=False, parallel=1):
    from django.db import connection
    from django.utils import timezone

    due = fill(n_open, n_due)
    if settle:
        log(f"settling {settle:g} s after the fill")
        time.sleep(settle)
    connection.close()  # a fresh connection, as a worker's task would have
    now = timezone.now()
    if show_plan:
        sql, plan = explain_first_batch(now, batch_size)
        print("\nThe sweep's select (first batch):\n" + sql + "\n\nEXPLAIN (ANALYZE, BUFFERS):\n" + plan + "\n",
              flush=True)
    queued_before = queued_messages(redis_url)
    warm_up()
    timer = QueryTimer()
    load = os.getloadavg()[0]
    if parallel > 1:
        wall, cpu, db_cpu, result = parallel_sweeps(parallel, sweep, now, batch_size)
    else:
        db_cpu = backend_cpu_seconds()
        with connection.execute_wrapper(timer):
            t, cpu = time.perf_counter(), time.process_time()
            result = sweep(now=now, batch_size=batch_size)
            wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        db_cpu = backend_cpu_seconds() - db_cpu if db_cpu is not None else float("nan")
    summary, problems = check(due, result.batches, queued_before, redis_url, now)
    log(f"open {n_open:,} / due {due:,}: sweep {wall:.2f}s wall, CPU {cpu:.2f}s Python + {db_cpu:.2f}s PostgreSQL "
        f"backend, {timer.count} queries taking {timer.seconds:.2f}s, 1-min load {load:.2f} at start, "
        f"{result.batches} batches, result {result}")
    log("check: " + summary)
    for p in problems:
        log("PROBLEM: " + p)
    mail = deliver_pending(result.escalations, -(-EmailDeliveryCount() // max(result.batches, 1))) if deliver else {}
    if deliver and result.escalations:
        sweep_ms = (cpu + db_cpu) / result.escalations * 1000
        log(f"CPU per escalation: sweep {sweep_ms:.3f} ms; with its e-mail: "
            + ", ".join(f"{m} {sweep_ms + v:.3f} ms" for m, v in mail.items()))
    return {
        "open": n_open, "due": due, "wall": wall, "cpu": cpu, "db_cpu": db_cpu, "load": load, "queries": timer.count,
        "query_seconds": timer.seconds, "batches": result.batches, "escalations": result.escalations,
        "notifications": result.notifications, "ok": not problems,
    }


def EmailDeliveryCount():  # noqa: N802 - reads like the model it counts
    from servicedesk.notifications.models import EmailDelivery

    return EmailDelivery.objects.count()


def parse_cases(text):
    cases = []
    for part in text.split(","):
        n_open, n_due = part.split(":")
        cases.append((int(n_open), int(n_due)))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_SWEEP_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_SWEEP_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--cases", default="1000000:10000,100000:10000,1000000:0",
                        help="open:due pairs, comma separated (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: the sweep's own (escalation.BATCH_SIZE; 500 before issue 18)")
    parser.add_argument("--parallel", type=int, default=1,
                        help="sweeps at once, each in its own process (SKIP LOCKED shares the rows; default 1)")
    parser.add_argument("--gc", choices=["worker", "default"], default="worker",
                        help="the collector as a Celery worker sets it (frozen after start-up, threshold 7,000; "
                             "the default) or Python's defaults")
    parser.add_argument("--runs", type=int, default=1, help="runs per case; the median is reported")
    parser.add_argument("--recreate", action="store_true", help="drop the database first")
    parser.add_argument("--settle", type=float, default=30,
                        help="seconds to wait after each fill before timing (default %(default)s)")
    parser.add_argument("--deliver", action="store_true",
                        help="then send the e-mail in-process, per-mail and batched interleaved (CPU per escalation)")
    parser.add_argument("--escalation-module", metavar="FILE",
                        help="time the sweep() of this copy of servicedesk/deadlines/escalation.py instead")
    args = parser.parse_args()

    GC["mode"] = args.gc
    setup_django(args.database_url, args.redis_url)
    if args.batch_size is None:
        from servicedesk.deadlines import escalation

        args.batch_size = getattr(escalation, "BATCH_SIZE", 500)
    flush_redis(args.redis_url)
    try:
        cases = parse_cases(args.cases)
        sweep = load_sweep(args.escalation_module)
        if args.escalation_module:
            log(f"timing the sweep of {args.escalation_module}")
        prepare(args.database_url, args.recreate, max(d for _, d in cases) or 1)
        results = []
        for n_open, n_due in cases:
            runs = [run_case(n_open, n_due, args.batch_size, args.redis_url, (r == 0 and n_due > 0), sweep,
                             args.settle, args.deliver, args.parallel)
                    for r in range(args.runs)]
            results.append(runs)
        print("\n| open | due | runs | sweep wall, median (all runs) | CPU Python + PostgreSQL (median) "
              "| queries | time in queries | wall per escalation | 1-min load | checks |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for runs in results:
            r0 = runs[0]
            med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731, B023 - used in this iteration only
            per = f"{med('wall') / r0['due'] * 1000:.2f} ms" if r0["due"] else "-"
            print(
                f"| {r0['open']:,} | {r0['due']:,} | {len(runs)} | {med('wall'):.2f} s "
                f"({', '.join(format(r['wall'], '.2f') for r in runs)}) | {med('cpu'):.2f} + {med('db_cpu'):.2f} s "
                f"| {r0['queries']} | {med('query_seconds'):.2f} s | {per} "
                f"| {', '.join(format(r['load'], '.2f') for r in runs)} "
                f"| {'ok' if all(r['ok'] for r in runs) else 'FAILED'} |"
            )
    finally:
        flush_redis(args.redis_url)
        log("Redis scratch DB flushed")
    if not all(r["ok"] for runs in results for r in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()
