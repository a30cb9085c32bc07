"""next_due_at, the work order's cached earliest open due time (tickets
migration 0004), against the truth it caches: the deadline table. After
every action of the API, after a policy recompute and after the migration's
backfill, the cache equals the minimum due time of the order's open
deadlines; the overdue filter lists exactly the orders one of whose open
deadlines is past due."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Min
from django.utils import timezone

from servicedesk.deadlines.models import Deadline
from servicedesk.deadlines.services import policy_recompute_open
from tests.conftest import api_for
from tests.signing import SIGNED
from tickets.models import WorkOrder
from tickets.selectors import overdue_condition, overdue_from_deadlines

pytestmark = pytest.mark.django_db

LIST = "/api/v1/work-orders/"


@pytest.fixture(autouse=True)
def _category(category):
    """The product category the orders below name (gas_water_heater)."""
    assert category.slug == "gas_water_heater"


def truth(order_id):
    """The earliest due time among the order's open deadlines, from the deadline table."""
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(WorkOrder), object_id=order_id,
        met_at__isnull=True, cancelled_at__isnull=True,
    ).aggregate(m=Min("due_at"))["m"]


def cached(order_id):
    return WorkOrder.objects.values_list("next_due_at", flat=True).get(pk=order_id)


def assert_in_step(*order_ids):
    for order_id in order_ids:
        assert cached(order_id) == truth(order_id), order_id


def create(by, phone, *, kind="repair", hours_ago=0):
    r = api_for(by).post(LIST, {
        "kind": kind, "description": "热水器点不着火",
        "customer": {"name": "王伟", "phone": phone, "address": "北京市朝阳区建国路88号"},
        "product": {"category": "gas_water_heater", "model": "JSQ25", "serial": f"SN{phone}"},
        "reported_at": (timezone.now() - datetime.timedelta(hours=hours_ago)).isoformat(),
    }, format="json")
    assert r.status_code == 201, r.content
    return r.json()["id"]


def act(by, order_id, action, body=None, code=200):
    r = api_for(by).post(f"{LIST}{order_id}/{action}/", body or {}, format="json")
    assert r.status_code == code, (action, r.content)
    return r.json()


def test_the_cache_agrees_with_the_deadlines_after_every_action(agent, dispatcher, supervisor, tech1, tech2):
    t1, t2 = tech1.user, tech2.user
    promise = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    appointment = (timezone.now() + datetime.timedelta(hours=3)).isoformat()
    oid = create(agent, "13800000001", hours_ago=30)  # respond and arrive already past due
    assert_in_step(oid)
    assert cached(oid) is not None and cached(oid) < timezone.now()
    seen = {"open": 0, "none": 0}
    steps = [
        (dispatcher, "dispatch", {"technician": tech1.pk}),
        (t1, "decline", {"reason": "不在片区"}),
        (dispatcher, "dispatch", {"technician": tech2.pk}),
        (t2, "accept", {}),
        (t2, "schedule", {"appointment_at": appointment}),  # meets respond
        (agent, "postpone", {"reason": "客户出差"}),
        (agent, "resume", {}),
        (t2, "check-in", {}),  # meets arrive: nothing open
        (t2, "take-back", {"promised_by": promise, **SIGNED}),  # a promised repair deadline
        (agent, "postpone", {"reason": "等配件"}),
        (agent, "resume", {}),  # the promise moves by the pause
        (t2, "return", {"resolution": "返厂更换主板"}),
        (supervisor, "sign-off", {"signed_by": "王伟", "satisfaction": 4, **SIGNED}),  # follow_up opens
        (agent, "close", {}),  # the survey's deadline (issue 15) stays open: due the day after the sign-off
    ]
    for by, action, body in steps:
        act(by, oid, action, body)
        assert_in_step(oid)
        seen["open" if cached(oid) else "none"] += 1
    assert seen["open"] >= 5 and seen["none"] >= 2  # both cases were met, not just one (check-in, return)

    revisit = act(agent, oid, "revisit", {"description": "同一故障又出现"}, code=201)["id"]
    assert_in_step(oid, revisit)
    assert cached(revisit) is not None

    dropped = create(agent, "13800000002", kind="emergency")
    assert_in_step(dropped)
    act(agent, dropped, "cancel", {"reason": "客户取消"})
    assert_in_step(dropped)
    assert cached(dropped) is None

    fixed = create(agent, "13800000003", kind="install")
    for by, action, body in [
        (dispatcher, "dispatch", {"technician": tech1.pk}), (t1, "accept", {}), (t1, "check-in", {}),
        (t1, "resolve", {"resolution": "安装完成"}),
        (t1, "sign-off", {"signed_by": "王伟", "satisfaction": 5, **SIGNED}),
    ]:
        act(by, fixed, action, body)
        assert_in_step(fixed)


def test_a_recomputed_policy_moves_the_cache_with_the_due_times(agent, dispatcher):
    ids = [create(agent, f"1380000001{n}", hours_ago=n) for n in range(3)]
    respond = Deadline.objects.filter(kind="respond", object_id=ids[0]).get()
    policy = respond.policy
    before = {i: cached(i) for i in ids}
    assert policy.duration == datetime.timedelta(hours=24)  # as arrive: both due together
    policy.duration = datetime.timedelta(hours=2)  # respond now earlier than arrive
    policy.save()
    assert policy_recompute_open(policy=policy, batch_size=2) == 3  # two batches
    assert_in_step(*ids)
    assert all(cached(i) != before[i] for i in ids)


def test_the_overdue_filter_lists_exactly_the_orders_with_an_open_deadline_past_due(agent, dispatcher, tech1):
    late = create(agent, "13800000021", hours_ago=30)
    create(agent, "13800000022")  # nothing due yet
    emergency_late = create(agent, "13800000023", kind="emergency", hours_ago=1)  # arrive (30 min) past due
    met = create(agent, "13800000024", hours_ago=30)
    act(dispatcher, met, "dispatch", {"technician": tech1.pk})
    act(tech1.user, met, "accept")
    act(tech1.user, met, "check-in")  # both deadlines met late: not overdue any more
    paused = create(agent, "13800000025", hours_ago=30)
    act(dispatcher, paused, "dispatch", {"technician": tech1.pk})
    act(agent, paused, "postpone", {"reason": "客户出差"})  # paused past due: still overdue, as before
    cancelled = create(agent, "13800000026", hours_ago=30)
    act(agent, cancelled, "cancel", {"reason": "客户取消"})

    def listed(query):
        data = api_for(dispatcher).get(LIST + query).json()
        assert data["count"] == len(data["results"])
        return {row["id"] for row in data["results"]}

    every = set(WorkOrder.objects.values_list("pk", flat=True))
    from_deadlines = set(WorkOrder.objects.filter(overdue_from_deadlines()).values_list("pk", flat=True))
    assert from_deadlines == {late, emergency_late, paused}
    assert listed("?overdue=true") == from_deadlines
    assert listed("?overdue=false") == every - from_deadlines
    assert listed("?state=received&overdue=true") == {late, emergency_late}
    # And at later times, when other deadlines fall due (24 h respond, a week
    # and more): the cached condition and the deadline table agree.
    for hours in (0, 1, 25, 24 * 8):
        at = timezone.now() + datetime.timedelta(hours=hours)
        assert set(WorkOrder.objects.filter(overdue_condition(at)).values_list("pk", flat=True)) == set(
            WorkOrder.objects.filter(overdue_from_deadlines(at)).values_list("pk", flat=True)
        ), hours


def test_the_migration_fills_the_cache_of_existing_orders(agent, dispatcher, tech1):
    ids = [create(agent, "13800000031", hours_ago=30), create(agent, "13800000032", kind="emergency")]
    done = create(agent, "13800000033")
    act(agent, done, "cancel", {"reason": "客户取消"})
    WorkOrder.objects.update(next_due_at=None)  # as the column is when added
    importlib.import_module("tickets.migrations.0004_next_due_at").backfill(apps, None)
    assert_in_step(*ids, done)
    assert all(cached(i) is not None for i in ids) and cached(done) is None
