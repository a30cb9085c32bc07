"""One revisit per order (issue 16: 20 parallel revisits of one closed order
made 20 orders). The original's row lock decides: the first revisit creates
the new order, every later one is a 409 `already_revisited` (contract:
Conventions, two concurrent actions on one object: one wins, the other gets
409); the fault coming back later is a revisit of the revisit."""

import pytest

from tests.concurrency import at_once
from tests.conftest import api_for
from tickets import services
from tickets.models import WorkOrder, WorkOrderEvent

WO = "/api/v1/work-orders/"


def closed_order(agent):
    order, _ = services.work_order_create(by=agent, kind="repair", description="热水器不点火",
                                          customer={"name": "王伟", "phone": "13800138000"})
    WorkOrder.objects.filter(pk=order.pk).update(state=WorkOrder.State.CLOSED)
    return order


def revisit(user, order_id):
    return api_for(user).post(f"{WO}{order_id}/revisit/", {"description": "又点不着火"}, format="json")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_revisits_at_once_make_one_order(postgres, agent):
    order = closed_order(agent)

    answers = at_once(*[lambda: revisit(agent, order.pk)] * 20)

    assert sorted(r.status_code for r in answers) == [201] + [409] * 19
    new = WorkOrder.objects.get(revisit_of=order)
    assert next(r for r in answers if r.status_code == 201).json()["id"] == new.pk
    assert {(r.json()["code"], r.json()["state"], tuple(r.json()["allowed"]))
            for r in answers if r.status_code == 409} == {("already_revisited", "closed", ())}
    assert WorkOrder.objects.count() == 2
    assert WorkOrderEvent.objects.filter(order=order, action="revisit").count() == 1


def test_a_second_revisit_is_a_409_naming_the_first(db, agent):
    order = closed_order(agent)
    first = revisit(agent, order.pk).json()

    r = revisit(agent, order.pk)

    assert r.status_code == 409
    assert r.json() == {"detail": f"This order already has a revisit, {first['number']}: revisit that one if the "
                                  "fault is back.", "code": "already_revisited", "state": "closed", "allowed": []}
    assert WorkOrder.objects.filter(revisit_of=order).count() == 1
    assert WorkOrderEvent.objects.filter(order=order, action="revisit").count() == 1


def test_the_revisit_may_itself_be_revisited_and_a_cancelled_one_does_not_count(db, agent):
    order = closed_order(agent)
    first = revisit(agent, order.pk).json()
    WorkOrder.objects.filter(pk=first["id"]).update(state=WorkOrder.State.CLOSED)

    assert revisit(agent, first["id"]).status_code == 201
    WorkOrder.objects.filter(pk=first["id"]).update(state=WorkOrder.State.CANCELLED)
    assert revisit(agent, order.pk).status_code == 201
    assert WorkOrder.objects.filter(revisit_of=order).count() == 2


def test_the_page_shows_the_refusal(client, agent):
    order = closed_order(agent)
    revisit(agent, order.pk)
    client.force_login(agent)

    r = client.post(f"/work-orders/{order.pk}/actions/revisit/", {"description": "又坏了"}, HTTP_HX_REQUEST="true")

    assert r.status_code == 409 and "already has a revisit" in r.content.decode()
    assert WorkOrder.objects.filter(revisit_of=order).count() == 1
