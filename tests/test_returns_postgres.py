"""Returns on PostgreSQL: two assessments at once (one wins, the other gets
409, one history row), and the append-only history tables. Also: the late
depot repair's exchange proposal is made by condition on every sweep (a
failed run is made good by the next; two sweeps at once make one)."""

import dataclasses
import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone

from returns.models import FactoryReturnEvent, ReturnEvent, ReturnRequest
from returns.services import propose_exchange_for_late_repairs
from servicedesk.deadlines import escalation, registry
from servicedesk.deadlines.models import Deadline, Escalation
from servicedesk.deadlines.tasks import sweep_task
from servicedesk.notifications.models import Notification
from tests.concurrency import at_once
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
    agent, supervisor = (
        UserFactory(username="agent", roles=["agent"]),
        UserFactory(username="sup", roles=["supervisor"]),
    )
    pk = new_return(agent)
    start = threading.Barrier(2)
    answers = []

    def assess(user, findings):
        try:
            start.wait(10)
            answers.append(api_for(user).post(f"/api/v1/returns/{pk}/assess/", {"findings": findings}, format="json"))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=assess, args=a) for a in ((agent, CLEAR), (supervisor, {**CLEAR, "lights": True}))
    ]
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
    from returns.models import FactoryReturn
    from servicedesk.accounts.models import Unit
    from tests.factories import UnitFactory

    office = UnitFactory(kind=Unit.Kind.OFFICE)
    fr = FactoryReturn.objects.create(office=office, month=datetime.date(2026, 12, 1), created_by=agent)
    FactoryReturnEvent.objects.create(factory_return=fr, action="create", to_state="draft", by=agent, at=timezone.now())
    with pytest.raises(DatabaseError, match="history rows are immutable"), transaction.atomic():
        FactoryReturnEvent.objects.filter(factory_return=fr).update(note="x")


def repair_due_a_minute_ago(agent):
    """A gas water heater sent to depot repair whose 3 days ended a minute ago."""
    CategoryFactory(slug="gas_water_heater")
    pk = new_return(agent, "gas_water_heater")
    r = api_for(agent).post(f"/api/v1/returns/{pk}/assess/", {"findings": {}}, format="json")
    assert r.json()["decision"] == "repair"
    due = timezone.now() - datetime.timedelta(minutes=1)
    Deadline.objects.filter(return_request__pk=pk, kind="repair").update(
        started_at=due - datetime.timedelta(days=3), due_at=due, next_escalation_at=due)
    return pk, Deadline.objects.get(return_request__pk=pk, kind="repair")


def proposals(pk):
    return ReturnEvent.objects.filter(return_request_id=pk, action="propose-exchange")


def test_a_proposal_that_failed_once_is_made_by_the_next_sweep(db, monkeypatch):
    """The proposal is chosen by condition (repair deadline breached, none
    proposed yet), not by the level-1 escalation: a run whose proposal failed
    is made good by the next run of the periodic sweep task."""
    agent = UserFactory(username="agent", roles=["agent"])
    pk, d = repair_due_a_minute_ago(agent)

    def broken(*, now):
        ReturnRequest.objects.filter(pk=pk).update(proposed_reason="half written")
        raise RuntimeError("boom")

    entry = registry.subject(ReturnRequest)
    monkeypatch.setitem(registry._subjects, "returns.returnrequest", dataclasses.replace(entry, after_sweep=broken))
    assert sweep_task.apply().get()["escalations"] == 1  # the level is reached; the failure is logged, rolled back
    assert Escalation.objects.filter(deadline=d, level=1).count() == 1
    obj = ReturnRequest.objects.get(pk=pk)
    assert (obj.proposed_decision, obj.proposed_reason) == ("", "")
    assert not proposals(pk).exists()

    monkeypatch.undo()
    assert sweep_task.apply().get()["escalations"] == 0  # no new level due: the proposal comes all the same
    obj = ReturnRequest.objects.get(pk=pk)
    assert obj.proposed_decision == "exchange" and obj.proposed_at is not None
    assert proposals(pk).count() == 1 and proposals(pk).get().by is None
    notified = Notification.objects.filter(title__contains=obj.number, escalation__isnull=True).count()
    assert notified == 1  # the owner (the agent); no supervisor in this organisation

    # Run twice more (the task and the command): still one proposal, one history row, one notification.
    sweep_task.apply().get()
    call_command("escalate_overdue")
    assert proposals(pk).count() == 1
    assert ReturnRequest.objects.get(pk=pk).proposed_at == obj.proposed_at
    assert Notification.objects.filter(title__contains=obj.number, escalation__isnull=True).count() == notified
    assert Escalation.objects.filter(deadline=d).count() == 1


def test_the_history_refuses_a_second_exchange_proposal(postgres):
    agent = UserFactory(username="agent", roles=["agent"])
    pk, _ = repair_due_a_minute_ago(agent)
    assert propose_exchange_for_late_repairs(now=timezone.now()) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnEvent.objects.create(return_request_id=pk, action="propose-exchange", from_state="approved",
                                   to_state="approved", at=timezone.now())
    assert propose_exchange_for_late_repairs(now=timezone.now()) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_make_one_proposal_and_a_held_return_is_skipped_not_waited_on(postgres):
    agent = UserFactory(username="agent", roles=["agent"])
    pk, _ = repair_due_a_minute_ago(agent)

    # An action holds the return (e.g. its fulfilment): the sweep skips it at once instead of waiting.
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                ReturnRequest.objects.select_for_update().get(pk=pk)
                held.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        escalation.sweep()
        assert not proposals(pk).exists()
    finally:
        release.set()
        holder.join(30)

    # Released: two sweeps at once, one proposal and one history row.
    at_once(escalation.sweep, escalation.sweep)
    assert proposals(pk).count() == 1
    assert ReturnRequest.objects.get(pk=pk).proposed_decision == "exchange"


def test_one_late_repair_that_fails_does_not_hold_back_the_others(db, monkeypatch):
    """Each proposal in its own savepoint: the return whose proposal fails
    is rolled back alone (tried again on the next sweep), the others are made."""
    from returns.services import exchange_proposals as services

    agent = UserFactory(username="agent", roles=["agent"])
    first, _ = repair_due_a_minute_ago(agent)
    second, _ = repair_due_a_minute_ago(agent)
    real = services.notifications_create

    def failing_for_first(**kwargs):
        if kwargs["url"].endswith(f"/{first}/"):
            raise RuntimeError("mail queue down")
        return real(**kwargs)

    monkeypatch.setattr(services, "notifications_create", failing_for_first)
    assert propose_exchange_for_late_repairs(now=timezone.now()) == 1
    assert not proposals(first).exists() and ReturnRequest.objects.get(pk=first).proposed_decision == ""
    assert proposals(second).count() == 1 and ReturnRequest.objects.get(pk=second).proposed_decision == "exchange"

    monkeypatch.undo()
    assert propose_exchange_for_late_repairs(now=timezone.now()) == 1
    assert proposals(first).count() == 1 and proposals(second).count() == 1
