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
