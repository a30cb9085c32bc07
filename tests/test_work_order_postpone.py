"""The customer asks to postpone (issue 3, item 4), through HTTP: the clocks
of the order's open deadlines stop, and resume moves their due times by the
time paused; each pause keeps its reason and who set it."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.deadlines.models import Deadline, DeadlinePause
from tests.conftest import api_for
from tickets.models import WorkOrderEvent
from tickets.services import work_order_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(agent):
    order, _ = work_order_create(
        by=agent, kind="repair", description="no hot water",
        customer={"name": "Zhao", "phone": "13911112222", "address": "北京市朝阳区"},
    )
    return order


def _due(order):
    return {d.kind: d for d in Deadline.objects.filter(object_id=order.pk, content_type__model="workorder")}


def test_postpone_stops_the_clocks_and_resume_moves_the_due_times(agent, order, monkeypatch):
    client = api_for(agent)
    before = _due(order)
    r = client.post(f"/api/v1/work-orders/{order.pk}/postpone/", {"reason": "客户出差，下周再约"}, format="json")
    assert r.status_code == 200, r.content
    paused = {d["kind"]: d for d in r.json()["deadlines"]}
    assert paused["respond"]["paused_at"] is not None and paused["arrive"]["paused_at"] is not None
    assert Deadline.objects.filter(object_id=order.pk, next_escalation_at__isnull=False).count() == 0
    pause = DeadlinePause.objects.get(deadline=before["respond"])
    assert (pause.reason, pause.by, pause.ended_at) == ("客户出差，下周再约", agent, None)

    # Two hours later the customer is ready.
    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    r = client.post(f"/api/v1/work-orders/{order.pk}/resume/", {}, format="json")
    assert r.status_code == 200, r.content
    after = _due(order)
    for kind in ("respond", "arrive"):
        moved = after[kind].due_at - before[kind].due_at
        assert abs(moved - datetime.timedelta(hours=2)) < datetime.timedelta(seconds=1)
        assert after[kind].paused_at is None
        assert after[kind].paused_seconds in (7199, 7200, 7201)
        assert after[kind].next_escalation_at is not None
    assert DeadlinePause.objects.get(deadline=before["respond"]).resumed_by == agent
    actions = list(WorkOrderEvent.objects.filter(order=order).values_list("action", "from_state", "to_state"))
    assert actions[-2:] == [("postpone", "received", "received"), ("resume", "received", "received")]


def test_postpone_needs_a_reason_and_changes_nothing_without_one(agent, order):
    r = api_for(agent).post(f"/api/v1/work-orders/{order.pk}/postpone/", {"reason": " "}, format="json")
    assert r.status_code == 400
    assert "reason" in r.json()
    assert DeadlinePause.objects.count() == 0
    assert WorkOrderEvent.objects.filter(order=order, action="postpone").count() == 0


def test_resume_without_a_pause_is_a_400_and_twice_paused_is_refused(agent, order):
    client = api_for(agent)
    r = client.post(f"/api/v1/work-orders/{order.pk}/resume/", {}, format="json")
    assert r.status_code == 400 and "deadlines" in r.json()
    assert (
        client.post(f"/api/v1/work-orders/{order.pk}/postpone/", {"reason": "later"}, format="json").status_code == 200
    )
    r = client.post(f"/api/v1/work-orders/{order.pk}/postpone/", {"reason": "again"}, format="json")
    assert r.status_code == 400 and "deadlines" in r.json()
    assert DeadlinePause.objects.count() == 2  # one per deadline, from the first postpone only


def test_a_paused_deadline_is_not_escalated(agent, order):
    from servicedesk.deadlines.escalation import sweep

    api_for(agent).post(f"/api/v1/work-orders/{order.pk}/postpone/", {"reason": "later"}, format="json")
    result = sweep(now=timezone.now() + datetime.timedelta(days=3))
    assert result.escalations == 0
    assert set(Deadline.objects.filter(object_id=order.pk).values_list("escalation_level", flat=True)) == {0}


def test_partners_may_not_postpone_and_closed_orders_cannot(partner_user, agent, order):
    from tickets.models import WorkOrder

    r = api_for(partner_user).post(f"/api/v1/work-orders/{order.pk}/postpone/", {"reason": "x"}, format="json")
    assert r.status_code == 404  # not the partner's order
    api_for(agent).post(f"/api/v1/work-orders/{order.pk}/cancel/", {"reason": "duplicate"}, format="json")
    assert WorkOrder.objects.get(pk=order.pk).state == "cancelled"
    r = api_for(agent).post(f"/api/v1/work-orders/{order.pk}/postpone/", {"reason": "x"}, format="json")
    assert r.status_code == 409
    assert r.json()["state"] == "cancelled"
