"""Notifications and their e-mail (issue "Deadline engine"): an e-mail row is
sent once however often its task runs, a failing mail server is retried and
the row marked failed after MAX_ATTEMPTS, and the periodic redelivery
re-queues only rows left pending for a while. The tasks run eagerly here
(Celery's own apply); tests/test_escalation_reliability.py runs them on a
real worker. The mail server is the one thing outside the system: locmem
stands in for it, and a dead port for one that is down."""

import contextlib
import datetime
import logging
import signal
import socket
import threading

import pytest
from celery.signals import task_retry
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.utils import timezone

from servicedesk.celery import app
from servicedesk.notifications.models import EmailDelivery, Notification
from servicedesk.notifications.services import notifications_create
from servicedesk.notifications.tasks import MAX_ATTEMPTS, deliver_batch, deliver_email, redeliver_pending
from tests.celery_utils import broker, finishes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class FlakyBackend(LocmemBackend):
    """A mail server that refuses the first `failures` messages."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise ConnectionResetError("421 try again later")
        return super().send_messages(messages)


@pytest.fixture
def eager():
    """Tasks queued with apply_async run at once, in this process."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def dead_mail_server(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2


@pytest.fixture
def flaky_mail_server(settings):
    settings.EMAIL_BACKEND = "tests.test_notifications.FlakyBackend"
    yield FlakyBackend
    FlakyBackend.failures = 0


@pytest.fixture
def hung_broker():
    """A "Redis" that accepts connections and never answers, as a hung or
    swapping server does."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


@contextlib.contextmanager
def hang_guard(seconds):
    """Fail the test instead of hanging it for good."""

    def hung(signum, frame):
        raise AssertionError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def people(db):
    return [
        UserFactory(username="sup_wang", roles=["supervisor"], email="wang@example.cn"),
        UserFactory(username="sup_zhao", roles=["supervisor"], email="zhao@example.cn"),
        UserFactory(username="sup_nomail", roles=["supervisor"], email=""),
    ]


def a_delivery(user, title="工单 WO1 已超时"):
    note = Notification.objects.create(recipient=user, title=title, url="/work-orders/1/")
    return EmailDelivery.objects.create(notification=note, to=user.email)


def test_creating_notifications_writes_one_email_row_per_address_and_delivers_after_commit(
    people, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        notes = notifications_create(recipients=people + [people[0]], title="投诉升级为二级", url="/complaints/7/")

    assert sorted(n.recipient.username for n in notes) == ["sup_nomail", "sup_wang", "sup_zhao"]
    assert len(queued) == 1  # one delivery task for the call; the one without an address has the inbox only
    assert sorted(m.to[0] for m in mail.outbox) == ["wang@example.cn", "zhao@example.cn"]
    assert {m.subject for m in mail.outbox} == {"投诉升级为二级"}
    assert "/complaints/7/" in mail.outbox[0].body
    assert set(EmailDelivery.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_nothing_is_queued_when_the_transaction_rolls_back(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        try:
            with transaction.atomic():
                notifications_create(recipients=people, title="x")
                raise RuntimeError("the caller failed")
        except RuntimeError:
            pass

    assert queued == []
    assert not Notification.objects.exists() and not EmailDelivery.objects.exists()


def test_deliver_email_sends_once_however_often_it_runs(people):
    delivery = a_delivery(people[0])

    assert deliver_email.apply(args=[delivery.pk]).get() == "sent"
    assert deliver_email.apply(args=[delivery.pk]).get() == "skipped"

    assert len(mail.outbox) == 1
    assert (mail.outbox[0].subject, mail.outbox[0].to) == ("工单 WO1 已超时", ["wang@example.cn"])
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at is not None


def test_a_mail_server_that_is_down_is_retried_until_max_attempts_then_the_row_is_failed(people, dead_mail_server):
    delivery = a_delivery(people[0])
    countdowns = []

    def on_retry(sender=None, reason=None, **kwargs):
        countdowns.append(reason.when)

    task_retry.connect(on_retry, sender=deliver_email)
    try:
        result = deliver_email.apply(args=[delivery.pk])
    finally:
        task_retry.disconnect(on_retry, sender=deliver_email)

    assert result.get() == "failed"
    # 30 s doubling each time: seven retries after the first try, about an hour and a half in all.
    assert countdowns == [30, 60, 120, 240, 480, 960, 1920]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.sent_at) == ("failed", MAX_ATTEMPTS, None)
    assert "ConnectionRefusedError" in delivery.last_error
    assert mail.outbox == []
    assert deliver_email.apply(args=[delivery.pk]).get() == "skipped"  # a failed row stays failed
    delivery.refresh_from_db()
    assert delivery.attempts == MAX_ATTEMPTS


def test_a_mail_server_that_never_answers_fails_the_attempt_instead_of_holding_the_worker(
    people, hung_broker, settings
):
    # The silent TCP server stands for an SMTP server that accepts and never greets; the
    # project's EMAIL_TIMEOUT bounds the attempt. The last attempt, so no retry follows.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", int(hung_broker.rsplit(":", 1)[1].split("/")[0])
    delivery = a_delivery(people[0])
    EmailDelivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS - 1)

    with hang_guard(60):  # the row is not committed: run here, not in a thread
        result = deliver_email.apply(args=[delivery.pk]).get()

    assert result == "failed"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert "timed out" in delivery.last_error


def test_a_mail_server_that_recovers_gets_the_mail_on_a_retry(people, flaky_mail_server):
    flaky_mail_server.failures = 2
    delivery = a_delivery(people[0])

    assert deliver_email.apply(args=[delivery.pk]).get() == "sent"

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 3)
    assert "421 try again later" in delivery.last_error
    assert len(mail.outbox) == 1


def test_deliver_batch_sends_each_and_retries_a_failed_one_on_its_own(people, flaky_mail_server, eager):
    flaky_mail_server.failures = 1
    ids = [a_delivery(p).pk for p in people[:2]]

    deliver_batch.apply(args=[ids])

    assert sorted(m.to[0] for m in mail.outbox) == ["wang@example.cn", "zhao@example.cn"]
    assert sorted(EmailDelivery.objects.values_list("state", "attempts")) == [("sent", 1), ("sent", 2)]


def test_redeliver_pending_requeues_only_rows_pending_for_a_while(people, eager):
    old_pending, new_pending, old_sent, old_failed = (
        a_delivery(people[0], title=t) for t in ("old", "new", "sent", "failed")
    )
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    EmailDelivery.objects.filter(pk__in=[old_pending.pk, old_sent.pk, old_failed.pk]).update(created_at=long_ago)
    EmailDelivery.objects.filter(pk=old_sent.pk).update(state="sent", attempts=1, sent_at=long_ago)
    EmailDelivery.objects.filter(pk=old_failed.pk).update(state="failed", attempts=MAX_ATTEMPTS)

    assert redeliver_pending.apply(kwargs={"older_than_seconds": 120}).get() == 1

    assert [m.subject for m in mail.outbox] == ["old"]
    states = dict(EmailDelivery.objects.values_list("notification__title", "state"))
    assert states == {"old": "sent", "new": "pending", "sent": "sent", "failed": "failed"}
    assert EmailDelivery.objects.get(pk=old_failed.pk).attempts == MAX_ATTEMPTS


def test_redeliver_pending_leaves_a_row_in_the_middle_of_its_retries_to_them(people, eager):
    retrying, lost = a_delivery(people[0], title="retrying"), a_delivery(people[1], title="lost")
    now = timezone.now()
    EmailDelivery.objects.filter(pk=retrying.pk).update(created_at=now - datetime.timedelta(minutes=10), attempts=3)
    EmailDelivery.objects.filter(pk=lost.pk).update(created_at=now - datetime.timedelta(hours=3), attempts=3)

    assert redeliver_pending.apply().get() == 1

    assert [m.subject for m in mail.outbox] == ["lost"]
    retrying.refresh_from_db()
    assert (retrying.state, retrying.attempts) == ("pending", 3)  # its next retry is queued with its backoff


@pytest.mark.parametrize("state", ["down", "hung"])
def test_queueing_on_a_broker_that_is_down_or_hung_gives_up_and_leaves_the_rows_pending(
    state, people, hung_broker, django_capture_on_commit_callbacks, caplog
):
    url = {"down": "redis://127.0.0.1:1/0", "hung": hung_broker}[state]
    with broker(url):
        with django_capture_on_commit_callbacks() as queued:
            notifications_create(recipients=people, title="投诉升级为三级")
        with caplog.at_level(logging.WARNING, logger="servicedesk.notifications.services"):
            finished, _ = finishes(queued[0], within=30)  # what runs after the caller's commit

    assert finished, f"queueing on a {state} broker did not give up"
    assert "could not queue notifications.deliver_batch" in caplog.text
    assert set(EmailDelivery.objects.values_list("state", "attempts")) == {("pending", 0)}  # for redeliver_pending
    assert mail.outbox == []
