"""A complaint's overdue loop step escalated by a real Celery worker
(api-contract.md, Escalation; issue "Complaints", the 1/3/2/5 loop on the
deadline engine): the project's app (servicedesk.celery.app) on the
machine's Redis, database 13 under a key prefix of this test's own, a worker
in a thread running the "deadlines.sweep" task against PostgreSQL. Skipped
without PostgreSQL and Redis, a failure under CI=true. Every wait is bounded:
a bound on a wait, not a measurement."""

import contextlib
import datetime
import os
import time
import uuid
from types import SimpleNamespace
from urllib.parse import urlparse, urlunparse

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from django.utils import timezone

from servicedesk.accounts.models import Unit
from servicedesk.celery import app
from servicedesk.deadlines.models import Deadline, Escalation
from servicedesk.notifications.models import Notification
from tests.conftest import api_for
from tests.factories import UnitFactory, UserFactory

# The worker reads committed rows: a transactional database, with the seeded
# SLA policies and calendar restored for each test.
pytestmark = [
    pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BROKER_DB = 13
DAY = datetime.timedelta(days=1)


def _drop_publishing_connections():
    """The app keeps a connection pool for the broker it first published to."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def _close_this_threads_connections(**kwargs):
    # The worker thread's database connections would outlive the test and keep
    # the test database from being flushed.
    connections.close_all()


@pytest.fixture
def worker_app(redis_url):
    """servicedesk.celery.app pointed at Redis DB 13 with a key prefix of this
    test's own (no other worker takes its messages); the keys are removed after."""
    url = urlunparse(urlparse(redis_url)._replace(path=f"/{BROKER_DB}"))
    prefix = f"sd-complaints-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    saved = app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager
    _drop_publishing_connections()
    options = {
        k: v for k, v in (saved[1] or {}).items() if not k.startswith(("data_folder", "processed", "control", "store"))
    }
    app.conf.broker_url = url
    app.conf.broker_transport_options = options | {"global_keyprefix": prefix}
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        _drop_publishing_connections()
        app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager = saved
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        with contextlib.suppress(redis.RedisError):
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)
        client.close()


@contextlib.contextmanager
def worker_thread(celery_app):
    task_postrun.connect(_close_this_threads_connections, weak=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
            yield
    finally:
        task_postrun.disconnect(_close_this_threads_connections)


def wait_for(condition, *, timeout, what):
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up waiting after {timeout} s for {what}")
        time.sleep(0.1)


@pytest.fixture
def org(transactional_db):
    hq = UnitFactory(name="总部", kind=Unit.Kind.HEADQUARTERS)
    cs = UnitFactory(name="客服中心", kind=Unit.Kind.CALL_CENTER, parent=hq)
    quality = UnitFactory(name="质量部", kind=Unit.Kind.DEPARTMENT, parent=hq)
    return SimpleNamespace(
        quality=quality,
        agent=UserFactory(username="agent", roles=["agent"], unit=cs),
        cs_supervisor=UserFactory(username="sup_cs", roles=["supervisor"], unit=cs),
        cs_manager=UserFactory(username="mgr_cs", roles=["manager"], unit=cs),
        quality_supervisor=UserFactory(username="sup_quality", roles=["supervisor"], unit=quality),
        leader=UserFactory(username="mgr_hq", roles=["manager"], unit=hq),
    )


def file_complaint(user, *, received_at, phone):
    r = api_for(user).post("/api/v1/complaints/", {
        "customer": {"name": "王芳", "phone": phone}, "category": "service", "description": "师傅未按约上门",
        "received_at": received_at.isoformat(),
    }, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def test_a_real_worker_escalates_an_overdue_register_deadline_of_a_complaint(postgres, worker_app, org, settings):
    settings.SERVICEDESK_MAX_BACKDATE_DAYS = 31  # received 30 days before the request
    # 30 calendar days ago: past its 1st (register) and 5th (overall) working day, whatever the holidays.
    received = timezone.now() - 30 * DAY
    late = file_complaint(org.agent, received_at=received, phone="139 0000 1111")
    in_time = file_complaint(org.agent, received_at=received, phone="138 2222 3333")
    r = api_for(org.agent).post(f"/api/v1/complaints/{in_time['id']}/forward/", {"handling_unit": org.quality.pk},
                                format="json")
    assert r.status_code == 200, r.content
    register = Deadline.objects.get(complaint__pk=late["id"], kind="register")
    assert (register.escalation_level, register.met_at, register.due_at < timezone.now()) == (0, None, True)
    overall_ids = list(Deadline.objects.filter(kind="overall").values_list("pk", flat=True))

    with worker_thread(worker_app):
        worker_app.send_task("deadlines.sweep")
        wait_for(lambda: Escalation.objects.filter(deadline_id__in=[register.pk, *overall_ids]).count() == 9,
                 timeout=60, what="the worker's sweep to take levels 1-3 of three overdue deadlines")

    register.refresh_from_db()
    assert (register.escalation_level, register.next_escalation_at, register.met_at) == (3, None, None)
    assert list(Escalation.objects.filter(deadline=register).order_by("level").values_list("level", "target")) == [
        (1, "supervisor"), (2, "manager"), (3, "leadership")]
    # Still received: the accepting unit answers for it (supervisor, then manager of the CS center, then HQ).
    due = timezone.localtime(register.due_at).strftime("%Y-%m-%d %H:%M")
    assert list(Notification.objects.filter(escalation__deadline=register).order_by("escalation__level")
                .values_list("recipient__username", "title")) == [
        ("sup_cs", f"Overdue (level 1): Complaint {late['number']}, Register complaint was due {due}"),
        ("mgr_cs", f"Overdue (level 2): Complaint {late['number']}, Register complaint was due {due}"),
        ("mgr_hq", f"Overdue (level 3): Complaint {late['number']}, Register complaint was due {due}"),
    ]
    # The forwarded one met its register step: nothing to escalate; its overall step is the quality department's.
    met = Deadline.objects.get(complaint__pk=in_time["id"], kind="register")
    assert (met.escalation_level, Escalation.objects.filter(deadline=met).count()) == (0, 0)
    assert list(Notification.objects.filter(escalation__deadline__complaint__pk=in_time["id"])
                .order_by("escalation__level").values_list("recipient__username", flat=True)) == [
        "sup_quality", "mgr_hq", "mgr_hq"]  # the department has no manager: the nearest is at HQ

    shown = api_for(org.agent).get(f"/api/v1/complaints/{late['id']}/").json()["deadlines"]
    assert [(d["kind"], d["escalation_level"], d["breached"], d["met_at"]) for d in shown] == [
        ("register", 3, True, None), ("overall", 3, True, None)]
