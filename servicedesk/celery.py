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
