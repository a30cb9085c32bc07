"""Dispatch through HTTP (api-contract.md, v1 additions: "approved
installations" and "Dispatch board"; issue 17)."""

import datetime

import pytest
from django.utils import timezone

from dispatch.models import Duty, ShiftException, WorkingHours
from servicedesk.deadlines.models import Deadline
from tests.conftest import api_for
from tests.factories import UnitFactory
from tickets import services as ticket_services
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

CUSTOMER = {"name": "王伟", "phone": "13800138000", "address": "北京市朝阳区建国路88号"}


@pytest.fixture
def approving_partner(partner2_user):
    partner = partner2_user.partner
    partner.installations_need_approval = True  # seeds/002: 委派安装单 经由分管总监签字后下达
    partner.save()
    return partner2_user


def create(user, kind="install", **extra):
    r = api_for(user).post("/api/v1/work-orders/", {"kind": kind, "description": "安装燃气热水器",
                                                    "customer": CUSTOMER, **extra}, format="json")
    assert r.status_code == 201, r.content
    return r.json()


# --- approved installations ----------------------------------------------------------


def test_an_installation_from_such_a_partner_waits_for_approval_without_deadlines(approving_partner, dispatcher,
                                                                                   tech1):
    order = create(approving_partner)
    assert order["state"] == "awaiting_approval"
    assert order["deadlines"] == []

    r = api_for(dispatcher).post(f"/api/v1/work-orders/{order['id']}/dispatch/", {"technician": tech1.pk},
                                 format="json")
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["state"], r.json()["allowed"]) == (
        "invalid_transition", "awaiting_approval", ["approve", "cancel"])


def test_other_kinds_and_other_partners_start_received(approving_partner, partner_user):
    assert create(approving_partner, kind="repair")["state"] == "received"
    assert create(partner_user)["state"] == "received"


@pytest.mark.parametrize("role", ["supervisor", "manager"])
def test_approve_starts_respond_and_arrive_from_the_approval(role, approving_partner, request, clock_at):
    order = create(approving_partner)
    approver = request.getfixturevalue(role)
    approved_at = timezone.now() + datetime.timedelta(hours=5)
    clock_at(approved_at)

    r = api_for(approver).post(f"/api/v1/work-orders/{order['id']}/approve/", {"note": "总监已签字"}, format="json")

    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "received"
    assert {d["kind"] for d in body["deadlines"]} == {"respond", "arrive"}
    for deadline in Deadline.objects.filter(object_id=order["id"]):
        # contract: counted from the approval (seeds/001: 24 h), not from reported_at.
        assert approved_at <= deadline.started_at < approved_at + datetime.timedelta(minutes=1)
        assert deadline.due_at == deadline.started_at + datetime.timedelta(hours=24)
    history = api_for(approver).get(f"/api/v1/work-orders/{order['id']}/history/").json()
    assert [(h["action"], h["from_state"], h["to_state"], h["note"]) for h in history] == [
        ("create", "", "awaiting_approval", ""), ("approve", "awaiting_approval", "received", "总监已签字")]


@pytest.mark.parametrize("role", ["dispatcher", "agent", "partner2_user"])
def test_only_supervisors_and_managers_approve(role, approving_partner, request):
    order = create(approving_partner)
    r = api_for(request.getfixturevalue(role)).post(f"/api/v1/work-orders/{order['id']}/approve/", {},
                                                    format="json")
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"
    assert WorkOrder.objects.get(pk=order["id"]).state == "awaiting_approval"


def test_approve_of_a_received_order_is_409_and_cancel_works_while_awaiting(approving_partner, supervisor, agent):
    received = create(approving_partner, kind="repair")
    r = api_for(supervisor).post(f"/api/v1/work-orders/{received['id']}/approve/", {}, format="json")
    assert r.status_code == 409
    assert r.json()["allowed"] == ["dispatch", "cancel"]

    waiting = create(approving_partner)
    r = api_for(agent).post(f"/api/v1/work-orders/{waiting['id']}/cancel/", {"reason": "客户取消"}, format="json")
    assert r.status_code == 200
    assert r.json()["state"] == "cancelled"
    assert api_for(supervisor).post("/api/v1/work-orders/999999/approve/", {}, format="json").status_code == 404


# --- the schedule --------------------------------------------------------------------


@pytest.fixture
def station_day(tech1, tech2, dispatcher, agent, category, mid_morning):
    station = UnitFactory(name="朝阳服务站")
    tech1.station = station
    tech1.save()
    today = timezone.localdate()
    WorkingHours.objects.create(technician=tech1, weekday=today.weekday(), start=datetime.time(8, 30),
                                end=datetime.time(17, 30))
    Duty.objects.create(station=station, date=today, technician=tech1, updated_by=dispatcher)
    order, _ = ticket_services.work_order_create(
        by=agent, kind="repair", description="不点火", customer=CUSTOMER,
        product={"category": category, "model": "JSQ", "serial": "S1"})
    ticket_services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
    ticket_services.work_order_accept(order_id=order.pk, by=tech1.user)
    at = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    ticket_services.work_order_schedule(order_id=order.pk, by=tech1.user, appointment_at=at)
    return station, order, at


def test_the_schedule_has_the_contracts_shape(station_day, dispatcher, tech1, tech2):
    station, order, at = station_day
    day = timezone.localdate()

    r = api_for(dispatcher).get(f"/api/v1/schedule/?date={day}")

    assert r.status_code == 200, r.content
    body = r.json()
    assert body["date"] == day.isoformat()
    rows = {t["id"]: t for t in body["technicians"]}
    one = rows[tech1.pk]
    assert set(one) == {"id", "name", "station", "on_duty", "shifts", "appointments", "open_orders"}
    assert (one["station"], one["on_duty"], one["open_orders"]) == ("朝阳服务站", True, 1)
    local = timezone.localtime(at)
    assert one["shifts"] == [{"start": local.replace(hour=8, minute=30).isoformat(),
                              "end": local.replace(hour=17, minute=30).isoformat()}]
    assert one["appointments"] == [{
        "work_order": order.pk, "number": order.number, "kind": "repair", "state": "scheduled",
        "start": local.isoformat(), "end": (local + datetime.timedelta(minutes=30)).isoformat()}]
    assert rows[tech2.pk]["on_duty"] is False
    assert rows[tech2.pk]["appointments"] == []
    assert "+08:00" in one["shifts"][0]["start"]


def test_the_agreed_end_wins_over_the_grace_and_the_station_filters(station_day, supervisor, tech1, settings):
    station, order, at = station_day
    WorkOrder.objects.filter(pk=order.pk).update(appointment_end=at + datetime.timedelta(hours=2))
    settings.SERVICEDESK = {**settings.SERVICEDESK, "APPOINTMENT_GRACE_MINUTES": 45}

    body = api_for(supervisor).get(f"/api/v1/schedule/?date={timezone.localdate()}&station={station.pk}").json()

    assert [t["id"] for t in body["technicians"]] == [tech1.pk]
    assert body["technicians"][0]["appointments"][0]["end"] == timezone.localtime(
        at + datetime.timedelta(hours=2)).isoformat()


def test_leave_removes_the_shift(station_day, manager, tech1, dispatcher):
    ShiftException.objects.create(technician=tech1, date=timezone.localdate(), kind="leave", created_by=dispatcher)
    body = api_for(manager).get("/api/v1/schedule/").json()
    assert next(t for t in body["technicians"] if t["id"] == tech1.pk)["shifts"] == []


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("tech1", 403), ("partner_user", 403)])
def test_the_schedule_is_for_dispatchers_supervisors_and_managers(role, status, request):
    user = request.getfixturevalue(role)
    user = getattr(user, "user", user)
    assert api_for(user).get("/api/v1/schedule/").status_code == status


def test_a_bad_date_is_a_400_naming_it(dispatcher):
    r = api_for(dispatcher).get("/api/v1/schedule/?date=2026-13-40")
    assert r.status_code == 400
    assert list(r.json()) == ["date"]


# --- shifts and the calendar ---------------------------------------------------------------


def test_shifts_follow_the_calendar_and_leave_cuts_hours(tech1, tech2, dispatcher):
    from dispatch.selectors import shifts_for
    from servicedesk.deadlines.models import CalendarDay

    monday = datetime.date(2027, 3, 1)  # a Monday
    holiday, saturday, makeup = monday + datetime.timedelta(days=2), monday + datetime.timedelta(days=5), \
        monday + datetime.timedelta(days=6)
    CalendarDay.objects.update_or_create(date=holiday, defaults={"kind": "holiday"})
    CalendarDay.objects.update_or_create(date=makeup, defaults={"kind": "workday"})
    for weekday in range(5):
        WorkingHours.objects.create(technician=tech1, weekday=weekday, start=datetime.time(8),
                                    end=datetime.time(17))
    WorkingHours.objects.create(technician=tech2, weekday=5, start=datetime.time(9), end=datetime.time(12))
    ShiftException.objects.create(technician=tech1, date=monday, kind="leave", start=datetime.time(12),
                                  end=datetime.time(14), created_by=dispatcher)

    shifts = shifts_for([tech1.pk, tech2.pk], [monday, holiday, saturday, makeup])

    def hours(tid, day):
        return [(timezone.localtime(a).strftime("%H:%M"), timezone.localtime(b).strftime("%H:%M"))
                for a, b in shifts[(tid, day)]]

    assert hours(tech1.pk, monday) == [("08:00", "12:00"), ("14:00", "17:00")]
    assert hours(tech1.pk, holiday) == []  # a statutory holiday on a Wednesday
    assert hours(tech1.pk, saturday) == []
    assert hours(tech2.pk, saturday) == [("09:00", "12:00")]  # works Saturdays
    assert hours(tech1.pk, makeup) == [("08:00", "17:00")]  # 调休: the Sunday works as a Monday


def test_the_apis_dispatch_takes_a_proposed_slot_with_an_offset(dispatcher, agent, tech1, category):
    from dispatch.models import SlotProposal

    order, _ = ticket_services.work_order_create(
        by=agent, kind="repair", description="不点火", customer=CUSTOMER,
        product={"category": category, "model": "JSQ", "serial": "S1"})
    client = api_for(dispatcher)
    r = client.post(f"/api/v1/work-orders/{order.pk}/dispatch/",
                    {"technician": tech1.pk, "proposed_at": "2026-12-08T14:00:00"}, format="json")
    assert r.status_code == 400
    assert list(r.json()) == ["proposed_at"]
    assert WorkOrder.objects.get(pk=order.pk).state == "received"

    r = client.post(f"/api/v1/work-orders/{order.pk}/dispatch/",
                    {"technician": tech1.pk, "proposed_at": "2026-12-08T14:00:00+08:00"}, format="json")

    assert r.status_code == 200, r.content
    proposal = SlotProposal.objects.get(order_id=order.pk)
    assert timezone.localtime(proposal.start).isoformat() == "2026-12-08T14:00:00+08:00"
    assert proposal.by == dispatcher
