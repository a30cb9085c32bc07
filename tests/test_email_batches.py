"""E-mail in batches (issue 18, item 3): notifications.deliver_batch claims a
batch of pending rows in one statement (FOR UPDATE SKIP LOCKED), sends them
over one connection, marks them in one UPDATE, one transaction per batch.
The number of queries does not grow with the batch; two runs at once send each
mail once; a real worker killed with SIGKILL mid-batch leaves the batches it
committed sent and the rest pending, and a new worker sends every one of them
(the killed batch's mails the server had already accepted go out again: at
least once at the mail server, exactly once in the rows)."""

import signal
import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.celery import app
from servicedesk.notifications.models import EmailDelivery, Notification
from servicedesk.notifications.services import notifications_create
from servicedesk.notifications.tasks import BATCH_SIZE, deliver_batch
from tests.celery_utils import broker, new_prefix, scratch_broker_url, stop_process, wait_for, worker_process
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.test_email_delivery import SmtpServer
from tests.test_escalation_reliability import other_sessions_on_the_test_database


def deliveries(user, n, prefix="mail"):
    notes = Notification.objects.bulk_create(
        [Notification(recipient=user, title=f"{prefix} {i}", url=f"/work-orders/{i}/") for i in range(n)]
    )
    rows = EmailDelivery.objects.bulk_create([EmailDelivery(notification=note, to=user.email) for note in notes])
    return [d.pk for d in rows]


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_ten_mails_as_for_forty(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = UserFactory(username="sup_wang", roles=["supervisor"], email="wang@example.cn")
    counts = []
    for n in (10, 40):
        ids = deliveries(user, n, prefix=f"n{n}")
        with CaptureQueriesContext(connection) as queries:
            assert deliver_batch.run(ids) == n
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4, counts  # (savepoint,) claim with notification and recipient, mark
    assert len(mail.outbox) == 50
    assert set(EmailDelivery.objects.values_list("state", "attempts")) == {("sent", 1)}
    assert not EmailDelivery.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_notifications_for_many_recipients_are_written_in_two_statements(settings, django_capture_on_commit_callbacks):
    people = [UserFactory(username=f"sup_{i}", roles=["supervisor"], email=f"s{i}@example.cn") for i in range(6)]
    people.append(UserFactory(username="sup_nomail", roles=["supervisor"], email=""))
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
        notes = notifications_create(recipients=people, title="投诉升级为二级", url="/complaints/7/")
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2
    assert len(notes) == 7 and all(n.pk for n in notes)
    assert EmailDelivery.objects.count() == 6 and len(queued) == 1


@pytest.mark.django_db(transaction=True)
def test_two_batches_at_once_over_the_same_rows_send_each_mail_once(postgres, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = UserFactory(username="sup_wang", roles=["supervisor"], email="wang@example.cn")
    ids = deliveries(user, 300)

    results = at_once(lambda: deliver_batch.run(ids), lambda: deliver_batch.run(list(reversed(ids))))

    assert sum(results) == 300
    assert sorted(m.subject for m in mail.outbox) == sorted(f"mail {i}" for i in range(300))
    assert set(EmailDelivery.objects.values_list("state", "attempts")) == {("sent", 1)}


class SlowSmtpServer(SmtpServer):
    """Takes `delay` s to accept each message, as a busy server does."""

    delay = 0.02

    def session(self, conn):
        return super().session(_Slowly(conn, self.delay))


class _Slowly:
    """A socket whose "message accepted" reply comes `delay` s late."""

    def __init__(self, conn, delay):
        self.conn, self.delay = conn, delay

    def makefile(self, *args, **kwargs):
        return self.conn.makefile(*args, **kwargs)

    def sendall(self, data):
        if data.startswith(b"250 2.0.0 Ok: queued"):
            time.sleep(self.delay)
        return self.conn.sendall(data)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_no_mail_and_a_new_worker_sends_the_rest(postgres, redis_url):
    total = 4 * BATCH_SIZE
    user = UserFactory(username="sup_wang", roles=["supervisor"], email="wang@example.cn")
    ids = deliveries(user, total)
    server = SlowSmtpServer()
    smtp = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(server.port), "EMAIL_TIMEOUT": "10"}
    url, prefix = scratch_broker_url(redis_url), new_prefix()
    try:
        with broker(url, prefix=prefix):
            first = worker_process(broker_url=url, prefix=prefix, name="mail-killed", env=smtp)
            try:
                app.send_task("notifications.deliver_batch", args=[ids])
                # The first batch committed, the second under way.
                wait_for(lambda: len(server.messages) >= BATCH_SIZE + 10, timeout=60, interval=0.01,
                         what="the worker to be in its second batch")
                first.send_signal(signal.SIGKILL)
                first.wait(10)
            finally:
                stop_process(first, signal.SIGKILL)
            wait_for(lambda: other_sessions_on_the_test_database() == 0, timeout=20,
                     what="PostgreSQL to roll back the killed worker's batch")
            sent = EmailDelivery.objects.filter(state="sent").count()
            assert sent % BATCH_SIZE == 0 and BATCH_SIZE <= sent < total  # whole batches, never part of one
            assert set(EmailDelivery.objects.filter(state="pending").values_list("attempts", flat=True)) == {0}
            accepted_before = len(server.messages)

            second = worker_process(broker_url=url, prefix=prefix, name="mail-again", env=smtp)
            try:
                app.send_task("notifications.redeliver_pending", kwargs={"older_than_seconds": 0})
                wait_for(lambda: not EmailDelivery.objects.filter(state="pending").exists(), timeout=60,
                         interval=0.2, what="the new worker to send the rest")
            finally:
                stop_process(second)
            wait_for(lambda: other_sessions_on_the_test_database() == 0, timeout=20, what="the sessions to end")
    finally:
        server.stop()

    assert set(EmailDelivery.objects.values_list("state", "attempts")) == {("sent", 1)}
    subjects = [m["data"].split(b"Subject: ", 1)[1].split(b"\r\n", 1)[0].decode() for m in server.messages]
    assert set(subjects) == {f"mail {i}" for i in range(total)}  # none lost
    again = len(subjects) - total
    assert 0 <= again <= accepted_before - sent <= BATCH_SIZE  # only the killed batch's accepted ones went twice
