"""E-mail to a real mail server (docs/deployment.md, "E-mail").

The notifications' e-mail copies go through the deliver_email task with
Django's SMTP backend to a small SMTP server run by the test in a thread (the
one thing outside the system): the message arrives with its recipient,
subject and link, and a server that refuses it leaves the row pending with
the error and a retry scheduled. The mail settings are read from the
environment in a fresh interpreter, as the containers read them: EMAIL_HOST
alone switches to SMTP, empty variables (as compose passes them) mean "not
configured", and a contradictory or malformed setting stops the start."""

import base64
import contextlib
import email
import email.policy
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from celery.signals import task_retry
from django.test import override_settings

from servicedesk.celery import app
from servicedesk.notifications.models import EmailDelivery, Notification
from servicedesk.notifications.services import notifications_create
from servicedesk.notifications.tasks import MAX_ATTEMPTS, deliver_email
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parent.parent
SITE = "https://servicedesk.example.com"
SENDER = "servicedesk@example.com"


class SmtpServer:
    """The minimal SMTP dialogue (RFC 5321) on a loopback port, one session
    at a time: 220 greeting, EHLO/HELO, optional AUTH PLAIN, MAIL, RCPT,
    DATA ... ".", RSET, QUIT. Each message accepted is kept in `messages`;
    the first `refuse_rcpt` recipients are refused with 550."""

    def __init__(self):
        self.messages = []  # {"mail_from", "rcpt_to", "data", "login"}
        self.sessions = 0
        self.refuse_rcpt = 0
        self.advertise_auth = False
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(10)
                self.sessions += 1
                with contextlib.suppress(OSError):
                    self.session(conn)

    def session(self, conn):
        stream = conn.makefile("rb")

        def reply(line):
            conn.sendall(line.encode() + b"\r\n")

        reply("220 mail.test ESMTP ready")
        envelope = {"mail_from": None, "rcpt_to": [], "login": None}
        login = None
        while True:
            line = stream.readline()
            if not line:
                return
            command = line.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                reply("250-mail.test" if self.advertise_auth else "250 mail.test")
                if self.advertise_auth:
                    reply("250 AUTH PLAIN")
            elif verb == "HELO":
                reply("250 mail.test")
            elif verb == "AUTH" and self.advertise_auth:
                _, user, password = base64.b64decode(command.split()[2]).decode().split("\0")
                login = (user, password)
                reply("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                envelope = {"mail_from": command.split(":", 1)[1].strip().strip("<>"), "rcpt_to": [], "login": login}
                reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().strip("<>")
                if self.refuse_rcpt:
                    self.refuse_rcpt -= 1
                    reply(f"550 5.1.1 <{address}>: Recipient address rejected: User unknown")
                else:
                    envelope["rcpt_to"].append(address)
                    reply("250 2.1.5 Ok")
            elif verb == "DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (line := stream.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
                self.messages.append({**envelope, "data": b"".join(lines)})
                reply("250 2.0.0 Ok: queued")
            elif verb == "RSET":
                envelope = {"mail_from": None, "rcpt_to": [], "login": login}
                reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                reply("221 2.0.0 Bye")
                return
            else:
                reply("502 5.5.2 Error: command not recognized")

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    smtp = dict(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.port,
        EMAIL_USE_TLS=False, EMAIL_USE_SSL=False, EMAIL_TIMEOUT=5, DEFAULT_FROM_EMAIL=SENDER, SITE_URL=SITE,
        EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="",
    )
    with override_settings(**smtp):
        yield server
    server.stop()


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def parsed(message):
    return email.message_from_bytes(message["data"], policy=email.policy.default)


@pytest.mark.django_db
def test_notifications_are_mailed_through_the_smtp_server_with_subject_and_link(
    smtp_server, eager, django_capture_on_commit_callbacks
):
    smtp_server.advertise_auth = True
    wang = UserFactory(username="sup_wang", roles=["supervisor"], email="wang@example.cn")
    zhao = UserFactory(username="sup_zhao", roles=["supervisor"], email="zhao@example.cn")

    with (override_settings(EMAIL_HOST_USER="servicedesk", EMAIL_HOST_PASSWORD="s3cret"),
          django_capture_on_commit_callbacks(execute=True)):
        notifications_create(recipients=[wang, zhao], title="工单 WO1 已超时", body="到达时限已过。",
                             url="/work-orders/1/")

    assert sorted(m["rcpt_to"][0] for m in smtp_server.messages) == ["wang@example.cn", "zhao@example.cn"]
    for message in smtp_server.messages:
        assert len(message["rcpt_to"]) == 1
        assert message["mail_from"] == SENDER
        assert message["login"] == ("servicedesk", "s3cret")
        mail = parsed(message)
        assert mail["To"] == message["rcpt_to"][0]
        assert mail["From"] == SENDER
        assert mail["Subject"] == "工单 WO1 已超时"
        body = mail.get_content()
        assert "到达时限已过。" in body
        assert f"{SITE}/work-orders/1/" in body
    rows = EmailDelivery.objects.order_by("to")
    assert [(d.to, d.state, d.attempts, d.last_error) for d in rows] == [
        ("wang@example.cn", "sent", 1, ""), ("zhao@example.cn", "sent", 1, "")]
    assert all(d.sent_at is not None for d in rows)


@pytest.mark.django_db
def test_a_refused_recipient_leaves_the_row_pending_with_the_error_and_schedules_a_retry(smtp_server):
    smtp_server.refuse_rcpt = 1  # the first attempt is refused, the retry is accepted
    user = UserFactory(username="sup_wang", roles=["supervisor"], email="wang@example.cn")
    note = Notification.objects.create(recipient=user, title="投诉升级为二级", url="/complaints/7/")
    delivery = EmailDelivery.objects.create(notification=note, to=user.email)
    retries = []

    def on_retry(sender=None, reason=None, **kwargs):
        # The attempt is over and its row written; the retry has not run yet.
        row = EmailDelivery.objects.get(pk=delivery.pk)
        retries.append((reason.when, row.state, row.attempts, row.last_error, len(smtp_server.messages)))

    task_retry.connect(on_retry, sender=deliver_email)
    try:
        result = deliver_email.apply(args=[delivery.pk])  # Celery's apply runs the retry at once
    finally:
        task_retry.disconnect(on_retry, sender=deliver_email)

    assert len(retries) == 1
    countdown, state, attempts, last_error, delivered = retries[0]
    assert (countdown, state, attempts, delivered) == (30, "pending", 1, 0)
    assert "SMTPRecipientsRefused" in last_error and "550" in last_error and "wang@example.cn" in last_error
    # The retry got through.
    assert result.get() == "sent"
    assert smtp_server.sessions == 2
    assert [m["rcpt_to"] for m in smtp_server.messages] == [["wang@example.cn"]]
    assert f"{SITE}/complaints/7/" in parsed(smtp_server.messages[0]).get_content()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert "550" in delivery.last_error  # the last error stays visible on the row


@pytest.mark.django_db
def test_a_closed_port_leaves_the_row_pending_with_the_error_and_schedules_a_retry(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    user = UserFactory(username="sup_wang", roles=["supervisor"], email="wang@example.cn")
    note = Notification.objects.create(recipient=user, title="x", url="/work-orders/1/")
    delivery = EmailDelivery.objects.create(notification=note, to=user.email)
    retries = []

    def on_retry(sender=None, reason=None, **kwargs):
        row = EmailDelivery.objects.get(pk=delivery.pk)
        retries.append((reason.when, row.state, row.attempts, row.last_error))

    task_retry.connect(on_retry, sender=deliver_email)
    try:
        result = deliver_email.apply(args=[delivery.pk])  # Celery's apply runs each retry at once
    finally:
        task_retry.disconnect(on_retry, sender=deliver_email)

    countdown, state, attempts, last_error = retries[0]  # after the first attempt
    assert (countdown, state, attempts) == (30, "pending", 1)
    assert "ConnectionRefusedError" in last_error
    # The port stays closed: retried until the last attempt (tests/test_notifications.py has the backoff).
    assert result.get() == "failed"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", MAX_ATTEMPTS)


# --- the settings, read from the environment -----------------------------------

MAIL_SETTINGS = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
                 "EMAIL_USE_TLS", "EMAIL_USE_SSL", "DEFAULT_FROM_EMAIL"]
PRINT_SETTINGS = (
    "import json; from django.conf import settings; "
    f"print(json.dumps({{name: getattr(settings, name) for name in {MAIL_SETTINGS!r}}}))"
)


def settings_env(tmp_path, **variables):
    """A fresh process's environment: nothing of this test run, production mode."""
    env = {key: value for key, value in os.environ.items() if key in {"HOME", "LANG", "LC_ALL", "TMPDIR", "PATH"}}
    env.update(
        DJANGO_SETTINGS_MODULE="servicedesk.settings", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SERVICEDESK_VAR_DIR=str(tmp_path / "var"),
    )
    env.update(variables)
    return env


def read_settings(tmp_path, **variables):
    result = subprocess.run([sys.executable, "-c", PRINT_SETTINGS], cwd=REPO, env=settings_env(tmp_path, **variables),
                            capture_output=True, text=True, timeout=120)
    return result


def mail_settings(tmp_path, **variables):
    result = read_settings(tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_a_mail_server_e_mail_goes_to_the_log(tmp_path):
    expected = {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend", "EMAIL_HOST": "localhost",
                "EMAIL_PORT": 25, "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": "", "EMAIL_USE_TLS": False,
                "EMAIL_USE_SSL": False, "DEFAULT_FROM_EMAIL": "servicedesk@localhost"}
    assert mail_settings(tmp_path) == expected
    # As compose passes them when .env leaves them out: empty means not configured.
    empty = {name: "" for name in MAIL_SETTINGS if name != "EMAIL_BACKEND"}
    assert mail_settings(tmp_path, **empty) == expected


def test_email_host_switches_to_smtp_with_the_server_s_port_login_and_tls(tmp_path):
    assert mail_settings(
        tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_PORT="587", EMAIL_HOST_USER="servicedesk@example.com",
        EMAIL_HOST_PASSWORD="s3cret", EMAIL_USE_TLS="1", EMAIL_USE_SSL="", DEFAULT_FROM_EMAIL=SENDER,
    ) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587, "EMAIL_HOST_USER": "servicedesk@example.com", "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False, "DEFAULT_FROM_EMAIL": SENDER,
    }
    ssl = mail_settings(tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_PORT="465", EMAIL_USE_SSL="true",
                        EMAIL_USE_TLS="0")
    assert (ssl["EMAIL_PORT"], ssl["EMAIL_USE_SSL"], ssl["EMAIL_USE_TLS"]) == (465, True, False)
    # An explicit EMAIL_BACKEND wins.
    forced = mail_settings(tmp_path, EMAIL_HOST="smtp.example.com",
                           EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend")
    assert forced["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"


def test_tls_and_ssl_together_stop_the_start_naming_both(tmp_path):
    result = read_settings(tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    assert "EMAIL_USE_TLS" in last and "EMAIL_USE_SSL" in last


@pytest.mark.parametrize("port", ["smtp", "587.5", "0", "70000"])
def test_an_email_port_that_is_not_a_port_number_stops_the_start(tmp_path, port):
    result = read_settings(tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_PORT=port)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    assert "EMAIL_PORT" in last and repr(port) in last


def test_check_deploy_stays_clean_with_a_mail_server(tmp_path):
    env = settings_env(tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_PORT="465", EMAIL_USE_SSL="1",
                       EMAIL_HOST_USER="servicedesk", EMAIL_HOST_PASSWORD="s3cret", SITE_URL=SITE)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
