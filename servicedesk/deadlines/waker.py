"""Escalation on time (issue 18): a thread in every Celery worker that sleeps
until the next step of a deadline is due, then runs the sweep.

The periodic sweep (beat, every 15 s) made the lag from a due time to its
escalation the wait for the next tick: 7.5 s on average, 15 s at worst. The
waker removes that wait without another process (contract, "Processes": web,
workers, beat):

- It asks the database for the earliest `next_escalation_at` of the open
  deadlines (one probe of the partial index `deadline_sweep`) and sleeps until
  then.
- On PostgreSQL it LISTENs on the channel `deadline_due`, on a connection of
  its own (psycopg 3's `Connection.notifies()`), never one of Django's
  connections nor one of a pool: a pooled connection would carry the LISTEN
  to whoever borrows it next and hand them the notifications. A statement-level
  trigger on the deadline table (migration 0008) sends the earliest step time
  a statement wrote, at commit, when it falls within the next ten minutes: a
  new deadline, a due time moved earlier (resume, policy recompute), a raw
  INSERT alike. An earlier time than the one the waker sleeps towards wakes it.
- Without PostgreSQL (the embedded mode: SQLite and the file-system broker) it
  polls: the next step time is read again every POLL_SECONDS.
- Whatever it was told, it reads the next step time again at least every
  REQUERY_SECONDS (a notification lost while reconnecting, a transaction that
  committed after the trigger's horizon).

When the time comes it runs `escalation.sweep()`, the same code as the
periodic task: SELECT ... FOR UPDATE SKIP LOCKED in batches, one Escalation
row per (deadline, level) under a unique constraint. So several workers waking
at once share the rows, a worker killed with SIGKILL mid-batch rolls its batch
back for the next sweep (its own after a restart, another worker's, or beat's),
and a level is still reached exactly once. The periodic sweep stays as the
safety net.

The thread is started by the worker bootstep `DeadlineWaker`
(servicedesk/celery.py) after the pool, so prefork children are forked before
it runs; `SERVICEDESK_DEADLINE_WAKER=0` turns it off.
"""

import contextlib
import logging
import os
import select
import threading
import time

from celery import bootsteps

log = logging.getLogger(__name__)

CHANNEL = "deadline_due"
REQUERY_SECONDS = 60.0  # read the next step time again at least this often (trigger horizon: 10 min)
POLL_SECONDS = 1.0  # without LISTEN (SQLite): how often the next step time is read
MIN_GAP_SECONDS = 0.05  # at most 20 sweeps a second, however many distinct due times
RETRY_SECONDS = 5.0  # after an error (database down): wait, then start again


class Waker:
    """The loop. `run()` blocks until `stop()`; one per worker process."""

    def __init__(self, *, listen=None, poll_seconds=POLL_SECONDS, requery_seconds=REQUERY_SECONDS,
                 batch_size=None):
        self.listen = listen
        self.poll_seconds = poll_seconds
        self.requery_seconds = requery_seconds
        self.batch_size = batch_size
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self.sweeps = 0  # sweeps that took at least one step (for the tests and the log)

    # --- the database --------------------------------------------------------------

    def _next_step_at(self):
        """Epoch seconds of the earliest step due among open deadlines, or None."""
        from django.db.models import Min

        from .escalation import open_steps

        at = open_steps().aggregate(at=Min("next_escalation_at"))["at"]
        return None if at is None else at.timestamp()

    @staticmethod
    def open_listener():
        """A psycopg connection of its own, in autocommit, LISTENing; None without
        PostgreSQL. Django's connection parameters (database, user, host, options
        such as the tests' application_name), never its pool: this connection
        stays open as long as the thread runs, and is closed by it."""
        import psycopg
        from django.db import connections

        wrapper = connections["default"]
        if wrapper.vendor != "postgresql":
            return None
        params = wrapper.get_connection_params()  # without "pool" and "server_side_binding"
        params.pop("cursor_factory", None)
        conn = psycopg.connect(**params, autocommit=True)
        try:
            conn.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def received(listener):
        """The payloads that arrived on the listening connection, without waiting."""
        return [n.payload for n in listener.notifies(timeout=0)]

    def _sweep(self):
        from django.db import close_old_connections

        from .escalation import BATCH_SIZE, sweep
        from .tasks import ask_for_help

        close_old_connections()
        batch_size = self.batch_size or BATCH_SIZE
        result = sweep(batch_size=batch_size, on_backlog=ask_for_help(batch_size))
        if result.batches:
            self.sweeps += 1
        return result

    # --- the loop ------------------------------------------------------------------

    def stop(self):
        self._stopping.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def run(self):
        while not self._stopping.is_set():
            try:
                self._loop()
            except Exception:
                log.exception("deadline waker: error; starting again in %s s", RETRY_SECONDS)
                self._stopping.wait(RETRY_SECONDS)
            finally:
                from django.db import connections

                connections.close_all()  # this thread's connections
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _loop(self):
        listener = self.open_listener() if self.listen is not False else None
        try:
            next_at, read_at = self._next_step_at(), time.monotonic()
            idle_sweeps = 0
            while not self._stopping.is_set():
                now = time.time()
                if next_at is not None and next_at <= now:
                    result = self._sweep()
                    next_at, read_at = self._next_step_at(), time.monotonic()
                    # Still due after a sweep: rows another worker's sweep holds (SKIP LOCKED), or a
                    # follower's; wait a little longer each time rather than spin.
                    idle_sweeps = 0 if result.batches else idle_sweeps + 1
                    pause = MIN_GAP_SECONDS * (2 ** min(idle_sweeps, 5))
                    if self._stopping.wait(pause):
                        break
                    continue
                timeout = (self.requery_seconds if listener is not None else self.poll_seconds)
                timeout -= time.monotonic() - read_at
                if next_at is not None:
                    timeout = min(timeout, next_at - now)
                told = self._wait(listener, max(timeout, 0))
                if time.monotonic() - read_at >= (self.requery_seconds if listener else self.poll_seconds):
                    next_at, read_at = self._next_step_at(), time.monotonic()
                for at in told:
                    next_at = at if next_at is None else min(next_at, at)
        finally:
            if listener is not None:
                listener.close()

    def _wait(self, listener, timeout):
        """Sleep up to `timeout` s; wake early on a notification or stop(). The times told."""
        fds = [self._wake_r] + ([listener.fileno()] if listener is not None else [])
        ready, _, _ = select.select(fds, [], [], timeout)
        if self._wake_r in ready:
            with contextlib.suppress(OSError):
                os.read(self._wake_r, 64)
        if listener is None or listener.fileno() not in ready:
            return []
        told = []
        for payload in self.received(listener):
            with contextlib.suppress(ValueError):
                told.append(float(payload))
        return told


class DeadlineWaker(bootsteps.StartStopStep):
    """Worker bootstep: the waker's thread, started after the pool."""

    requires = ("celery.worker.components:Pool",)

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.waker = None
        self.thread = None

    def include_if(self, worker):
        from django.conf import settings

        return getattr(settings, "SERVICEDESK_DEADLINE_WAKER", False)

    def start(self, worker):
        self.waker = Waker()
        self.thread = threading.Thread(target=self.waker.run, name="deadline-waker", daemon=True)
        self.thread.start()
        log.info("deadline waker started")

    def stop(self, worker):
        if self.waker is not None:
            self.waker.stop()
            self.thread.join(30)
            self.waker = None

    shutdown = stop
