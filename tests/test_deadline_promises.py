"""A promise made to the customer (the take-back's promised_by, seeds/004)
is not a policy's length: recomputing the policy's open deadlines leaves it."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.deadlines.models import Deadline, SlaPolicy
from servicedesk.deadlines.services import policy_recompute_open
from tickets import services

pytestmark = pytest.mark.django_db


def test_recompute_never_moves_a_promised_due_time(agent, dispatcher, tech1, category):
    policy = SlaPolicy.objects.create(code="wo-repair", name="repair", subject="tickets.workorder",
                                      deadline_kind="repair", duration=datetime.timedelta(days=2))
    order, _ = services.work_order_create(
        by=agent, kind="repair", description="leaks",
        customer={"name": "Qian", "phone": "13933334444", "address": "北京市朝阳区"},
        product={"category": category, "model": "X"},
    )
    services.work_order_dispatch(order_id=order.pk, technician=tech1, by=dispatcher)
    services.work_order_accept(order_id=order.pk, by=tech1.user)
    services.work_order_check_in(order_id=order.pk, by=tech1.user)
    promised = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    services.work_order_take_back(order_id=order.pk, by=tech1.user, promised_by=promised)
    repair = Deadline.objects.get(object_id=order.pk, kind="repair")
    assert (repair.policy, repair.due_at, repair.due_promised) == (policy, promised, True)

    policy.duration = datetime.timedelta(hours=1)
    policy.save()
    assert policy_recompute_open(policy=policy) == 0
    repair.refresh_from_db()
    assert repair.due_at == promised
