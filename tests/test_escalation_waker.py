"""Escalation within a second of the due time (issue 18, item 2): the deadline
waker (servicedesk/deadlines/waker.py), a thread in every real Celery worker,
sleeps until the next step is due and is woken by PostgreSQL's NOTIFY when an
earlier one is written (the trigger of deadlines migration 0008). No beat and no
task is sent in these tests: what escalates is the waker alone. Exactly once is
kept with two workers at once, both killed with SIGKILL mid-sweep, and a
restarted worker that finishes on its own. PostgreSQL and Redis are real
(skipped without them, a failure under CI=true); every wait is bounded."""

import datetime
import signal
import statistics
import threading
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from servicedesk.deadlines.models import Deadline, Escalation, SlaPolicy
from servicedesk.deadlines.waker import CHANNEL, Waker
from servicedesk.notifications.models import EmailDelivery, Notification
from tests.celery_utils import ROOT, broker, new_prefix, scratch_broker_url, stop_process, wait_for, worker_process
from tests.factories import CustomerFactory, UserFactory
from tests.test_escalation_reliability import (
    in_the_middle_of_a_sweep,
    levels_per_deadline,
    other_sessions_on_the_test_database,
    overdue_deadlines,
)
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

S = datetime.timedelta(seconds=1)


@pytest.fixture
def scratch(redis_url):
    return scratch_broker_url(redis_url), new_prefix()


@pytest.fixture
def watchers(db):
    return [UserFactory(username="sup_a", roles=["supervisor"], email="sup_a@example.cn"),
            UserFactory(username="mgr_a", roles=["manager"], email="mgr_a@example.cn")]


def steps_at(times, *, warnings=()):
    """Work orders with an open `arrive` deadline falling due at each of `times`,
    and with one whose warning point falls at each of `warnings` (due 6 h later).
    Written with the ORM's bulk INSERT: the trigger sees them as any writer's."""
    by = UserFactory(username=f"bulk_{new_prefix()[7:-1]}", roles=["agent"])
    customer = CustomerFactory()
    policy = SlaPolicy.objects.get(code="work-order-arrive")
    now = timezone.now()
    orders = WorkOrder.objects.bulk_create([
        WorkOrder(kind="repair", customer=customer, description=f"waker {i}", reported_at=now, created_by=by)
        for i in range(len(times) + len(warnings))
    ])
    ct = ContentType.objects.get_for_model(WorkOrder)
    rows = [Deadline(content_type=ct, object_id=o.pk, kind="arrive", policy=policy, started_at=now, due_at=due,
                     warn_at=due - 6 * 3600 * S, warned_at=now, next_escalation_at=due)
            for o, due in zip(orders, times, strict=False)]
    rows += [Deadline(content_type=ct, object_id=o.pk, kind="arrive", policy=policy, started_at=now,
                      due_at=warn + 6 * 3600 * S, warn_at=warn, next_escalation_at=warn)
             for o, warn in zip(orders[len(times):], warnings, strict=True)]
    Deadline.objects.bulk_create(rows)
    return [d.pk for d in Deadline.objects.filter(object_id__in=[o.pk for o in orders])]


def lags():
    """Seconds from each step's time (due_at for a level, warn_at for a warning) to
    its Escalation row's clock, and to its first notification's commit-side time."""
    with connection.cursor() as cur:
        cur.execute("""
            SELECT e.level, extract(epoch FROM e.at - CASE WHEN e.level = 0 THEN d.warn_at ELSE d.due_at END),
                   extract(epoch FROM (SELECT min(n.created_at) FROM notifications_notification n
                                       WHERE n.escalation_id = e.id)
                                      - CASE WHEN e.level = 0 THEN d.warn_at ELSE d.due_at END)
            FROM deadlines_escalation e JOIN deadlines_deadline d ON d.id = e.deadline_id""")
        return cur.fetchall()


def worker_ready(name):
    def ready():
        log = (ROOT / "var" / f"test-worker-{name}.log")
        text = log.read_text(errors="replace") if log.exists() else ""
        return "ready." in text and "deadline waker started" in text
    return ready


# --- the trigger ----------------------------------------------------------------------------


def test_a_step_written_within_ten_minutes_is_told_on_the_channel_at_commit_and_not_before(postgres, watchers):
    listener = Waker.open_listener()  # what the waker's thread listens on
    try:
        # A connection of its own (issue 18, item 6): not one a pool lends, not Django's; Django's
        # connection (the pool's in this process) does not listen.
        assert getattr(listener, "_pool", None) is None
        with connection.cursor() as cur:
            cur.execute("SELECT pg_listening_channels()")
            assert cur.fetchall() == []
        assert listener.info.backend_pid != connection.connection.info.backend_pid
        with listener.cursor() as cur:
            cur.execute("SELECT pg_listening_channels()")
            assert cur.fetchall() == [(CHANNEL,)]

        def told():
            return [float(payload) for payload in Waker.received(listener)]

        soon = timezone.now() + 30 * S
        with transaction.atomic():
            ids = steps_at([soon, soon + 5 * S])  # one statement, one notification: the earliest
            time.sleep(0.2)
            assert told() == []  # not before commit
        payloads = wait_for(told, timeout=5, interval=0.05, what="the notification")
        assert payloads == [pytest.approx(soon.timestamp(), abs=0.001)]

        # Moved earlier (as a resume or a policy recompute would): told again.
        earlier = timezone.now() + 10 * S
        Deadline.objects.filter(pk=ids[1]).update(next_escalation_at=earlier)
        assert wait_for(told, timeout=5, interval=0.05, what="the move") == [
            pytest.approx(earlier.timestamp(), abs=0.001)]

        # Far away (a 24-hour respond deadline), met, or cancelled: nothing to wake anybody for.
        steps_at([timezone.now() + 2 * 3600 * S])
        Deadline.objects.filter(pk=ids[0]).update(met_at=timezone.now())
        time.sleep(0.3)
        assert told() == []
    finally:
        listener.close()


# --- a real worker, no beat -------------------------------------------------------------------


def test_a_real_worker_escalates_within_a_second_of_each_due_time_and_warning_point(postgres, scratch, watchers):
    url, prefix = scratch
    with broker(url, prefix=prefix):
        proc = worker_process(broker_url=url, prefix=prefix, name="waker", waker=True)
        try:
            wait_for(worker_ready("waker"), timeout=60, what="the worker and its waker to start")
            start = timezone.now() + 2 * S
            # 24 level-1 steps and 12 warnings over 6 s, written in four statements as they would come.
            ids = []
            for batch in range(4):
                at = start + batch * 1.5 * S
                ids += steps_at([at + i * 0.25 * S for i in range(6)], warnings=[at + 0.6 * S, at + 1.1 * S, at])
            wait_for(lambda: Escalation.objects.count() == len(ids), timeout=30, what="every step to be taken")
            wait_for(lambda: EmailDelivery.objects.filter(state="sent").count() == len(ids), timeout=30,
                     what="the e-mail the waker's sweeps queued")
        finally:
            stop_process(proc)
        wait_for(lambda: other_sessions_on_the_test_database() == 0, timeout=20, what="the worker's sessions to end")

    measured = lags()
    assert len(measured) == 36 and sorted({level for level, _, _ in measured}) == [0, 1]
    escalated = [lag for _, lag, _ in measured]
    told = [lag for _, _, lag in measured]
    assert min(escalated) >= 0  # never before its time
    assert max(escalated) < 1.0, sorted(escalated)
    assert max(told) < 1.0, sorted(told)  # the notification is written in the same transaction
    print(f"\nwaker lag: escalation p50 {statistics.median(escalated) * 1000:.0f} ms, max {max(escalated) * 1000:.0f}"
          f" ms; notification max {max(told) * 1000:.0f} ms")
    assert set(map(tuple, levels_per_deadline(ids).values())) <= {(0,), (1,)}
    assert Notification.objects.count() == EmailDelivery.objects.count() == 36


def test_two_workers_killed_mid_sweep_and_one_restarted_escalate_each_deadline_exactly_once(
    postgres, scratch, watchers
):
    url, prefix = scratch
    total = 5000
    ids = overdue_deadlines(total)  # due an hour ago: the wakers start sweeping at once
    with broker(url, prefix=prefix):
        first = [worker_process(broker_url=url, prefix=prefix, name=f"waker-{i}", waker=True) for i in range(2)]
        try:
            # Both started (on a busy machine one can still be loading when the other sweeps), and mid-sweep.
            wait_for(lambda: all(worker_ready(f"waker-{i}")() for i in range(2)) and in_the_middle_of_a_sweep(total),
                     timeout=90, interval=0.02, what="both wakers started and a sweep under way")
            for proc in first:
                proc.send_signal(signal.SIGKILL)
            for proc in first:
                proc.wait(10)
        finally:
            for proc in first:
                stop_process(proc, signal.SIGKILL)
        wait_for(lambda: other_sessions_on_the_test_database() == 0, timeout=20,
                 what="PostgreSQL to roll back the killed workers' transactions")
        escalated = Deadline.objects.filter(pk__in=ids, escalation_level=1).count()
        assert 0 < escalated < total
        assert Escalation.objects.count() == escalated  # nothing half done
        assert Notification.objects.count() == EmailDelivery.objects.count() == escalated
        logs = [(ROOT / "var" / f"test-worker-waker-{i}.log").read_text(errors="replace") for i in range(2)]
        assert all("deadline waker started" in text for text in logs)

        # Restarted: no beat, no task sent; its waker finds the steps past due and takes them.
        again = worker_process(broker_url=url, prefix=prefix, name="waker-again", waker=True)
        try:
            wait_for(lambda: Escalation.objects.count() >= total, timeout=90, interval=0.2,
                     what="the restarted worker's waker to finish")
        finally:
            stop_process(again)
        wait_for(lambda: other_sessions_on_the_test_database() == 0, timeout=20, what="the worker's session to end")

    assert set(map(tuple, levels_per_deadline(ids).values())) == {(1,)}  # every one, exactly once
    assert Notification.objects.count() == EmailDelivery.objects.count() == total


# --- without LISTEN (the embedded mode's way) ---------------------------------------------------


def test_without_listen_the_waker_polls_and_still_escalates_within_a_second(postgres, watchers):
    waker = Waker(listen=False, poll_seconds=0.25)
    thread = threading.Thread(target=waker.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.5)  # asleep, with nothing due
        ids = steps_at([timezone.now() + 1.5 * S, timezone.now() + 2 * S], warnings=[timezone.now() + 1 * S])
        wait_for(lambda: Escalation.objects.count() == 3, timeout=20, what="the polling waker")
    finally:
        waker.stop()
        thread.join(20)
    assert not thread.is_alive()
    assert set(map(tuple, levels_per_deadline(ids).values())) == {(0,), (1,)}
    assert max(lag for _, lag, _ in lags()) < 1.0
    assert waker.sweeps >= 1
