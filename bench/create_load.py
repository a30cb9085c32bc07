#!/usr/bin/env python
"""Create API under load: POST /api/v1/work-orders/ from 50 concurrent
clients against gunicorn on loopback, on the seeded benchmark database
(bench/seed_work_orders.py).

    .venv/bin/python bench/create_load.py [--workers 2,4] [--clients 50] [--requests 3000] [--seconds 60]

First, in-process (Django test Client + CaptureQueriesContext), the SQL
queries of one create are counted and listed, for an agent and for a partner,
with and without a product. Then for each worker count: start
`.venv/bin/gunicorn servicedesk.wsgi -w N -b 127.0.0.1:8123` (the gunicorn beside
the Python running this script; gunicorn.conf.py: gthread workers; DEBUG off,
SECRET_KEY set, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT off), wait for
/healthz, take tokens from /api/v1/auth/token/ for `agent` and `partner`
(password DEMO_PASSWORD, default the demo's), warm up, then run --clients
threads, each with its own http.client connection, until --requests
requests are done or --seconds have passed. 70% of the creates come from the
agent, 30% from the partner with a fresh external_ref; every request has a
new customer phone (15x numbers, never seeded), half carry a product. The
answer must be 201. Reports p50/p90/p99/max latency, throughput, errors, and
the CPU time used meanwhile by gunicorn, by the PostgreSQL backends of the
bench database, and by this load generator (it shares the machine's cores).
gunicorn is stopped at the end, also on error or Ctrl-C.
"""

import argparse
import contextlib
import http.client
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from pgconnect import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/servicedesk_bench"
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"]
ADDRESSES = ["北京市朝阳区建国路88号", "北京市海淀区中关村大街27号", "上海市浦东新区世纪大道100号",
             "广东省天河区天河路385号", "四川省武侯区人民南路四段12号"]
CATEGORIES = ["gas_water_heater", "water_purifier", "air_conditioner", "washing_machine"]
KINDS = ["repair", "repair", "install", "maintenance", "emergency"]


def server_env(url):
    env = dict(os.environ)
    env.update(DATABASE_URL=url, DEBUG="0", SECRET_KEY=env.get("SECRET_KEY") or "bench-not-secret-" + "x" * 40,
               ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", LOG_LEVEL="WARNING",
               DJANGO_SETTINGS_MODULE="servicedesk.settings",
               # one database connection per worker thread for the whole run (the default 60 s
               # would reconnect mid-run and hide the closed backends' CPU time); CONN_MAX_AGE=0
               # in the environment: a connection per request; DB_POOL_*: psycopg 3's pool
               CONN_MAX_AGE=os.environ.get("CONN_MAX_AGE", "3600"),
               # 50 clients on two tokens: far above the contract's per-token floor, or the bench measures the throttle
               SERVICEDESK_API_RATE_PER_MINUTE="10000000", SERVICEDESK_API_BURST="100000")
    return env


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- payloads -----------------------------------------------------------------

class Payloads:
    """Thread-safe source of create bodies, each with a phone never used before."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        # 15 + 4 digits of this run + 5 digits counter: unique per run; the
        # seeded customers have 13x and 010x numbers.
        self.prefix = "15" + f"{int(time.time()) % 10000:04d}"
        self.counter = itertools.count()
        self.run_tag = f"{int(time.time())}-{os.getpid()}"

    def next(self, partner):
        with self.lock:
            i = next(self.counter)
            r = self.rng.random()
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            kind = self.rng.choice(KINDS)
            address = (
                self.rng.choice(ADDRESSES)
                + f"{self.rng.randint(1, 30)}号楼{self.rng.randint(1, 28)}0{self.rng.randint(1, 4)}室"
            )
            category = self.rng.choice(CATEGORIES)
        body = {
            "kind": kind,
            "customer": {"name": name, "phone": f"{self.prefix}{i % 100000:05d}", "address": address},
            "description": "负载测试 load test: 热水器点不着火",
        }
        if r < 0.5:
            body["product"] = {"category": category, "model": "M100", "serial": f"LT{self.run_tag}-{i}",
                               "purchase_date": "2025-06-01"}
        if partner:
            body["external_ref"] = f"LOAD-{self.run_tag}-{i}"
        return body


# --- in-process query count -----------------------------------------------------

def count_queries(url):
    """The SQL of one create, through the real view, in this process."""
    for key, value in server_env(url).items():
        os.environ[key] = value
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    # The tree moves on after seeding: bring the bench database's schema along.
    call_command("migrate", interactive=False, verbosity=0)
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from servicedesk.accounts.models import ApiToken as Token
    from servicedesk.accounts.models import User

    payloads = Payloads(seed=1)
    out = []
    for username, partner, product in [("agent", False, False), ("agent", False, True), ("partner", True, True)]:
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
        client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
        body = payloads.next(partner)
        if product and "product" not in body:
            body["product"] = {"category": "water_purifier", "model": "M1", "serial": f"QC-{time.time()}",
                               "purchase_date": "2025-06-01"}
        if not product:
            body.pop("product", None)
        # one request first, so per-process caches (content types) are warm as in a running server
        client.post("/api/v1/work-orders/", data=json.dumps(payloads.next(partner)), content_type="application/json")
        with CaptureQueriesContext(connection) as ctx:
            response = client.post("/api/v1/work-orders/", data=json.dumps(body), content_type="application/json")
        label = f"{username}, {'with' if product else 'no'} product"
        out.append({"case": label, "status": response.status_code, "queries": len(ctx.captured_queries),
                    "sql": [q["sql"] for q in ctx.captured_queries],
                    "ms": round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1)})
        print(f"\nqueries of one create ({label}): {len(ctx.captured_queries)} "
              f"(status {response.status_code}, {out[-1]['ms']} ms in SQL)")
        for n, q in enumerate(ctx.captured_queries, 1):
            sql = " ".join(q["sql"].split())
            print(f"  {n:2}. {float(q['time']) * 1000:6.2f} ms  {sql[:150]}")
    connection.close()
    return out


# --- CPU accounting ------------------------------------------------------------------

def proc_cpu(pid):
    """CPU seconds used so far by `pid`, None once it has exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def children(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]


def machine_cpu():
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts), idle


def backend_pids(url):
    conn = connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        pids = [r[0] for r in cur.fetchall()]
    conn.close()
    return pids


# --- HTTP -------------------------------------------------------------------------

def request(conn, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    return response.status, payload


def wait_ready(port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            status, _ = request(conn, "GET", "/healthz")
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def token_for(port, username, password):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    status, payload = request(conn, "POST", "/api/v1/auth/token/", {"username": username, "password": password})
    conn.close()
    if status != 200:
        raise RuntimeError(f"token for {username}: {status} {payload[:200]!r}")
    return json.loads(payload)["token"]


def drive(port, tokens, payloads, clients, total, seconds, timeout):
    """`clients` threads send creates until `total` are done or `seconds` passed."""
    latencies, statuses, errors = [], {}, []
    lock = threading.Lock()
    issued = itertools.count()
    stop_at = time.monotonic() + seconds

    def worker(n):
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        rng = random.Random(n)
        while time.monotonic() < stop_at and next(issued) < total:
            partner = rng.random() < 0.3
            body = payloads.next(partner)
            t = time.perf_counter()
            try:
                status, payload = request(conn, "POST", "/api/v1/work-orders/", body,
                                          tokens["partner" if partner else "agent"])
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
                with lock:
                    errors.append(repr(exc))
                    statuses["exception"] = statuses.get("exception", 0) + 1
                continue
            elapsed = (time.perf_counter() - t) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 201 and len(errors) < 5:
                    errors.append(f"{status}: {payload[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses, errors, time.perf_counter() - started


def run_config(args, workers, password, payloads):
    env = server_env(args.database_url)
    # the gunicorn of the virtualenv this script runs in (the shared .venv, or another driver's)
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "servicedesk.wsgi", "-w", str(workers),
           "-b", f"{HOST}:{args.port}", "--timeout", "60", "--backlog", "2048", *args.gunicorn_arg]
    print(f"\n=== {' '.join(cmd[1:])} ===", flush=True)
    print("database: " + ", ".join(f"{k}={env[k]}" for k in sorted(env) if k == "CONN_MAX_AGE" or k.startswith("DB_")),
          flush=True)
    log = open(f"/tmp/bench-gunicorn-{workers}.log", "w")  # noqa: SIM115 - gunicorn writes to it until it is stopped
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_ready(args.port, proc)
        tokens = {u: token_for(args.port, u, password) for u in ("agent", "partner")}
        # warm-up: every worker imports, connects to the database, fills its caches
        drive(args.port, tokens, payloads, min(args.clients, workers * 4), workers * 20, 60, args.timeout)
        server_pids = [proc.pid, *children(proc.pid)]
        db_pids = backend_pids(args.database_url)
        cpu0 = {p: proc_cpu(p) for p in server_pids + db_pids}
        print(f"gunicorn pids {server_pids}, PostgreSQL backends {db_pids}", flush=True)
        self0 = time.process_time()
        machine0 = machine_cpu()
        with open("/proc/loadavg") as f:
            load_before = f.read().split()[0]
        latencies, statuses, errors, elapsed = drive(
            args.port, tokens, payloads, args.clients, args.requests, args.seconds, args.timeout)
        machine1 = machine_cpu()
        with open("/proc/loadavg") as f:
            load_after = f.read().split()[0]
        self_cpu = time.process_time() - self0
        db_pids_after = backend_pids(args.database_url)
        cpu1 = {p: proc_cpu(p) for p in set(server_pids) | set(db_pids) | set(db_pids_after)}
        gone = [p for p, v in cpu1.items() if v is None]
        if gone:
            print(f"warning: processes {gone} exited during the run: their CPU time is missing", flush=True)
        server_cpu = sum(cpu1[p] - (cpu0.get(p) or 0) for p in server_pids if cpu1[p] is not None)
        db_cpu = sum(cpu1[p] - (cpu0.get(p) or 0) for p in set(db_pids) | set(db_pids_after) if cpu1[p] is not None)
        total_jiffies = machine1[0] - machine0[0]
        busy_share = 1 - (machine1[1] - machine0[1]) / total_jiffies if total_jiffies else 0
        ok = statuses.get(201, 0)
        result = {
            "workers": workers, "clients": args.clients, "requests": len(latencies) + statuses.get("exception", 0),
            "created": ok, "errors": sum(v for k, v in statuses.items() if k != 201), "statuses": statuses,
            "seconds": round(elapsed, 1), "throughput_rps": round(ok / elapsed, 1),
            "p50_ms": round(percentile(latencies, 0.5), 1), "p90_ms": round(percentile(latencies, 0.9), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1),
            "mean_ms": round(statistics.mean(latencies), 1),
            "cpu_gunicorn_s": round(server_cpu, 1), "cpu_postgres_s": round(db_cpu, 1),
            "cpu_loadgen_s": round(self_cpu, 1), "machine_busy_pct": round(100 * busy_share, 1),
            "cpu_ms_per_create_gunicorn": round(1000 * server_cpu / ok, 1) if ok else None,
            "cpu_ms_per_create_postgres": round(1000 * db_cpu / ok, 1) if ok else None,
            "load_before": load_before, "load_after": load_after, "sample_errors": errors[:5],
        }
        print(json.dumps(result, ensure_ascii=False, indent=2), flush=True)
        return result
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--workers", default="2,4", help="comma-separated gunicorn worker counts")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000, help="per worker count")
    parser.add_argument("--seconds", type=float, default=60, help="at most this long per worker count")
    parser.add_argument("--timeout", type=float, default=60, help="client socket timeout")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--gunicorn-arg", action="append", default=[], help="extra gunicorn argument (repeatable)")
    parser.add_argument("--skip-query-count", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    password = os.environ.get("DEMO_PASSWORD") or "demo-servicedesk"

    results = {"query_count": [], "runs": []}
    if not args.skip_query_count:
        # in a child process, so Django is not loaded into the load generator
        out = subprocess.run([sys.executable, __file__, "--database-url", args.database_url, "--_count-only"],
                             cwd=ROOT, capture_output=True, text=True)
        marker = out.stdout.rfind("\nJSON ")
        print(out.stdout[:marker] if marker >= 0 else out.stdout)
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            sys.exit("counting the queries of a create failed")
        results["query_count"] = json.loads(out.stdout[marker + 6:]) if marker >= 0 else []

    payloads = Payloads(seed=42)
    for workers in [int(w) for w in args.workers.split(",") if w.strip()]:
        results["runs"].append(run_config(args, workers, password, payloads))

    print("\nworkers  clients  requests  created  errors  seconds  req/s   p50 ms  p90 ms  p99 ms  max ms  "
          "cpu ms/create (gunicorn, postgres)  machine busy  load before, after")
    for r in results["runs"]:
        print(f"{r['workers']:>7}  {r['clients']:>7}  {r['requests']:>8}  {r['created']:>7}  {r['errors']:>6}  "
              f"{r['seconds']:>7}  {r['throughput_rps']:>5}  {r['p50_ms']:>7}  {r['p90_ms']:>6}  {r['p99_ms']:>6}  "
              f"{r['max_ms']:>6}  {r['cpu_ms_per_create_gunicorn']:>10}, {r['cpu_ms_per_create_postgres']:>8}"
              f"{'':17}{r['machine_busy_pct']:>5}%  {r['load_before']}, {r['load_after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    if "--_count-only" in sys.argv:
        url = sys.argv[sys.argv.index("--database-url") + 1]
        print("\nJSON " + json.dumps(count_queries(url), ensure_ascii=False))
    else:
        main()
