"""A backlog of due steps is swept by two processes (issue 18, item 4): a
sweep whose first batch came full asks once for another sweep, which another
worker process takes; SKIP LOCKED shares the rows and the unique (deadline,
level) keeps every step once. The helper asks no further."""

import pytest
from django.db.models import Count
from django.utils import timezone

from servicedesk.celery import app
from servicedesk.deadlines.escalation import sweep
from servicedesk.deadlines.models import Escalation
from tests.celery_utils import ROOT, broker, new_prefix, scratch_broker_url, stop_process, wait_for, worker_process
from tests.test_escalation_reliability import other_sessions_on_the_test_database
from tests.test_sweep_set_based import deadlines, org  # noqa: F401 - fixture


@pytest.mark.django_db
def test_a_full_first_batch_asks_once_for_help_and_a_short_one_does_not(org, postgres):  # noqa: F811
    now = timezone.now().replace(microsecond=0)
    deadlines(org, 12, step=1, now=now)
    asked = []

    result = sweep(now=now, batch_size=5, on_backlog=lambda: asked.append(1))

    assert (result.escalations, result.batches, asked) == (12, 3, [1])
    deadlines(org, 4, step=1, now=now)
    assert sweep(now=now, batch_size=5, on_backlog=lambda: asked.append(2)).escalations == 4
    assert asked == [1]  # four fit in one batch: no help asked


@pytest.mark.django_db
def test_help_that_cannot_be_asked_leaves_the_sweep_to_finish_alone(org, postgres):  # noqa: F811
    now = timezone.now().replace(microsecond=0)
    deadlines(org, 8, step=1, now=now)

    def broker_down():
        raise ConnectionError("broker down")

    assert sweep(now=now, batch_size=3, on_backlog=broker_down).escalations == 8


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_share_a_backlog_and_take_every_step_once(org, postgres, redis_url):  # noqa: F811
    now = timezone.now().replace(microsecond=0)
    orders = deadlines(org, 60, step=1, now=now)
    url, prefix = scratch_broker_url(redis_url), new_prefix()
    with broker(url, prefix=prefix):
        workers = [worker_process(broker_url=url, prefix=prefix, name=f"backlog-{i}") for i in range(2)]
        try:
            app.send_task("deadlines.sweep", kwargs={"batch_size": 5})
            wait_for(lambda: Escalation.objects.filter(level=1).count() == len(orders), timeout=60, interval=0.2,
                     what="the backlog to be swept")
        finally:
            for worker in workers:
                stop_process(worker)
        wait_for(lambda: other_sessions_on_the_test_database() == 0, timeout=20, what="the sessions to end")
    # Each worker took one sweep: the one sent, and the help it asked for (solo workers: the one busy
    # sweeping fetches nothing more until it is done, so the other took the help).
    logs = [(ROOT / "var" / f"test-worker-backlog-{i}.log").read_text() for i in (0, 1)]
    received = [log.count("Task deadlines.sweep[") for log in logs]
    assert sorted(received) == [2, 2], received  # "received" and "succeeded", once in each worker
    per_deadline = Escalation.objects.values("deadline_id", "level").annotate(n=Count("id")).filter(n__gt=1)
    assert list(per_deadline) == []
    assert Escalation.objects.filter(level=1).count() == len(orders)
