"""A promise made to the customer (the take-back's promised_by, seeds/004)
is not a policy's length: recomputing the policy's open deadlines leaves it."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.deadlines.models import Deadline, SlaPolicy
from servicedesk.deadlines.services import policy_recompute_open
from tests.signing import SIGNED
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
    services.work_order_take_back(order_id=order.pk, by=tech1.user, promised_by=promised, extra=SIGNED)
    repair = Deadline.objects.get(object_id=order.pk, kind="repair")
    assert (repair.policy, repair.due_at, repair.due_promised) == (policy, promised, True)

    policy.duration = datetime.timedelta(hours=1)
    policy.save()
    assert policy_recompute_open(policy=policy) == 0
    repair.refresh_from_db()
    assert repair.due_at == promised


def test_a_region_policy_applies_to_orders_in_that_region(agent):
    from servicedesk.accounts.models import Region

    Region.objects.create(code="sh-pudong", name="浦东新区", province="上海市")
    SlaPolicy.objects.create(code="arrive-pudong", name="Pudong: 12 h", subject="tickets.workorder",
                             deadline_kind="arrive", duration=datetime.timedelta(hours=12),
                             conditions={"region": "sh-pudong"}, priority=5)
    reported = timezone.now().replace(microsecond=0)
    pudong, _ = services.work_order_create(
        by=agent, kind="repair", description="x", reported_at=reported,
        customer={"name": "A", "phone": "13955556666", "address": "上海市浦东新区世纪大道100号"})
    elsewhere, _ = services.work_order_create(
        by=agent, kind="repair", description="x", reported_at=reported,
        customer={"name": "B", "phone": "13955557777", "address": "北京市朝阳区"})
    due = lambda o: Deadline.objects.get(object_id=o.pk, kind="arrive").due_at  # noqa: E731 - a one-line reader, as readable as a def
    assert due(pudong) == reported + datetime.timedelta(hours=12)
    assert due(elsewhere) == reported + datetime.timedelta(hours=24)
