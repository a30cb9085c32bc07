"""The history's complaints, walked through complaints.services with the
clock moved to each step's time (django.utils.timezone.now patched for the
call, so every row the services write, history, deadlines, class, is dated
as it would have been). About one complaint for every 40 orders, of each
kind and class (seeds/002: class 2 for a repeat or a threat to go outside,
3 for the media), their loop mostly on time (seeds/000: register within 1
working day, reply within 3, return visit within 2, result within 5 days),
a few late, disputed once, or rejected as suggestions. The sweep's
escalations of the late ones are written afterwards (book.escalate); the
notifications the walk sent are removed (months-old inbox entries)."""

from __future__ import annotations

import contextlib
import datetime
from unittest import mock

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from complaints import selectors as complaint_selectors
from complaints import services as cs
from complaints.demo import COMPLAINT_TEXTS
from complaints.models import Complaint
from servicedesk.deadlines.calendar import add_working_days
from servicedesk.deadlines.models import Deadline, Escalation
from servicedesk.deadlines.services import ladder_for
from servicedesk.notifications.models import Notification
from tickets.models import WorkOrder

from .book import escalate
from .rows import insert

H = datetime.timedelta(hours=1)


@contextlib.contextmanager
def clock(at):
    """The services' clock at `at` (and auto_now fields with it)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _working_days_after(start, n):
    """calendar.add_working_days, once per local day and n (the due time depends on nothing else)."""
    key = (timezone.localdate(start), n)
    if key not in _DUE:
        _DUE[key] = add_working_days(start, n)
    return _DUE[key]


_DUE = {}


def _between(rng, start, due, *, late):
    """A time after `start`: before `due` (within the working day's hours when possible), or after it when late."""
    if late:
        return due + rng.uniform(2, 30) * H
    span = max((due - start).total_seconds() * 0.85, 1800)
    return start + datetime.timedelta(seconds=rng.uniform(1200, span))


def walk(*, people, rng, first, last, holidays, now) -> int:
    _DUE.clear()
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    served = list(
        WorkOrder.objects.filter(
            reported_at__date__gte=first,
            reported_at__date__lte=last,
            technician__isnull=False,
            state=WorkOrder.State.CLOSED,
        )
        .select_related("customer", "technician__user", "product")
        .order_by("reported_at")[::37]
    )
    day = first
    complaints = []
    while day <= last:
        if day.weekday() < 5 and day not in holidays and rng.random() < 0.8:
            received = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)) + rng.uniform(0, 8) * H)
            complaints.append(received)
        day += datetime.timedelta(days=1)
    walked = []
    for received in complaints:
        if received < now:
            walked += _one(people=people, rng=rng, received=received, served=served, now=now)
    # The walk's notifications (class 2/3, forwards, findings) went out months ago: not left in today's inboxes.
    Notification.objects.filter(pk__gt=before).delete()
    _escalate(walked, now=now)
    return len(walked)


def _one(*, people, rng, received, served, now) -> list[int]:
    agent, supervisor, handler, hr = people["agent"], people["supervisor"], people["handler"], people["hr"]
    roll = rng.random()
    category = "quality" if roll < 0.45 else "service" if roll < 0.85 else "suggestion"
    order = rng.choice(served) if served and category == "service" else None
    customer = order.customer if order else rng.choice(served).customer if served else None
    if customer is None:
        return []
    media, external = rng.random() < 0.03, rng.random() < 0.08
    at = received + rng.uniform(3, 25) * datetime.timedelta(minutes=1)
    with clock(at):
        complaint, _new = cs.complaint_create(
            by=agent,
            customer=customer,
            category=category,
            cause="" if category == "suggestion" else category,
            description=rng.choice(COMPLAINT_TEXTS[category]),
            received_at=received,
            work_order=order,
            source=rng.choice(["phone", "phone", "phone", "wechat", "walk_in"]),
            media=media,
            external=external,
        )
    pk = complaint.pk

    def step(when, fn, **kwargs):
        if when >= now:
            return False
        with clock(when):
            fn(complaint_id=pk, **kwargs)
        return True

    if category == "suggestion":
        step(
            at + rng.uniform(0.5, 3) * H,
            cs.complaint_reject,
            by=agent,
            reason="属产品改进建议，已转产品部，不作为投诉处理",
        )
        return [pk]
    late = rng.random()
    forward_at = _between(rng, at, _working_days_after(received, 1), late=late < 0.06)
    unit = complaint_selectors.suggested_unit(complaint) or handler.unit
    if not step(forward_at, cs.complaint_forward, by=agent, handling_unit=unit, note="请于3个工作日内调查并回复客户"):
        return [pk]
    replier = handler if unit.pk == handler.unit_id else supervisor
    reply = {
        "by": replier,
        "investigation": "上门核实：问题属实，原因已查明",
        "result": "已为客户更换配件并致歉，客户接受",
        "head_signed_by": f"{unit.name.split()[0]} 负责人",
    }
    t = _between(rng, forward_at, _working_days_after(forward_at, 3), late=late > 0.88)
    if not step(t, cs.complaint_reply, **reply):
        return [pk]
    if rng.random() < 0.08:  # seeds/000 step 3: the customer disputes; both units talk to the customer again
        t += rng.uniform(2, 20) * H
        if not step(t, cs.complaint_return_visit, by=agent, satisfied=False, note="客户对处理结果不满意，要求更换新机"):
            return [pk]
        t = _between(rng, t, _working_days_after(t, 3), late=False)
        if not step(t, cs.complaint_reply, **reply):
            return [pk]
    t = _between(rng, t, _working_days_after(t, 2), late=rng.random() < 0.07)
    if not step(t, cs.complaint_return_visit, by=agent, satisfied=True, note="回访：客户对处理结果满意"):
        return [pk]
    complaint = Complaint.objects.select_related("technician__user").get(pk=pk)
    if complaint.technician_id and rng.random() < 0.5:
        t += rng.uniform(1, 5) * H
        if t < now:
            with clock(t):
                finding = cs.finding_propose(
                    complaint_id=pk,
                    by=replier,
                    person=complaint.technician.user,
                    rule="《服务规范》第3条：上门须准时、着工服、带鞋套",
                    proposal="通报批评，扣当月服务分5分",
                )
            t += rng.uniform(3, 30) * H
            if t < now:
                with clock(t):
                    cs.finding_decide(finding_id=finding.pk, by=hr, decision="同意：通报批评，扣服务分5分")
    case = {}
    if complaint.complaint_class == 3:
        case = {
            "case_study": "经过：客户投诉后联系媒体。\n原因：首问负责未落实。\n教训：三类投诉立即上报客服经理。",
            "case_title": f"{complaint.number}：{complaint.description[:20]}",
        }
    step(t + rng.uniform(1, 20) * H, cs.complaint_close, by=agent, improvement="完善安装后质检与回访流程", **case)
    return [pk]


def _escalate(pks, *, now):
    """The sweep's rows for the walk's deadlines (written by deadline_start, never swept then)."""
    ct = ContentType.objects.get_for_model(Complaint)
    rows = list(Deadline.objects.filter(content_type=ct, object_id__in=pks).select_related("policy"))
    ladders, escalations = {}, []
    for d in rows:
        ladder = ladders.setdefault(d.policy_id, ladder_for(d.policy))
        escalations += escalate(d, ladder, now=now)
    Deadline.objects.bulk_update(rows, ["escalation_level", "warned_at", "next_escalation_at"], batch_size=1000)
    for e in escalations:
        e.deadline_id = e.__dict__.pop("deadline").pk
    insert(escalations, model=Escalation)
