"""The project's Celery app (servicedesk.celery.app) on a real broker for one
test, real workers in a thread or in a process of their own, and a bound on
every wait.

Isolation: a test's messages live on a scratch Redis database under a key
prefix of the test's own (kombu's `global_keyprefix`), so no other worker
(another test run at the same time, `bin/run`, the bench on DB 14) takes its
messages, and its workers take nobody else's."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import kombu.pools
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection, connections

from servicedesk.celery import app

SCRATCH_DB = 15
ROOT = Path(__file__).resolve().parent.parent


def scratch_broker_url(redis_url: str) -> str:
    """The machine's Redis, database 15."""
    parsed = urlparse(redis_url)
    return urlunparse(parsed._replace(path=f"/{SCRATCH_DB}"))


def new_prefix() -> str:
    return f"sdtest-{os.getpid()}-{uuid.uuid4().hex[:8]}:"


def _drop_publishing_connections():
    """The app keeps a connection pool for the URL it first published to.
    kombu's global registry keeps that pool too, closed: forget it, or the
    next publish to the URL (an eager apply_async in a later test as well)
    fails with "Acquire on closed pool"."""
    if app._pool is not None:
        app._pool.force_close_all()
    kombu.pools.reset()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@contextlib.contextmanager
def broker(url: str, *, prefix: str = ""):
    """Point the app at `url` (with a key prefix) for the block."""
    saved = app.conf.broker_url, app.conf.broker_transport_options
    _drop_publishing_connections()
    options = {
        k: v for k, v in (saved[1] or {}).items() if not k.startswith(("data_folder", "processed", "control", "store"))
    }
    if prefix:
        options["global_keyprefix"] = prefix
    app.conf.broker_url, app.conf.broker_transport_options = url, options
    try:
        yield url
    finally:
        _drop_publishing_connections()
        app.conf.broker_url, app.conf.broker_transport_options = saved
        if prefix:
            forget_keys(url, prefix)


def forget_keys(url: str, prefix: str):
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass
    finally:
        client.close()


def queued_messages(url: str, prefix: str, queue: str = "celery") -> int:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        return client.llen(f"{prefix}{queue}")
    finally:
        client.close()


def _close_this_threads_connections(**kwargs):
    # A worker thread's connections would outlive the test (CONN_MAX_AGE) and
    # keep the test database from being flushed and dropped.
    connections.close_all()


@contextlib.contextmanager
def worker_thread(**kwargs):
    """A real worker (solo pool) consuming from the app's broker, in a thread
    of this process: same code, same test database, same mail outbox."""
    task_postrun.connect(_close_this_threads_connections, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING", **kwargs
        ) as w:
            yield w
    finally:
        task_postrun.disconnect(_close_this_threads_connections)


def worker_process(
    *, broker_url: str, prefix: str, name: str, pool: str = "solo", waker: bool = False, env: dict | None = None
) -> subprocess.Popen:
    """`celery -A servicedesk worker` in a process of its own, on the test
    database (tests/worker_settings.py: the test settings plus the prefix);
    with the deadline waker's thread when `waker` (servicedesk/deadlines/waker.py)."""
    s = connection.settings_dict
    database_url = (
        f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )
    extra = env or {}
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "TEST_BROKER_KEYPREFIX": prefix,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CONN_MAX_AGE": "0",
        "PYTHONPATH": str(ROOT),
        "SERVICEDESK_DEADLINE_WAKER": "1" if waker else "0",
        **extra,
    }
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / f"test-worker-{name}.log", "w")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "servicedesk", "worker", "--pool", pool, "--concurrency", "1",
         "--loglevel", "INFO", "--without-heartbeat", "--without-mingle", "--without-gossip",
         "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def stop_process(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 20):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_for(condition, *, timeout: float, interval: float = 0.1, what: str = "the condition"):
    """Poll until condition() is truthy; fail after `timeout` seconds (a bound
    on a wait, not a measurement)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout} s for {what}")
        time.sleep(interval)


def finishes(fn, *, within: float):
    """Run fn in a thread; answer (finished, result or exception). A hang
    guard: a call still blocked after `within` seconds did not finish."""
    outcome = {}

    def run():
        try:
            outcome["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(within)
    if thread.is_alive():
        return False, None
    if "error" in outcome:
        raise outcome["error"]
    return True, outcome.get("result")
