"""Escalations of level 2 and up told to WeCom and DingTalk group robots
(issue 15, item 4), besides the inbox and e-mail: a robot per unit set in
the admin; the robots of the responsible unit and of the units above it;
posted to a local stand-in of the robots' webhooks."""

import base64
import datetime
import hashlib
import hmac
import http.server
import json
import threading
import urllib.parse

import pytest
from django.utils import timezone

from servicedesk.accounts.models import Unit
from servicedesk.celery import app
from servicedesk.deadlines.escalation import sweep
from servicedesk.notifications.models import GroupRobot, Notification, RobotAlert
from servicedesk.notifications.tasks import deliver_robot_alert, redeliver_pending
from tests.celery_utils import broker, new_prefix, scratch_broker_url, wait_for, worker_thread
from tests.conftest import api_for
from tests.factories import TechnicianFactory, UnitFactory, UserFactory

H = datetime.timedelta(hours=1)


class RobotServer:
    """Answers as WeCom and DingTalk do: HTTP 200 with {"errcode", "errmsg"}."""

    def __init__(self):
        self.received = []  # (path with query, JSON body)
        self.answers = []  # errcodes in turn; 0 once empty
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                server.received.append((self.path, body))
                code = server.answers.pop(0) if server.answers else 0
                data = json.dumps({"errcode": code, "errmsg": "ok" if code == 0 else "invalid"}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def robots_server():
    server = RobotServer()
    yield server
    server.close()


@pytest.fixture
def org(db, category, robots_server):
    hq = UnitFactory(name="HQ", kind=Unit.Kind.HEADQUARTERS)
    branch = UnitFactory(name="North branch", kind=Unit.Kind.BRANCH, parent=hq)
    station = UnitFactory(name="Chaoyang station", kind=Unit.Kind.STATION, parent=branch)
    other = UnitFactory(name="Haidian station", kind=Unit.Kind.STATION, parent=branch)
    UserFactory(username="mgr_north", roles=["manager"], unit=branch, email="mgr_north@example.cn")
    tech = TechnicianFactory(user=UserFactory(username="tech_zhang", roles=["technician"]), station=station,
                             categories=[category.slug])
    base = robots_server.base
    return {
        "agent": UserFactory(username="agent", roles=["agent"]),
        "dispatcher": UserFactory(username="dispatcher", roles=["dispatcher"]),
        "tech": tech,
        "wecom": GroupRobot.objects.create(unit=station, kind="wecom", url=f"{base}/cgi-bin/webhook/send?key=k1"),
        "dingtalk": GroupRobot.objects.create(unit=branch, kind="dingtalk", secret="SEC123",
                                              url=f"{base}/robot/send?access_token=t1"),
        "hq_level3": GroupRobot.objects.create(unit=hq, kind="wecom", min_level=3,
                                               url=f"{base}/cgi-bin/webhook/send?key=hq"),
        "other": GroupRobot.objects.create(unit=other, kind="wecom", url=f"{base}/cgi-bin/webhook/send?key=other"),
    }


def overdue_order(org, reported):
    r = api_for(org["agent"]).post("/api/v1/work-orders/", {
        "kind": "repair", "description": "燃气热水器漏水", "reported_at": reported.isoformat(),
        "customer": {"name": "李娜", "phone": "139 1000 2000", "address": "北京市朝阳区望京街1号"},
    }, format="json")
    oid = r.json()["id"]
    api_for(org["dispatcher"]).post(f"/api/v1/work-orders/{oid}/dispatch/", {"technician": org["tech"].pk},
                                    format="json")
    return oid


def dingtalk_sign_ok(path, secret):
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
    digest = hmac.new(secret.encode(), f"{query['timestamp']}\n{secret}".encode(), hashlib.sha256).digest()
    return query["sign"] == base64.b64encode(digest).decode() and query["access_token"] == "t1"


@pytest.mark.django_db
def test_level_2_reaches_the_robots_of_the_unit_and_above_level_1_none(org, robots_server):
    reported = (timezone.now() - H).replace(microsecond=0)
    oid = overdue_order(org, reported)
    due = reported + 24 * H
    sweep(now=due)  # level 1: the inbox and e-mail only
    assert not RobotAlert.objects.exists()
    sweep(now=due + 4 * H)  # level 2 of respond and arrive
    alerts = RobotAlert.objects.select_related("robot", "escalation")
    assert sorted((a.robot_id, a.escalation.level) for a in alerts) == sorted(
        [(org["wecom"].pk, 2), (org["dingtalk"].pk, 2)] * 2)  # not HQ's (from 3), not the other station's
    assert Notification.objects.filter(escalation__level=2).exists()  # besides the inbox
    number = api_for(org["agent"]).get(f"/api/v1/work-orders/{oid}/").json()["number"]
    for alert in alerts:
        assert deliver_robot_alert(alert.pk) == "sent"
    assert set(RobotAlert.objects.values_list("state", "attempts")) == {("sent", 1)}
    paths = [path for path, _body in robots_server.received]
    assert sum(p.startswith("/cgi-bin/webhook/send?key=k1") for p in paths) == 2
    signed = [p for p in paths if p.startswith("/robot/send")]
    assert len(signed) == 2 and all(dingtalk_sign_ok(p, "SEC123") for p in signed)
    body = robots_server.received[0][1]
    assert body["msgtype"] == "text" and number in body["text"]["content"]
    assert f"/work-orders/{oid}/" in body["text"]["content"]
    sweep(now=due + 24 * H)  # level 3: headquarters' robot too
    assert RobotAlert.objects.filter(robot=org["hq_level3"], escalation__level=3).count() == 2


@pytest.mark.django_db
def test_a_refusal_is_retried_and_an_inactive_robot_hears_nothing(org, robots_server):
    GroupRobot.objects.filter(pk=org["dingtalk"].pk).update(active=False)
    reported = (timezone.now() - H).replace(microsecond=0)
    overdue_order(org, reported)
    sweep(now=reported + 28 * H)
    alert = RobotAlert.objects.filter(robot=org["wecom"]).first()
    assert not RobotAlert.objects.filter(robot=org["dingtalk"]).exists()
    robots_server.answers = [93000]  # "invalid webhook url"
    with pytest.raises(Exception, match="Retry"):
        deliver_robot_alert.apply(args=[alert.pk], throw=True)
    alert.refresh_from_db()
    assert (alert.state, alert.attempts, alert.last_error) == ("pending", 1, "errcode 93000: invalid")
    # Its retry was lost (say the broker was down): the periodic safety net of e-mail re-queues it.
    RobotAlert.objects.exclude(pk=alert.pk).update(state="sent")
    RobotAlert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - 3 * H)
    app.conf.task_always_eager = True  # what it queues runs at once, here
    try:
        assert redeliver_pending.apply().get() == 1
    finally:
        app.conf.task_always_eager = False
    alert.refresh_from_db()
    assert (alert.state, alert.attempts, alert.last_error) == ("sent", 2, "")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_posts_after_the_sweeps_commit(postgres, redis_url, org, robots_server):
    reported = (timezone.now() - H).replace(microsecond=0)
    overdue_order(org, reported)
    with broker(scratch_broker_url(redis_url), prefix=new_prefix()), worker_thread():
        sweep(now=reported + 28 * H)
        wait_for(lambda: RobotAlert.objects.filter(state="sent").count() == 4, timeout=30,
                 what="the worker's posts to the robots")
    assert len(robots_server.received) == 4
