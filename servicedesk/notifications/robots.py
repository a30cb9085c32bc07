"""Escalations told to WeCom and DingTalk group robots (issue 15, item 4).

The escalation sweep hands over the escalations of level 2 and up with the
unit responsible for their subject (deadlines.escalation); each active robot
of that unit or of a unit above it whose `min_level` is reached gets one
alert (a subject without a unit: the headquarters' robots), written in the
sweep's transaction and posted after the commit."""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils import translation

from servicedesk.accounts.selectors import unit_chain

from .models import GroupRobot, RobotAlert
from .titles import render

TIMEOUT_SECONDS = 10
MIN_LEVEL = 2  # issue 15: escalations of level 2 and up


def alerts_write(items, *, units) -> list[int]:
    """`items`: (escalation id, level, unit_id, title, url) of this sweep's
    batch; `units`: every unit by id. Answers the ids of the alerts written."""
    items = [item for item in items if item[1] >= MIN_LEVEL]
    if not items:
        return []
    robots = list(GroupRobot.objects.filter(active=True))
    if not robots:
        return []
    headquarters = [pk for pk, unit in units.items() if unit.kind == "headquarters"]
    rows = []
    for escalation_id, level, unit_id, title, url in items:
        chain = set(unit_chain(unit_id, units)) if unit_id is not None else set(headquarters)
        chosen = [r for r in robots if r.unit_id in chain and r.min_level <= level]
        if not chosen:
            continue
        # The group's language is the organisation's, whoever's sweep it was.
        with translation.override(settings.LANGUAGE_CODE):
            text = render(title.message, title.params)
        link = f"{settings.SITE_URL}{url}" if url.startswith("/") else url
        text = f"{text}\n{link}".strip()
        rows += [RobotAlert(robot=r, escalation_id=escalation_id, text=text) for r in chosen]
    RobotAlert.objects.bulk_create(rows)
    return [r.pk for r in rows]


def _signed_url(robot) -> str:
    """DingTalk's signing (加签): timestamp and HMAC-SHA256 of "timestamp\\nsecret"."""
    if robot.kind != GroupRobot.Kind.DINGTALK or not robot.secret:
        return robot.url
    timestamp = str(int(time.time() * 1000))
    digest = hmac.new(robot.secret.encode(), f"{timestamp}\n{robot.secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{robot.url}{'&' if '?' in robot.url else '?'}timestamp={timestamp}&sign={sign}"


def post(robot, text: str) -> str:
    """Post one text message; answers "" when the robot took it, else the error.
    Both robots answer HTTP 200 with {"errcode": 0} when they accept it."""
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(_signed_url(robot), data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read().decode("utf-8") or "{}")
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return repr(getattr(exc, "reason", exc))[:1000]
    if answer.get("errcode") == 0:
        return ""
    return f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:1000]
