"""Reliability of the escalation engine against the real services (issue
"Deadline engine", Reliability): a real Celery worker on the machine's Redis
escalates an overdue order; two sweeps at once escalate each deadline once per
level; a worker killed with SIGKILL in the middle of a sweep leaves nothing
half done and a new one finishes the work; with the broker unreachable orders
are still taken and the next sweep and the redelivery catch up when it is
back. PostgreSQL and Redis are real (skipped without them, a failure under
CI=true). The workers use a key prefix of their own on Redis database 15
(tests/celery_utils.py). Every wait is bounded."""

import contextlib
import datetime
import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from servicedesk.deadlines.escalation import sweep
from servicedesk.deadlines.models import Deadline, Escalation, SlaPolicy
from servicedesk.notifications.models import EmailDelivery, Notification
from tests.celery_utils import (
    ROOT,
    app,
    broker,
    finishes,
    new_prefix,
    queued_messages,
    scratch_broker_url,
    stop_process,
    wait_for,
    worker_process,
    worker_thread,
)
from tests.concurrency import at_once
from tests.conftest import api_for
from tests.factories import CustomerFactory, UserFactory
from tickets.models import WorkOrder

# Workers and the concurrent sweeps need committed data: a transactional
# database, its seeded rows (SLA policies, calendar) restored for each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

H = datetime.timedelta(hours=1)
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: the broker is "down"


@pytest.fixture
def scratch(redis_url):
    """(broker url, key prefix) of this test on Redis database 15."""
    return scratch_broker_url(redis_url), new_prefix()


@pytest.fixture
def watchers(db):
    return [
        UserFactory(username="sup_a", roles=["supervisor"], email="sup_a@example.cn"),
        UserFactory(username="mgr_a", roles=["manager"], email="mgr_a@example.cn"),
    ]


def create_order_through_the_api(user, *, reported_at):
    r = api_for(user).post("/api/v1/work-orders/", {
        "kind": "repair", "description": "空调不制冷", "reported_at": reported_at.isoformat(),
        "customer": {"name": "周杰", "phone": "137 0000 1111", "address": "上海市浦东新区世纪大道100号"},
    }, format="json")
    return r


def overdue_deadlines(n, *, overdue_by=H):
    """n work orders, each with an open `respond` deadline `overdue_by` past
    due, written in bulk (the service would take minutes for thousands)."""
    by = UserFactory(username="bulk_agent", roles=["agent"])
    customer = CustomerFactory()
    policy = SlaPolicy.objects.get(code="work-order-respond")
    reported = timezone.now() - policy.duration - overdue_by
    orders = WorkOrder.objects.bulk_create(
        [WorkOrder(kind="repair", customer=customer, description=f"bulk {i}", reported_at=reported, created_by=by)
         for i in range(n)], batch_size=1000,
    )
    ct = ContentType.objects.get_for_model(WorkOrder)
    due = reported + policy.duration
    Deadline.objects.bulk_create(
        [Deadline(content_type=ct, object_id=o.pk, kind="respond", policy=policy, started_at=reported, due_at=due,
                  warn_at=policy.warn_at(reported, due), warned_at=reported + policy.duration * 0.75,
                  next_escalation_at=due) for o in orders],
        batch_size=1000,
    )
    return list(Deadline.objects.filter(object_id__in=[o.pk for o in orders]).values_list("pk", flat=True))


def levels_per_deadline(ids):
    """{deadline id: sorted levels of its Escalation rows}."""
    found = {pk: [] for pk in ids}
    for deadline_id, level in (
        Escalation.objects.filter(deadline_id__in=ids).order_by("level").values_list("deadline_id", "level")
    ):
        found[deadline_id].append(level)
    return found


# This process's sessions (its pool's, its threads') are named after it (servicedesk/test_settings.py).
NOT_OURS = "pid <> pg_backend_pid() AND application_name <> current_setting('application_name')"


def in_the_middle_of_a_sweep(total):
    """Some escalated, not all, and the worker holds a transaction open: a batch in flight."""
    done = Escalation.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND {NOT_OURS}"
            " AND xact_start IS NOT NULL"
        )
        in_batch = cursor.fetchone()[0]
    return 0 < done < total and in_batch


def other_sessions_on_the_test_database():
    """Sessions of other processes (the workers') on the test database."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND {NOT_OURS}")
        return cursor.fetchone()[0]


# --- a. a real worker --------------------------------------------------------------------


def test_a_real_worker_on_redis_escalates_an_overdue_order_and_mails_the_supervisor(
    postgres, scratch, agent, watchers
):
    url, prefix = scratch
    r = create_order_through_the_api(agent, reported_at=timezone.now() - 25 * H)  # due an hour ago
    assert r.status_code == 201, r.content
    order_id = r.json()["id"]
    deadlines = Deadline.objects.filter(object_id=order_id, content_type=ContentType.objects.get_for_model(WorkOrder))

    with broker(url, prefix=prefix), worker_thread():
        app.send_task("deadlines.sweep")
        wait_for(lambda: Escalation.objects.filter(deadline__in=deadlines).count() == 2, timeout=30,
                 what="the worker's sweep")
        wait_for(lambda: EmailDelivery.objects.filter(state="sent").count() == 2, timeout=30,
                 what="the e-mail the sweep queued after its commit")

    assert sorted(deadlines.values_list("kind", "escalation_level")) == [("arrive", 1), ("respond", 1)]
    assert sorted(Escalation.objects.values_list("deadline__kind", "level", "target")) == [
        ("arrive", 1, "supervisor"), ("respond", 1, "supervisor"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["sup_a@example.cn", "sup_a@example.cn"]
    shown = api_for(watchers[0]).get(f"/api/v1/work-orders/{order_id}/").json()["deadlines"]
    assert {d["kind"]: d["escalation_level"] for d in shown} == {"respond": 1, "arrive": 1}


# --- b. two sweeps at once ---------------------------------------------------------------------


def test_two_sweeps_at_once_escalate_each_deadline_once_per_level(postgres, watchers):
    ids = overdue_deadlines(300)
    later = timezone.now() + 48 * H  # levels 1, 2 and 3 all due
    def one_sweep():
        return sweep(now=later, batch_size=20)

    with broker(DEAD_BROKER):  # the e-mail tasks are not this test's business: queued nowhere
        results = at_once(one_sweep, one_sweep)

    assert len(results) == 2
    assert sum(r.escalations for r in results) == 900
    assert set(map(tuple, levels_per_deadline(ids).values())) == {(1, 2, 3)}
    assert set(Deadline.objects.filter(pk__in=ids).values_list("escalation_level", "next_escalation_at")) == {(3, None)}
    per_escalation = Notification.objects.values("escalation").annotate(n=Count("id")).values_list("n", flat=True)
    assert set(per_escalation) == {1}  # level 1 to the supervisor, 2 and 3 to the manager: one each
    assert Notification.objects.count() == EmailDelivery.objects.count() == 900


def test_two_escalate_overdue_processes_at_once_escalate_each_deadline_once(postgres, watchers):
    ids = overdue_deadlines(300, overdue_by=5 * H)  # levels 1 and 2 due
    s = connection.settings_dict
    env = {
        "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "servicedesk.test_settings", "CONN_MAX_AGE": "0",
        "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}",
        # Their e-mail tasks are not this test's business: a broker that is down takes them (and
        # nothing is left on the embedded broker of the developer's own instance).
        "REDIS_URL": DEAD_BROKER,
    }
    # Both processes load Django, say so, and wait for a common start signal (a file); then sweep in batches of 10.
    flags = ROOT / "var" / f"flags-{new_prefix().strip(':')}"
    flags.mkdir(parents=True)
    script = (
        "import django, pathlib, sys, time; django.setup()\n"
        f"flags = pathlib.Path({str(flags)!r})\n"
        "(flags / sys.argv[1]).touch()\n"
        "while not (flags / 'go').exists(): time.sleep(0.01)\n"
        "from django.core.management import call_command\n"
        "call_command('escalate_overdue', '--batch-size', '10')\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, f"ready-{i}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    try:
        wait_for(
            lambda: all((flags / f"ready-{i}").exists() for i in range(2)) or any(p.poll() is not None for p in procs),
            timeout=60, what="both processes to load Django",
        )
        (flags / "go").touch()
        outputs = [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            stop_process(p, signal.SIGKILL)
        shutil.rmtree(flags, ignore_errors=True)

    assert [p.returncode for p in procs] == [0, 0], outputs
    done = [int(out.split("escalations: ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(done) == 600, outputs
    assert set(map(tuple, levels_per_deadline(ids).values())) == {(1, 2)}


# --- c. a worker killed in the middle of a sweep -------------------------------------------------------


def test_a_worker_killed_mid_sweep_leaves_nothing_half_done_and_a_new_one_finishes(postgres, scratch, watchers):
    url, prefix = scratch
    total = 5000
    ids = overdue_deadlines(total)

    with broker(url, prefix=prefix):
        first = worker_process(broker_url=url, prefix=prefix, name="killed")
        try:
            app.send_task("deadlines.sweep", kwargs={"batch_size": 10})
            wait_for(
                lambda: in_the_middle_of_a_sweep(total), timeout=45, interval=0.02, what="the sweep to be under way"
            )
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            stop_process(first, signal.SIGKILL)
        wait_for(lambda: other_sessions_on_the_test_database() == 0, timeout=20,
                 what="PostgreSQL to roll back the killed worker's transaction")

        escalated = Deadline.objects.filter(pk__in=ids, escalation_level=1).count()
        assert 0 < escalated < total  # killed part-way
        # Nothing half done: a level reached has its Escalation row, its notifications and e-mail, and back.
        assert Escalation.objects.count() == escalated
        assert not Deadline.objects.filter(pk__in=ids, escalation_level=1, escalations__isnull=True).exists()
        assert not Escalation.objects.filter(deadline__escalation_level=0).exists()
        assert Notification.objects.count() == EmailDelivery.objects.count() == escalated
        assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"sup_a"}

        # The killed task's message waits out the visibility timeout (an hour); the next
        # periodic sweep (every 15 s) is what picks the work up: a new worker, a new sweep.
        second = worker_process(broker_url=url, prefix=prefix, name="restarted")
        try:
            app.send_task("deadlines.sweep")
            wait_for(lambda: Escalation.objects.count() >= total, timeout=60, interval=0.2,
                     what="the restarted worker to finish the sweep")
            wait_for(lambda: not Deadline.objects.filter(pk__in=ids, next_escalation_at__lte=timezone.now()).exists(),
                     timeout=30, what="no due step left")
        finally:
            stop_process(second, signal.SIGKILL)  # the e-mail batches left in its queue are not this test's business
        wait_for(lambda: other_sessions_on_the_test_database() == 0, timeout=20, what="the worker's session to end")

    assert set(map(tuple, levels_per_deadline(ids).values())) == {(1,)}  # every one, exactly once
    assert Deadline.objects.filter(pk__in=ids, escalation_level=1).count() == total
    assert Notification.objects.count() == EmailDelivery.objects.count() == total


def test_a_pool_process_killed_mid_sweep_gives_its_task_back_and_the_same_worker_finishes_it(
    postgres, scratch, watchers
):
    # acks_late + reject_on_worker_lost (settings): the message of a task whose pool process
    # died goes back on the queue at once, with no new sweep and no visibility timeout to wait out.
    url, prefix = scratch
    total = 1000
    ids = overdue_deadlines(total)

    with broker(url, prefix=prefix):
        proc = worker_process(broker_url=url, prefix=prefix, name="prefork", pool="prefork")
        children = []
        try:
            app.send_task("deadlines.sweep", kwargs={"batch_size": 10})  # the only sweep sent in this test
            wait_for(
                lambda: in_the_middle_of_a_sweep(total), timeout=45, interval=0.02, what="the sweep to be under way"
            )
            children = pool_processes(proc.pid)
            assert len(children) == 1
            os.kill(children[0], signal.SIGKILL)
            wait_for(lambda: Escalation.objects.count() >= total, timeout=60, interval=0.2,
                     what="the requeued sweep to finish")
            wait_for(lambda: not Deadline.objects.filter(pk__in=ids, next_escalation_at__lte=timezone.now()).exists(),
                     timeout=30, what="no due step left")
            children += pool_processes(proc.pid)
        finally:
            stop_process(proc, signal.SIGKILL)
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        wait_for(lambda: other_sessions_on_the_test_database() == 0, timeout=20, what="the worker's sessions to end")

    assert set(map(tuple, levels_per_deadline(ids).values())) == {(1,)}  # every one, exactly once
    assert Notification.objects.count() == EmailDelivery.objects.count() == total
    log = (ROOT / "var" / "test-worker-prefork.log").read_text()
    assert "WorkerLostError" in log  # what happened was the pool process dying, and the task came back


def pool_processes(pid):
    """The pool processes of a prefork worker: its children."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


# --- d. the broker unreachable ---------------------------------------------------------------------


def test_with_the_broker_down_orders_are_taken_and_the_work_catches_up_when_it_is_back(
    postgres, scratch, agent, watchers, caplog
):
    url, prefix = scratch
    with broker(DEAD_BROKER):
        r = create_order_through_the_api(agent, reported_at=timezone.now() - 25 * H)
        assert r.status_code == 201, r.content
        first = r.json()["id"]
        # The sweep commits escalations and e-mail rows, then fails to queue their delivery.
        with caplog.at_level(logging.WARNING, logger="servicedesk.notifications.services"):
            finished, result = finishes(sweep, within=30)
        assert finished, "a sweep hung on the dead broker"
        assert result.escalations == 2
        assert "could not queue notifications.deliver_batch" in caplog.text
        # And the next order is taken all the same.
        finished, r = finishes(
            lambda: create_order_through_the_api(agent, reported_at=timezone.now() - 25 * H), within=30
        )
        assert finished, "an order create hung on the dead broker"
        assert r.status_code == 201, r.content
        second = r.json()["id"]

    assert set(EmailDelivery.objects.values_list("state", flat=True)) == {"pending"}
    assert Deadline.objects.filter(object_id=second, escalation_level=0).count() == 2

    with broker(url, prefix=prefix), worker_thread():
        app.send_task("deadlines.sweep")
        wait_for(lambda: Deadline.objects.filter(object_id=second, escalation_level=1).count() == 2, timeout=30,
                 what="the next sweep to escalate what fell due while the broker was down")
        app.send_task("notifications.redeliver_pending", kwargs={"older_than_seconds": 0})
        wait_for(lambda: not EmailDelivery.objects.filter(state="pending").exists(), timeout=30,
                 what="the pending e-mail to go out")
        wait_for(lambda: queued_messages(url, prefix) == 0, timeout=30, what="the queue to drain")

    assert sorted(Escalation.objects.values_list("deadline__object_id", "level")) == sorted(
        [(first, 1), (first, 1), (second, 1), (second, 1)]
    )
    assert EmailDelivery.objects.filter(state="sent").count() == 4
    assert sorted(m.to[0] for m in mail.outbox) == ["sup_a@example.cn"] * 4  # each once
