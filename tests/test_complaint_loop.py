"""The complaint loop on working days (api-contract.md, Complaints and Working
days; domain.md section 4, seeds/000): `register` 1 working day after
received_at, `overall` 5, `reply` 3 after the forward, `return_visit` 2 after
the reply; a dispute starts a new `reply` clock. Each due time is 23:59:59
Asia/Shanghai on the Nth working day after the calendar day of its start.

The dates cross the 2026 holidays that migration 0004 seeded from
chinese-calendar, worked out by hand from those CalendarDay rows:
  Spring Festival: 15-23 Feb (Sun-Mon) off; Sat 14 Feb and Sat 28 Feb are make-up workdays.
  Mid-autumn: Fri 25 Sep off (26-27 the weekend).
  National Day: 1-7 Oct (Thu-Wed) off; Sun 20 Sep and Sat 10 Oct are make-up workdays.
The `clock` fixture moves django.utils.timezone.now, which the services, the
auto_now fields, the received_at check and `breached` all read."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from complaints.models import CaseStudy, Complaint, ComplaintEvent
from servicedesk.accounts.models import Unit
from servicedesk.deadlines.models import CalendarDay, Deadline
from servicedesk.notifications.models import Notification
from tests.conftest import api_for
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def back_dating_allowed(settings):
    """These tests file complaints received on fixed dates of 2026: allowed further back than the
    default SERVICEDESK_MAX_BACKDATE_DAYS (tests/test_backdating.py holds the limit)."""
    settings.SERVICEDESK_MAX_BACKDATE_DAYS = 3650

URL = "/api/v1/complaints/"


def at(text):
    return datetime.datetime.fromisoformat(text)


@pytest.fixture
def clock(monkeypatch):
    """Set the time with clock.set("2026-10-08T16:00:00+08:00")."""
    state = SimpleNamespace(now=timezone.now())

    def set_(text):
        state.now = at(text)

    monkeypatch.setattr(timezone, "now", lambda: state.now)
    state.set = set_
    return state


@pytest.fixture
def org(db):
    hq = UnitFactory(name="总部", kind=Unit.Kind.HEADQUARTERS)
    cs = UnitFactory(name="客服中心", kind=Unit.Kind.CALL_CENTER, parent=hq)
    quality = UnitFactory(name="质量部", kind=Unit.Kind.DEPARTMENT, parent=hq)
    return SimpleNamespace(
        cs=cs, quality=quality,
        agent=UserFactory(username="agent", roles=["agent"], unit=cs),
        handler=UserFactory(username="handler_q", roles=["handler"], unit=quality),
    )


def file_complaint(user, received_at, **fields):
    body = {
        "customer": {"name": "王芳", "phone": "139 0000 1111", "address": "北京市朝阳区望京街1号"},
        "category": "service", "description": "师傅上门迟到两小时，态度差", "received_at": received_at,
    } | fields
    r = api_for(user).post(URL, body, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def act(user, complaint_id, action, body):
    r = api_for(user).post(f"{URL}{complaint_id}/{action}/", body, format="json")
    assert r.status_code == 200, r.content
    return r.json()


def inbox():
    return [(n.recipient.username, n.title, n.body)
            for n in Notification.objects.order_by("id").select_related("recipient")]


def shown(answer):
    """The deadlines of an answer, in the API's order (due time, then id)."""
    return [(d["kind"], d["due_at"], d["met_at"], d["breached"]) for d in answer["deadlines"]]


def test_the_2026_holidays_the_expected_values_rely_on_are_seeded():
    rows = dict(CalendarDay.objects.filter(date__year=2026, date__month__in=[2, 9, 10]).values_list("date", "kind"))

    d = datetime.date
    assert {day: rows.get(day) for day in [d(2026, 2, 14), d(2026, 2, 28), d(2026, 9, 20), d(2026, 10, 10)]} == {
        d(2026, 2, 14): "workday", d(2026, 2, 28): "workday", d(2026, 9, 20): "workday", d(2026, 10, 10): "workday"}
    assert sorted(day for day, kind in rows.items() if kind == "holiday") == [
        d(2026, 2, 16), d(2026, 2, 17), d(2026, 2, 18), d(2026, 2, 19), d(2026, 2, 20), d(2026, 2, 23),
        d(2026, 9, 25),
        d(2026, 10, 1), d(2026, 10, 2), d(2026, 10, 5), d(2026, 10, 6), d(2026, 10, 7),
    ]  # weekend holidays need no row


@pytest.mark.parametrize(("received_at", "register", "overall"), [
    # Wed before National Day: 1-7 Oct off, Sat 10 Oct worked.
    ("2026-09-30T10:00:00+08:00", "2026-10-08T23:59:59+08:00", "2026-10-13T23:59:59+08:00"),
    # Fri: Sun 20 Sep is a make-up workday; Fri 25 Sep is Mid-autumn.
    ("2026-09-18T16:00:00+08:00", "2026-09-20T23:59:59+08:00", "2026-09-24T23:59:59+08:00"),
    # Thu before Mid-autumn and National Day: 28, 29, 30 Sep, then 8, 9 Oct.
    ("2026-09-24T18:00:00+08:00", "2026-09-28T23:59:59+08:00", "2026-10-09T23:59:59+08:00"),
    # Fri before Spring Festival: Sat 14 Feb is a workday, 15-23 Feb off.
    ("2026-02-13T20:00:00+08:00", "2026-02-14T23:59:59+08:00", "2026-02-27T23:59:59+08:00"),
    # Received on the make-up Saturday itself: that day does not count; Sat 28 Feb does.
    ("2026-02-14T11:00:00+08:00", "2026-02-24T23:59:59+08:00", "2026-02-28T23:59:59+08:00"),
    # 17:30 UTC on the 13th is 01:30 on the 14th in Shanghai: the local calendar day decides.
    ("2026-02-13T17:30:00+00:00", "2026-02-24T23:59:59+08:00", "2026-02-28T23:59:59+08:00"),
    # The last day of a holiday (Mon 23 Feb, off): Tue 24 Feb is the first working day.
    ("2026-02-23T09:00:00+08:00", "2026-02-24T23:59:59+08:00", "2026-02-28T23:59:59+08:00"),
])
def test_register_and_overall_are_due_on_the_1st_and_5th_working_day_after_receipt(
    org, clock, received_at, register, overall
):
    clock.set("2026-11-20T09:00:00+08:00")

    c = file_complaint(org.agent, received_at)

    assert [(d["kind"], d["due_at"], d["started_at"]) for d in c["deadlines"]] == [
        ("register", register, timezone.localtime(at(received_at)).isoformat()),
        ("overall", overall, timezone.localtime(at(received_at)).isoformat()),
    ]
    assert c["received_at"] == timezone.localtime(at(received_at)).isoformat()


def test_the_loop_across_national_day_with_a_dispute_and_a_second_reply_all_in_time(org, clock):
    clock.set("2026-09-30T10:05:00+08:00")
    c = file_complaint(org.agent, "2026-09-30T10:00:00+08:00")
    assert (c["state"], c["complaint_class"], c["number"]) == ("received", 1, f"CP20260930{c['id']:06d}")
    assert shown(c) == [
        ("register", "2026-10-08T23:59:59+08:00", None, False),
        ("overall", "2026-10-13T23:59:59+08:00", None, False),
    ]

    # The first working day after the holiday: forwarded in time. Reply: Fri 9, Sat 10 (make-up), Mon 12 Oct.
    clock.set("2026-10-08T16:00:00+08:00")
    c = act(org.agent, c["id"], "forward", {"handling_unit": org.quality.pk})
    assert (c["state"], c["forwarded_at"], c["handling_unit"]["id"]) == (
        "forwarded", "2026-10-08T16:00:00+08:00", org.quality.pk,
    )
    assert inbox() == [("handler_q", f"Complaint {c['number']} forwarded to 质量部", "")]
    assert shown(c) == [
        ("register", "2026-10-08T23:59:59+08:00", "2026-10-08T16:00:00+08:00", False),
        ("reply", "2026-10-12T23:59:59+08:00", None, False),
        ("overall", "2026-10-13T23:59:59+08:00", None, False),
    ]

    # Replied on Mon 12 Oct: reply and overall met; return visit by Wed 14 Oct.
    clock.set("2026-10-12T11:00:00+08:00")
    c = act(org.handler, c["id"], "reply", {"result": "已更换师傅并道歉", "investigation": "师傅堵车未提前告知",
                                            "head_signed_by": "质量部 刘主任"})
    assert (c["state"], c["replied_at"], c["result"], c["head_signed_by"]) == (
        "replied", "2026-10-12T11:00:00+08:00", "已更换师傅并道歉", "质量部 刘主任")
    assert shown(c) == [
        ("register", "2026-10-08T23:59:59+08:00", "2026-10-08T16:00:00+08:00", False),
        ("reply", "2026-10-12T23:59:59+08:00", "2026-10-12T11:00:00+08:00", False),
        ("overall", "2026-10-13T23:59:59+08:00", "2026-10-12T11:00:00+08:00", False),
        ("return_visit", "2026-10-14T23:59:59+08:00", None, False),
    ]

    # The customer disputes on Wed 14 Oct: a new reply clock, 3 working days: Thu 15, Fri 16, Mon 19 Oct.
    clock.set("2026-10-14T09:30:00+08:00")
    c = act(org.agent, c["id"], "return-visit", {"satisfied": False, "note": "客户要求赔偿上门费"})
    assert (c["state"], c["disputes"], c["satisfied"], c["return_visit_note"]) == (
        "disputed", 1, False, "客户要求赔偿上门费")
    assert inbox()[1:] == [
        ("handler_q", f"Complaint {c['number']}: the customer disputes the result", "客户要求赔偿上门费")
    ]
    assert shown(c)[3:] == [
        ("return_visit", "2026-10-14T23:59:59+08:00", "2026-10-14T09:30:00+08:00", False),
        ("reply", "2026-10-19T23:59:59+08:00", None, False),
    ]
    reply_again = Deadline.objects.get(complaint__pk=c["id"], kind="reply", met_at__isnull=True)
    assert reply_again.started_at == at("2026-10-14T09:30:00+08:00")

    # The second reply meets the new clock; the next return visit is due Wed 21 Oct.
    clock.set("2026-10-19T17:00:00+08:00")
    c = act(org.handler, c["id"], "reply", {"result": "退还上门费50元"})
    assert (c["state"], c["result"], c["replied_at"]) == ("replied", "退还上门费50元", "2026-10-19T17:00:00+08:00")

    clock.set("2026-10-20T10:00:00+08:00")
    c = act(org.agent, c["id"], "return-visit", {"satisfied": True, "note": "客户满意"})
    assert (c["state"], c["satisfied"], c["return_visited_at"]) == ("return_visited", True, "2026-10-20T10:00:00+08:00")

    clock.set("2026-10-20T10:30:00+08:00")
    c = act(org.agent, c["id"], "close", {"improvement": "师傅迟到须提前电话告知"})
    assert (c["state"], c["closed_at"], c["improvement"], c["case_study"]) == (
        "closed", "2026-10-20T10:30:00+08:00", "师傅迟到须提前电话告知", None)
    assert shown(c) == [
        ("register", "2026-10-08T23:59:59+08:00", "2026-10-08T16:00:00+08:00", False),
        ("reply", "2026-10-12T23:59:59+08:00", "2026-10-12T11:00:00+08:00", False),
        ("overall", "2026-10-13T23:59:59+08:00", "2026-10-12T11:00:00+08:00", False),
        ("return_visit", "2026-10-14T23:59:59+08:00", "2026-10-14T09:30:00+08:00", False),
        ("reply", "2026-10-19T23:59:59+08:00", "2026-10-19T17:00:00+08:00", False),
        ("return_visit", "2026-10-21T23:59:59+08:00", "2026-10-20T10:00:00+08:00", False),
    ]
    assert CaseStudy.objects.count() == 0

    history = api_for(org.agent).get(f"{URL}{c['id']}/history/").json()
    assert [(h["action"], h["from_state"], h["to_state"], h["by"], h["at"]) for h in history] == [
        ("create", "", "received", "agent", "2026-09-30T10:05:00+08:00"),
        ("forward", "received", "forwarded", "agent", "2026-10-08T16:00:00+08:00"),
        ("reply", "forwarded", "replied", "handler_q", "2026-10-12T11:00:00+08:00"),
        ("return-visit", "replied", "disputed", "agent", "2026-10-14T09:30:00+08:00"),
        ("reply", "disputed", "replied", "handler_q", "2026-10-19T17:00:00+08:00"),
        ("return-visit", "replied", "return_visited", "agent", "2026-10-20T10:00:00+08:00"),
        ("close", "return_visited", "closed", "agent", "2026-10-20T10:30:00+08:00"),
    ]
    assert [h["note"] for h in history][2:4] == ["已更换师傅并道歉", "客户要求赔偿上门费"]


def test_late_steps_across_spring_festival_are_met_but_breached(org, clock):
    clock.set("2026-02-13T20:10:00+08:00")
    c = file_complaint(org.agent, "2026-02-13T20:00:00+08:00", category="quality", description="热水器出水忽冷忽热")

    # Nobody forwarded it on the make-up Saturday: after the holiday the register step is late.
    clock.set("2026-02-24T09:00:00+08:00")
    open_ = api_for(org.agent).get(f"{URL}{c['id']}/").json()
    assert shown(open_) == [
        ("register", "2026-02-14T23:59:59+08:00", None, True),
        ("overall", "2026-02-27T23:59:59+08:00", None, False),
    ]
    c = act(org.agent, c["id"], "forward", {"handling_unit": org.quality.pk})
    # Reply: 3 working days after Tue 24 Feb -> Wed 25, Thu 26, Fri 27.
    assert shown(c) == [
        ("register", "2026-02-14T23:59:59+08:00", "2026-02-24T09:00:00+08:00", True),
        ("overall", "2026-02-27T23:59:59+08:00", None, False),  # same due time: the older deadline first
        ("reply", "2026-02-27T23:59:59+08:00", None, False),
    ]

    # Replied on the make-up Saturday 28 Feb: one day late for both; return visit Mon 2, Tue 3 Mar.
    clock.set("2026-02-28T10:00:00+08:00")
    c = act(org.handler, c["id"], "reply", {"result": "更换恒温阀"})
    assert shown(c) == [
        ("register", "2026-02-14T23:59:59+08:00", "2026-02-24T09:00:00+08:00", True),
        ("overall", "2026-02-27T23:59:59+08:00", "2026-02-28T10:00:00+08:00", True),
        ("reply", "2026-02-27T23:59:59+08:00", "2026-02-28T10:00:00+08:00", True),
        ("return_visit", "2026-03-03T23:59:59+08:00", None, False),
    ]
    assert {d["escalation_level"] for d in c["deadlines"]} == {0}  # no sweep ran

    # A return visit one second before the due time is in time.
    clock.set("2026-03-03T23:59:58+08:00")
    c = act(org.agent, c["id"], "return-visit", {"satisfied": True})
    assert shown(c)[-1] == ("return_visit", "2026-03-03T23:59:59+08:00", "2026-03-03T23:59:58+08:00", False)


def test_a_dispute_clock_that_runs_out_shows_breached_while_open_and_after_a_late_reply(org, clock):
    clock.set("2026-09-30T10:00:00+08:00")
    c = file_complaint(org.agent, "2026-09-30T10:00:00+08:00")
    clock.set("2026-09-30T11:00:00+08:00")
    act(org.agent, c["id"], "forward", {"handling_unit": org.quality.pk})
    # Reply: 3 working days after Wed 30 Sep -> Thu 8, Fri 9, Sat 10 Oct (make-up).
    clock.set("2026-10-10T15:00:00+08:00")
    act(org.handler, c["id"], "reply", {"result": "已道歉"})
    # Disputed on the make-up Saturday: the new reply is due Mon 12, Tue 13, Wed 14 Oct.
    clock.set("2026-10-10T16:00:00+08:00")
    c = act(org.agent, c["id"], "return-visit", {"satisfied": False, "note": "不接受"})
    assert shown(c)[-1] == ("reply", "2026-10-14T23:59:59+08:00", None, False)

    clock.set("2026-10-15T00:00:00+08:00")
    c = api_for(org.agent).get(f"{URL}{c['id']}/").json()
    assert shown(c)[-1] == ("reply", "2026-10-14T23:59:59+08:00", None, True)

    clock.set("2026-10-15T09:00:00+08:00")
    c = act(org.handler, c["id"], "reply", {"result": "补偿50元"})
    assert [d for d in shown(c) if d[0] == "reply"] == [
        ("reply", "2026-10-10T23:59:59+08:00", "2026-10-10T15:00:00+08:00", False),
        ("reply", "2026-10-14T23:59:59+08:00", "2026-10-15T09:00:00+08:00", True),
    ]
    assert shown(c)[-1] == ("return_visit", "2026-10-19T23:59:59+08:00", None, False)  # Fri 16, Mon 19 Oct


def test_reject_tells_the_customer_why_and_meets_register_and_overall(org, clock):
    clock.set("2026-09-30T10:00:00+08:00")
    c = file_complaint(org.agent, "2026-09-30T09:00:00+08:00", category="suggestion", description="希望周末也能上门")

    clock.set("2026-09-30T10:20:00+08:00")
    c = act(org.agent, c["id"], "reject", {"reason": "已支持周末上门，非有效投诉，已向客户说明"})

    assert (c["state"], c["reject_reason"], c["closed_at"]) == (
        "rejected", "已支持周末上门，非有效投诉，已向客户说明", "2026-09-30T10:20:00+08:00")
    assert shown(c) == [
        ("register", "2026-10-08T23:59:59+08:00", "2026-09-30T10:20:00+08:00", False),
        ("overall", "2026-10-13T23:59:59+08:00", "2026-09-30T10:20:00+08:00", False),
    ]
    event = ComplaintEvent.objects.get(complaint_id=c["id"], action="reject")
    assert (event.from_state, event.to_state, event.note, event.by.username) == (
        "received", "rejected", "已支持周末上门，非有效投诉，已向客户说明", "agent")


def test_a_complaint_forwarded_by_sales_gets_feedback_within_30_minutes(org, clock):
    clock.set("2026-10-09T10:05:00+08:00")
    c = file_complaint(org.agent, "2026-10-09T10:00:00+08:00", source="sales")
    assert shown(c) == [
        ("acknowledge", "2026-10-09T10:30:00+08:00", None, False),
        ("register", "2026-10-10T23:59:59+08:00", None, False),  # Sat 10 Oct is a make-up workday
        ("overall", "2026-10-15T23:59:59+08:00", None, False),
    ]

    clock.set("2026-10-09T10:25:00+08:00")
    c = act(org.agent, c["id"], "acknowledge", {"note": "已电话告知销售张经理"})

    assert shown(c)[0] == ("acknowledge", "2026-10-09T10:30:00+08:00", "2026-10-09T10:25:00+08:00", False)
    assert c["state"] == "received"
    event = ComplaintEvent.objects.get(complaint_id=c["id"], action="acknowledge")
    assert (event.from_state, event.to_state, event.note) == ("received", "received", "已电话告知销售张经理")

    # Nothing waits any more: a second acknowledgement is refused and nothing is written.
    r = api_for(org.agent).post(f"{URL}{c['id']}/acknowledge/", {"note": "again"}, format="json")
    assert r.status_code == 400 and list(r.json()) == ["note"]
    assert ComplaintEvent.objects.filter(complaint_id=c["id"], action="acknowledge").count() == 1
    assert Deadline.objects.get(complaint__pk=c["id"], kind="acknowledge").met_at == at("2026-10-09T10:25:00+08:00")


def test_a_complaint_not_from_sales_has_nothing_to_acknowledge(org, clock):
    clock.set("2026-10-09T10:05:00+08:00")
    c = file_complaint(org.agent, "2026-10-09T10:00:00+08:00")

    r = api_for(org.agent).post(f"{URL}{c['id']}/acknowledge/", {"note": "已告知"}, format="json")

    assert r.status_code == 400 and list(r.json()) == ["note"]
    assert list(ComplaintEvent.objects.filter(complaint_id=c["id"]).values_list("action", flat=True)) == ["create"]
    assert sorted(Deadline.objects.filter(complaint__pk=c["id"]).values_list("kind", flat=True)) == [
        "overall",
        "register",
    ]


def test_closing_cancels_an_acknowledgement_still_open(org, clock):
    clock.set("2026-10-09T10:00:00+08:00")
    c = file_complaint(org.agent, "2026-10-09T10:00:00+08:00", source="sales")
    act(org.agent, c["id"], "forward", {"handling_unit": org.quality.pk})
    act(org.handler, c["id"], "reply", {"result": "已处理"})
    act(org.agent, c["id"], "return-visit", {"satisfied": True})

    clock.set("2026-10-09T11:00:00+08:00")
    act(org.agent, c["id"], "close", {})

    d = Deadline.objects.get(complaint__pk=c["id"], kind="acknowledge")
    assert (d.met_at, d.cancelled_at) == (None, at("2026-10-09T11:00:00+08:00"))
    assert Complaint.objects.get(pk=c["id"]).state == "closed"
