"""The dispatch pages and suggestions through HTTP (issue 17): the board and
its dispatch (the drop and the keyboard form post the same), the version the
board polls, suggestions ranked with reasons, the roster, the director's
queue and the order page's card."""

import datetime

import pytest
from django.utils import timezone

from dispatch.models import Duty, ShiftException, SlotProposal, WorkingHours
from tests.conftest import api_for
from tests.factories import CategoryFactory, UnitFactory
from tickets import services as ticket_services
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

CUSTOMER = {"name": "王伟", "phone": "13800138000", "address": "北京市朝阳区建国路88号"}


def new_order(by, category, kind="repair", phone="13800138000"):
    order, _ = ticket_services.work_order_create(
        by=by, kind=kind, description="不点火", customer={**CUSTOMER, "phone": phone},
        product={"category": category, "model": "JSQ", "serial": "S1"})
    return order


def logged_in(client, user):
    client.force_login(user)
    return client


def test_dispatchers_land_on_the_board(client, dispatcher):
    assert logged_in(client, dispatcher).get("/")["Location"] == "/dispatch/board/"


def test_the_board_shows_technicians_duty_and_waiting_orders(client, dispatcher, agent, tech1, tech2, category,
                                                             mid_morning):
    station = UnitFactory(name="朝阳服务站")
    tech1.station = station
    tech1.save()
    Duty.objects.create(station=station, date=timezone.localdate(), technician=tech1, updated_by=dispatcher)
    WorkingHours.objects.create(technician=tech2, weekday=timezone.localdate().weekday(), start=datetime.time(8),
                                end=datetime.time(12))
    emergency = new_order(agent, category, kind="emergency", phone="13900000001")
    repair = new_order(agent, category)

    html = logged_in(client, dispatcher).get("/dispatch/board/").content.decode()

    assert 'data-testid="row-tech1"' in html and 'data-testid="row-tech2"' in html
    tech1_row = html.split('data-testid="row-tech1"')[1].split('data-testid="row-')[0]
    assert 'data-testid="on-duty"' in tech1_row
    tech2_row = html.split('data-testid="row-tech2"')[1]
    assert "shift gs-19 ge-27" in tech2_row  # 08:00-12:00: half hours 16..24 after the two first columns
    waiting = html.split('data-testid="waiting"')[1]
    assert waiting.index(emergency.number) < waiting.index(repair.number)  # emergencies first
    assert ' style="' not in html
    week = client.get("/dispatch/board/?view=week").content.decode()
    assert week.count('class="day-cell') == 7 * 2


@pytest.mark.parametrize("role", ["agent", "tech1"])
def test_the_board_is_not_for_other_roles(role, client, request):
    user = request.getfixturevalue(role)
    assert logged_in(client, getattr(user, "user", user)).get("/dispatch/board/").status_code == 403


def test_a_drop_onto_a_time_dispatches_and_proposes_the_slot(client, dispatcher, agent, tech1, category,
                                                             mid_morning):
    order = new_order(agent, category)
    client = logged_in(client, dispatcher)
    version = client.get("/dispatch/board/").context["version"]
    assert client.get(f"/dispatch/board/version/?v={version}").get("HX-Refresh") is None
    day = timezone.localdate()

    r = client.post("/dispatch/board/dispatch/", {"order": order.pk, "technician": tech1.pk,
                                                  "proposed_at": f"{day}T14:00", "next": "/dispatch/board/"})

    assert r.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.technician_id) == ("dispatched", tech1.pk)
    proposal = SlotProposal.objects.get(order=order)
    assert timezone.localtime(proposal.start).strftime("%H:%M") == "14:00"
    assert proposal.end - proposal.start == datetime.timedelta(minutes=30)
    assert client.get(f"/dispatch/board/version/?v={version}")["HX-Refresh"] == "true"
    html = client.get("/dispatch/board/").content.decode()
    assert "is-proposed" in html.split('data-testid="row-tech1"')[1]
    # The schedule shows agreed appointments only: a proposal is not one yet.
    rows = api_for(dispatcher).get("/api/v1/schedule/").json()["technicians"]
    assert next(t for t in rows if t["id"] == tech1.pk)["appointments"] == []


def test_a_drop_onto_an_uncertified_technician_is_refused_with_the_reason(client, dispatcher, agent, tech1,
                                                                          category):
    other = CategoryFactory(slug="air_conditioner")
    order, _ = ticket_services.work_order_create(
        by=agent, kind="repair", description="不制冷", customer=CUSTOMER,
        product={"category": other, "model": "KFR", "serial": "S2"})

    r = logged_in(client, dispatcher).post("/dispatch/board/dispatch/", {"order": order.pk,
                                                                         "technician": tech1.pk}, follow=True)

    assert "no certification for air_conditioner" in r.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).state == "received"


def test_reassigning_moves_the_order_and_forgets_the_old_proposal(client, dispatcher, agent, tech1, tech2,
                                                                  category):
    order = new_order(agent, category)
    client = logged_in(client, dispatcher)
    client.post("/dispatch/board/dispatch/", {"order": order.pk, "technician": tech1.pk,
                                              "proposed_at": f"{timezone.localdate()}T09:00"})
    client.post("/dispatch/board/dispatch/", {"order": order.pk, "technician": tech2.pk})
    order.refresh_from_db()
    assert order.technician_id == tech2.pk
    assert not SlotProposal.objects.filter(order=order).exists()


# --- suggestions -------------------------------------------------------------------


def test_suggestions_rank_the_technician_free_before_the_deadline_first(dispatcher, agent, tech1, tech2, category,
                                                                       mid_morning):
    today = timezone.localdate()
    WorkingHours.objects.create(technician=tech2, weekday=today.weekday(), start=datetime.time(9),
                                end=datetime.time(18))
    order = new_order(agent, category)

    body = api_for(dispatcher).get(f"/api/v1/work-orders/{order.pk}/suggestions/").json()

    assert [s["technician"] for s in body] == [tech2.pk, tech1.pk]
    first = {r["code"]: r["ok"] for r in body[0]["reasons"]}
    assert first == {"certified": True, "region": False, "on_duty": False, "free": True, "load": True}
    assert (body[0]["in_shift"], body[1]["free_before_deadline"]) == (True, False)


def test_an_emergency_outside_working_hours_goes_to_the_on_duty_technician(dispatcher, agent, tech1, tech2,
                                                                           category, clock_at):
    clock_at(datetime.time(2, 30))  # seeds/001: 24小时值班, the night belongs to the duty
    station = UnitFactory()
    tech2.station = station
    tech2.save()
    Duty.objects.create(station=station, date=timezone.localdate(), technician=tech2, updated_by=dispatcher)
    order = new_order(agent, category, kind="emergency")

    client = api_for(dispatcher)
    assert client.get(f"/api/v1/work-orders/{order.pk}/suggestions/").json()[0]["technician"] == tech2.pk
    r = client.post(f"/api/v1/work-orders/{order.pk}/suggestions/", {}, format="json")

    assert r.status_code == 200, r.content
    assert (r.json()["state"], r.json()["technician"]) == ("dispatched", tech2.pk)


def test_the_suggestions_page_dispatches_to_the_first(client, dispatcher, agent, tech1, category):
    order = new_order(agent, category)
    client = logged_in(client, dispatcher)
    html = client.get(f"/dispatch/orders/{order.pk}/suggestions/").content.decode()
    assert 'data-testid="dispatch-first"' in html and 'data-reason="free"' in html

    r = client.post(f"/dispatch/orders/{order.pk}/suggestions/first/")

    assert r["Location"] == f"/work-orders/{order.pk}/"
    assert WorkOrder.objects.get(pk=order.pk).technician_id == tech1.pk


def test_suggestions_are_for_those_who_dispatch(agent, manager, tech1, category):
    order = new_order(agent, category)
    assert api_for(manager).get(f"/api/v1/work-orders/{order.pk}/suggestions/").status_code == 403


# --- the roster --------------------------------------------------------------------------


def test_the_roster_page_edits_hours_leave_and_duty(client, supervisor, tech1, tech2):
    station = UnitFactory()
    tech1.station = station
    tech1.save()
    client = logged_in(client, supervisor)
    day = timezone.localdate() + datetime.timedelta(days=2)
    assert client.get("/dispatch/roster/").status_code == 200

    client.post("/dispatch/roster/hours/", {"technician": tech1.pk, "weekday": 2, "start": "08:00", "end": "12:00"})
    client.post("/dispatch/roster/exception/", {"technician": tech1.pk, "date": day, "kind": "leave"})
    client.post("/dispatch/roster/duty/", {"station": station.pk, "date": day, "technician": tech1.pk})
    r = client.post("/dispatch/roster/hours/", {"technician": tech1.pk, "weekday": 2, "start": "11:00",
                                                "end": "13:00"}, follow=True)

    assert list(WorkingHours.objects.values_list("weekday", "start", "end")) == [
        (2, datetime.time(8), datetime.time(12))]
    assert "overlap" in r.content.decode()
    assert ShiftException.objects.get().kind == "leave"
    assert Duty.objects.get(date=day).technician == tech1
    r = client.post("/dispatch/roster/duty/", {"station": station.pk, "date": day, "technician": tech2.pk},
                    follow=True)
    assert Duty.objects.get(date=day).technician == tech1  # tech2 works at no such station
    assert "does not work at this station" in r.content.decode()


def test_the_roster_is_for_dispatchers_and_supervisors(client, agent, manager):
    assert logged_in(client, agent).get("/dispatch/roster/").status_code == 403
    assert logged_in(client, manager).post("/dispatch/roster/hours/", {}).status_code == 403


# --- the director's queue ---------------------------------------------------------------------


def test_the_directors_queue_and_the_order_page_approve(client, supervisor, dispatcher, partner2_user, category):
    partner2_user.partner.installations_need_approval = True
    partner2_user.partner.save()
    order = new_order(partner2_user, category, kind="install")
    assert order.state == "awaiting_approval"

    assert logged_in(client, dispatcher).get("/dispatch/approvals/").status_code == 403
    client = logged_in(client, supervisor)
    assert order.number in client.get("/dispatch/approvals/").content.decode()
    assert 'data-testid="approve"' in client.get(f"/work-orders/{order.pk}/").content.decode()

    r = client.post(f"/dispatch/approvals/{order.pk}/approve/", {"note": "同意安装", "from": "order"})

    assert r["Location"] == f"/work-orders/{order.pk}/"
    order.refresh_from_db()
    assert order.state == "received"
    assert order.events.order_by("-id").first().note == "同意安装"
    assert 'data-testid="approvals"' not in client.get("/dispatch/approvals/").content.decode()
