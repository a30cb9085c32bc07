"""Returns on PostgreSQL: two assessments at once (one wins, the other gets
409, one history row), and the append-only history tables. Also: a failing
subject hook never fails the escalation sweep."""

import datetime
import threading

import pytest
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from billing.models import FactoryReturnEvent, ReturnEvent, ReturnRequest
from servicedesk.deadlines import escalation
from servicedesk.deadlines.models import Deadline, Escalation
from tests.conftest import api_for
from tests.factories import CategoryFactory, UserFactory

CLEAR = {"lights": False, "base_aged": False, "tube_greyed": False, "bridge_blackened": False}


def new_return(user, category="energy_saving_lamp"):
    r = api_for(user).post("/api/v1/returns/", {
        "customer": {"name": "张伟", "phone": "13800138000"}, "requested_by": "consumer", "reason": "不亮",
        "product": {"category": category, "purchase_date": timezone.localdate().isoformat()}}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()["id"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_assessments_at_once_one_wins_and_the_other_gets_409(postgres):
    CategoryFactory(slug="energy_saving_lamp")
    agent, supervisor = UserFactory(username="agent", roles=["agent"]), UserFactory(username="sup", roles=["supervisor"])
    pk = new_return(agent)
    start = threading.Barrier(2)
    answers = []

    def assess(user, findings):
        try:
            start.wait(10)
            answers.append(api_for(user).post(f"/api/v1/returns/{pk}/assess/", {"findings": findings}, format="json"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assess, args=a) for a in ((agent, CLEAR), (supervisor, {**CLEAR, "lights": True}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.status_code for r in answers) == [200, 409]
    winner = next(r for r in answers if r.status_code == 200).json()
    assert ReturnRequest.objects.get(pk=pk).state == winner["state"]
    assert ReturnEvent.objects.filter(return_request_id=pk, action="assess").count() == 1


def test_postgresql_refuses_to_change_or_delete_history(postgres):
    CategoryFactory(slug="energy_saving_lamp")
    agent = UserFactory(username="agent", roles=["agent"])
    pk = new_return(agent)
    rows = ReturnEvent.objects.filter(return_request_id=pk)
    with pytest.raises(DatabaseError, match="history rows are immutable"), transaction.atomic():
        rows.update(note="rewritten")
    with pytest.raises(DatabaseError, match="history rows are immutable"), transaction.atomic():
        rows._raw_delete(rows.db)
    assert rows.count() == 1
    from billing.models import FactoryReturn
    from servicedesk.accounts.models import Unit
    from tests.factories import UnitFactory

    office = UnitFactory(kind=Unit.Kind.OFFICE)
    fr = FactoryReturn.objects.create(office=office, month=datetime.date(2026, 12, 1), created_by=agent)
    FactoryReturnEvent.objects.create(factory_return=fr, action="create", to_state="draft", by=agent, at=timezone.now())
    with pytest.raises(DatabaseError, match="history rows are immutable"), transaction.atomic():
        FactoryReturnEvent.objects.filter(factory_return=fr).update(note="x")


def test_a_failing_hook_does_not_fail_the_sweep(db, monkeypatch):
    """The levels are still reached once; the hook's writes are rolled back to its savepoint."""
    CategoryFactory(slug="gas_water_heater")
    agent = UserFactory(username="agent", roles=["agent"])
    pk = new_return(agent, "gas_water_heater")
    api_for(agent).post(f"/api/v1/returns/{pk}/assess/", {"findings": {}}, format="json")

    def broken(escalations, *, now):
        ReturnRequest.objects.filter(pk=pk).update(proposed_reason="half written")
        raise RuntimeError("boom")

    monkeypatch.setattr(ReturnRequest, "on_deadlines_escalated", broken)
    d = Deadline.objects.get(return_request__pk=pk)
    result = escalation.sweep(now=d.due_at + datetime.timedelta(seconds=1))
    assert result.escalations == 1
    assert Escalation.objects.filter(deadline=d, level=1).count() == 1
    assert ReturnRequest.objects.get(pk=pk).proposed_reason == ""
