import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")

app = Celery("servicedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Escalation on time: a thread in each worker sleeps until the next deadline step is due
# (servicedesk/deadlines/waker.py; SERVICEDESK_DEADLINE_WAKER=0 turns it off).
from servicedesk.deadlines.waker import DeadlineWaker  # noqa: E402 - after the app, as Celery's docs do

app.steps["worker"].add(DeadlineWaker)


# No connection pool in Celery processes (issue 18, item 6; servicedesk/dbconfig.py): the
# pool's connections and its maintenance threads belong to the process that opened it, and
# a prefork child is a fork of the worker's main process. A pool opened before the fork
# would hand the same PostgreSQL sessions to every child (two processes writing on one
# socket) with none of its threads running in them. A task holds its connection for the
# whole task anyway, so every worker process keeps one connection of its own for
# CONN_MAX_AGE seconds, as before; the deadline waker LISTENs on a connection of its own.
# The pool stays where it pays: the web processes, whose threads borrow it per request.
from celery.signals import beat_init, celeryd_init  # noqa: E402 - beside the step above


def _without_pool(**kwargs):
    from django.conf import settings
    from django.db import connections

    from servicedesk.dbconfig import drop_pool

    drop_pool(connections, settings.SERVICEDESK_CONN_MAX_AGE)


celeryd_init.connect(_without_pool, weak=False)  # `celery worker`, before its pool forks or any task
beat_init.connect(_without_pool, weak=False)  # `celery beat` (one process: for the same CONN_MAX_AGE)


# Garbage collection (issue 18): once a worker process (or a prefork child) has
# loaded everything, its start-up objects are frozen out of the collector's
# reach and young collections made rarer (as gunicorn.conf.py does for web).
from celery.signals import worker_process_init, worker_ready  # noqa: E402 - beside the step above


def _freeze_gc(**kwargs):
    import gc

    if os.environ.get("TESTING"):
        return  # a test's worker thread runs inside pytest's process: leave its collector alone
    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 10, 10)


worker_process_init.connect(_freeze_gc, weak=False)  # each prefork child, after it is forked
worker_ready.connect(_freeze_gc, weak=False)  # the main process (the solo pool runs tasks there)
