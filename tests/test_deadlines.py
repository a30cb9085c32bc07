"""Deadlines (issue "Deadline engine"; api-contract.md, Conventions): the SLA
policy that matches an object's attributes sets the due time, the warning
point falls at 75% of the time by default, an explicit due time (a take-back's
promise) wins, a customer's pause moves the due time by the paused duration,
and a changed policy applies to new deadlines and, when recomputed, to open
ones. Work orders are created through the API, as the call center does."""

import datetime
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from servicedesk.core.errors import ValidationFailed
from servicedesk.deadlines.models import Deadline, DeadlinePause, SlaPolicy
from servicedesk.deadlines.services import deadlines_pause, deadlines_resume, policy_recompute_open
from tests.conftest import api_for
from tests.factories import CustomerFactory
from tests.signing import SIGNED
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
MIN = datetime.timedelta(minutes=1)


def hours_ago(n):
    return (timezone.now() - n * H).replace(microsecond=0)


def create_order(user, *, kind="repair", reported_at=None, customer=None, product=None):
    body = {
        "kind": kind, "description": "热水器点不着火",
        "customer": customer or {"name": "王伟", "phone": "138 0013 8000", "address": "北京市朝阳区建国路88号"},
    }
    if reported_at is not None:
        body["reported_at"] = reported_at.isoformat()
    if product is not None:
        body["product"] = product
    r = api_for(user).post("/api/v1/work-orders/", body, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def check_in(order_id, dispatcher, tech):
    """Dispatch, accept, check in: meets respond and arrive (contract: Work orders)."""
    r = api_for(dispatcher).post(f"/api/v1/work-orders/{order_id}/dispatch/", {"technician": tech.pk}, format="json")
    assert r.status_code == 200, r.content
    for action in ("accept", "check-in"):
        r = api_for(tech.user).post(f"/api/v1/work-orders/{order_id}/{action}/", {}, format="json")
        assert r.status_code == 200, r.content
    return r.json()


def deadline(order_id, kind):
    return Deadline.objects.get(
        content_type=ContentType.objects.get_for_model(WorkOrder), object_id=order_id, kind=kind,
        met_at__isnull=True, cancelled_at__isnull=True,
    )


def answer_deadlines(order):
    return {d["kind"]: d for d in order["deadlines"]}


def add_policy(**fields):
    defaults = {"subject": "tickets.workorder", "name": fields["code"]}
    return SlaPolicy.objects.create(**{**defaults, **fields})


# --- which policy -----------------------------------------------------------------


def test_a_repair_must_be_answered_and_reached_within_24_hours(agent):
    reported = hours_ago(1)
    order = create_order(agent, reported_at=reported)

    respond, arrive = deadline(order["id"], "respond"), deadline(order["id"], "arrive")
    assert (respond.policy.code, respond.due_at) == ("work-order-respond", reported + 24 * H)
    assert (arrive.policy.code, arrive.due_at) == ("work-order-arrive", reported + 24 * H)
    assert respond.started_at == reported


def test_an_emergency_must_be_reached_within_30_minutes_and_answered_within_24_hours(agent):
    reported = hours_ago(0)
    order = create_order(agent, kind="emergency", reported_at=reported)

    assert deadline(order["id"], "arrive").policy.code == "work-order-arrive-emergency"
    assert deadline(order["id"], "arrive").due_at == reported + 30 * MIN
    assert deadline(order["id"], "respond").due_at == reported + 24 * H


def test_a_vip_policy_with_a_higher_priority_wins_over_the_emergency_one(agent):
    add_policy(code="vip-arrive", deadline_kind="arrive", conditions={"vip": True}, priority=20, duration=20 * MIN)
    vip = CustomerFactory(vip=True)
    reported = hours_ago(0)

    vip_emergency = create_order(agent, kind="emergency", reported_at=reported, customer=vip.pk)
    vip_repair = create_order(agent, kind="repair", reported_at=reported, customer=vip.pk)
    plain_emergency = create_order(agent, kind="emergency", reported_at=reported)

    assert deadline(vip_emergency["id"], "arrive").due_at == reported + 20 * MIN
    assert deadline(vip_repair["id"], "arrive").due_at == reported + 20 * MIN
    assert deadline(plain_emergency["id"], "arrive").due_at == reported + 30 * MIN


def test_a_category_policy_applies_to_that_category_only_and_an_inactive_one_never(agent, category):
    add_policy(code="heater-arrive", deadline_kind="arrive", conditions={"category": category.slug}, priority=5,
               duration=48 * H)
    add_policy(code="off", deadline_kind="arrive", priority=99, duration=H, active=False)
    reported = hours_ago(0)

    heater = create_order(
        agent, reported_at=reported, product={"category": category.slug, "model": "JSQ", "serial": "A1"}
    )
    other = create_order(agent, reported_at=reported)

    assert deadline(heater["id"], "arrive").due_at == reported + 48 * H
    assert deadline(other["id"], "arrive").due_at == reported + 24 * H


def test_a_policy_in_working_days_is_due_at_23_59_59_local(agent, settings):
    settings.SERVICEDESK_MAX_BACKDATE_DAYS = 3650  # a fixed date of 2026, before Spring Festival
    SlaPolicy.objects.filter(code="work-order-respond").update(duration=None, working_days=2)
    reported = datetime.datetime(2026, 2, 13, 10, 0, tzinfo=timezone.get_default_timezone())  # before Spring Festival

    order = create_order(agent, reported_at=reported)

    due = timezone.localtime(deadline(order["id"], "respond").due_at)
    assert (due.date(), due.time()) == (datetime.date(2026, 2, 24), datetime.time(23, 59, 59))


def test_no_active_policy_for_a_policy_timed_deadline_refuses_the_create_and_saves_nothing(agent):
    SlaPolicy.objects.filter(deadline_kind="arrive").update(active=False)
    before = WorkOrder.objects.count()

    with pytest.raises(LookupError):
        create_order(agent)

    assert WorkOrder.objects.count() == before
    assert not Deadline.objects.exists()


# --- warning point -------------------------------------------------------------------


def test_the_warning_point_is_at_75_percent_of_the_time_by_default(agent):
    reported = hours_ago(0)
    order = create_order(agent, kind="emergency", reported_at=reported)

    respond, arrive = deadline(order["id"], "respond"), deadline(order["id"], "arrive")
    assert respond.warn_at == reported + 18 * H
    assert arrive.warn_at == reported + datetime.timedelta(minutes=22, seconds=30)
    assert respond.next_escalation_at == respond.warn_at  # the sweep's first step is the warning


def test_a_policy_sets_its_own_warning_point_or_none(agent):
    SlaPolicy.objects.filter(code="work-order-respond").update(warn_ratio="0.50")
    SlaPolicy.objects.filter(code="work-order-arrive").update(warn_ratio="1.00")
    reported = hours_ago(0)
    order = create_order(agent, reported_at=reported)

    assert deadline(order["id"], "respond").warn_at == reported + 12 * H
    arrive = deadline(order["id"], "arrive")
    assert arrive.warn_at is None
    assert arrive.next_escalation_at == arrive.due_at  # straight to level 1


# --- explicit due time --------------------------------------------------------------


def test_a_take_back_promise_is_the_repair_deadline(agent, dispatcher, tech1):
    order = create_order(agent)
    t = api_for(tech1.user)
    check_in(order["id"], dispatcher, tech1)
    promised = (timezone.now() + 48 * H).replace(microsecond=0)

    r = t.post(f"/api/v1/work-orders/{order['id']}/take-back/", {"promised_by": promised.isoformat(), **SIGNED},
               format="json")

    assert r.status_code == 200, r.content
    repair = deadline(order["id"], "repair")
    assert (repair.due_at, repair.policy, repair.warn_at) == (promised, None, None)
    assert repair.next_escalation_at == promised  # the default ladder: level 1 at the due time
    shown = answer_deadlines(r.json())["repair"]
    assert parse_datetime(shown["due_at"]) == promised
    assert (shown["met_at"], shown["breached"], shown["escalation_level"]) == (None, False, 0)


# --- pause and resume -------------------------------------------------------------------


def test_a_pause_stops_the_clock_and_resume_moves_the_due_time_by_the_paused_duration(agent, supervisor, dispatcher):
    reported = hours_ago(2)
    order = create_order(agent, reported_at=reported)
    wo = WorkOrder.objects.get(pk=order["id"])
    paused_at = reported + 3 * H

    deadlines_pause(subject=wo, by=agent, reason="客户出差，下周再约", at=paused_at)

    for kind in ("respond", "arrive"):
        d = deadline(wo.pk, kind)
        assert (d.paused_at, d.next_escalation_at, d.due_at) == (paused_at, None, reported + 24 * H)

    deadlines_resume(subject=wo, by=supervisor, at=paused_at + 90 * MIN)

    respond = deadline(wo.pk, "respond")
    assert respond.due_at == reported + 24 * H + 90 * MIN
    assert respond.warn_at == reported + 18 * H + 90 * MIN
    assert respond.next_escalation_at == respond.warn_at
    assert (respond.paused_at, respond.paused_seconds) == (None, 90 * 60)
    pause = DeadlinePause.objects.get(deadline=respond)
    assert (pause.reason, pause.by, pause.resumed_by) == ("客户出差，下周再约", agent, supervisor)
    assert (pause.started_at, pause.ended_at) == (paused_at, paused_at + 90 * MIN)


def test_two_pauses_add_up_and_a_passed_warning_point_stays(agent, supervisor):
    reported = hours_ago(2)
    order = create_order(agent, reported_at=reported)
    wo = WorkOrder.objects.get(pk=order["id"])
    deadlines_pause(subject=wo, by=agent, reason="first", at=reported + H)
    deadlines_resume(subject=wo, by=agent, at=reported + 2 * H)
    Deadline.objects.filter(pk=deadline(wo.pk, "respond").pk).update(warned_at=reported + 19 * H)
    deadlines_pause(subject=wo, by=agent, reason="second", at=reported + 20 * H)
    deadlines_resume(subject=wo, by=supervisor, at=reported + 23 * H)

    respond = deadline(wo.pk, "respond")
    assert respond.due_at == reported + 28 * H
    assert respond.warn_at == reported + 19 * H  # moved by the first pause only: it was warned before the second
    assert respond.paused_seconds == 4 * 3600
    assert respond.next_escalation_at == respond.due_at
    assert list(respond.pauses.values_list("reason", flat=True)) == ["first", "second"]


def test_a_pause_without_a_reason_is_refused_and_changes_nothing(agent):
    order = create_order(agent)
    wo = WorkOrder.objects.get(pk=order["id"])
    before = list(Deadline.objects.values_list("id", "paused_at", "next_escalation_at", "due_at"))

    with pytest.raises(ValidationFailed) as err:
        deadlines_pause(subject=wo, by=agent, reason="   ")

    assert err.value.field == "reason"
    assert list(Deadline.objects.values_list("id", "paused_at", "next_escalation_at", "due_at")) == before
    assert not DeadlinePause.objects.exists()


def test_pausing_twice_or_resuming_what_is_not_paused_is_refused_and_changes_nothing(agent):
    order = create_order(agent)
    wo = WorkOrder.objects.get(pk=order["id"])
    with pytest.raises(ValidationFailed) as err:
        deadlines_resume(subject=wo, by=agent)
    assert err.value.field == "deadlines"
    deadlines_pause(subject=wo, by=agent, reason="customer away")
    before = list(Deadline.objects.values_list("id", "paused_at", "due_at"))

    with pytest.raises(ValidationFailed):
        deadlines_pause(subject=wo, by=agent, reason="again")

    assert list(Deadline.objects.values_list("id", "paused_at", "due_at")) == before
    assert DeadlinePause.objects.count() == 2  # one per deadline, from the first pause


def test_a_met_deadline_ends_its_open_pause(agent, dispatcher, tech1):
    order = create_order(agent)
    wo = WorkOrder.objects.get(pk=order["id"])
    api_for(dispatcher).post(f"/api/v1/work-orders/{wo.pk}/dispatch/", {"technician": tech1.pk}, format="json")
    api_for(tech1.user).post(f"/api/v1/work-orders/{wo.pk}/accept/", {}, format="json")
    deadlines_pause(subject=wo, by=agent, reason="customer away")

    r = api_for(tech1.user).post(f"/api/v1/work-orders/{wo.pk}/check-in/", {}, format="json")

    assert r.status_code == 200
    assert not DeadlinePause.objects.filter(ended_at__isnull=True).exists()
    assert not Deadline.objects.filter(object_id=wo.pk, paused_at__isnull=False).exists()


# --- a changed policy ----------------------------------------------------------------------


def test_a_changed_policy_applies_to_new_deadlines_and_leaves_open_ones_until_recomputed(agent):
    reported = hours_ago(1)
    old = create_order(agent, reported_at=reported)
    SlaPolicy.objects.filter(code="work-order-respond").update(duration=12 * H)

    new = create_order(agent, reported_at=reported)

    assert deadline(new["id"], "respond").due_at == reported + 12 * H
    assert deadline(old["id"], "respond").due_at == reported + 24 * H


def test_recomputing_a_policy_moves_its_open_deadlines_and_leaves_met_ones_alone(
    agent, dispatcher, tech1, admin_client
):
    reported = hours_ago(1)
    open_order = create_order(agent, reported_at=reported)
    paused_order = create_order(agent, reported_at=reported)
    met_order = create_order(agent, reported_at=reported)
    check_in(met_order["id"], dispatcher, tech1)
    met = Deadline.objects.get(object_id=met_order["id"], kind="respond")
    assert met.met_at is not None
    paused_wo = WorkOrder.objects.get(pk=paused_order["id"])
    deadlines_pause(subject=paused_wo, by=agent, reason="r", at=reported + 10 * MIN)
    deadlines_resume(subject=paused_wo, by=agent, at=reported + 40 * MIN)
    policy = SlaPolicy.objects.get(code="work-order-respond")
    policy.duration = 8 * H
    policy.save()

    r = admin_client.post(
        "/admin/deadlines/slapolicy/", {"action": "recompute_open_deadlines", "_selected_action": [policy.pk]}
    )

    assert r.status_code == 302
    d = deadline(open_order["id"], "respond")
    assert (d.due_at, d.warn_at, d.next_escalation_at) == (reported + 8 * H, reported + 6 * H, reported + 6 * H)
    p = deadline(paused_order["id"], "respond")
    assert p.due_at == reported + 8 * H + 30 * MIN
    assert p.warn_at == reported + 6 * H + 30 * MIN  # the pause moves the warning as much as the due time
    assert Deadline.objects.get(pk=met.pk).due_at == met.due_at == reported + 24 * H
    assert deadline(open_order["id"], "arrive").due_at == reported + 24 * H  # another policy


def test_recompute_keeps_the_levels_already_reached(agent):
    reported = hours_ago(30)
    order = create_order(agent, reported_at=reported)
    d = deadline(order["id"], "respond")
    Deadline.objects.filter(pk=d.pk).update(escalation_level=1, warned_at=reported + 18 * H)
    policy = SlaPolicy.objects.get(code="work-order-respond")
    policy.duration = 36 * H
    policy.save()

    assert policy_recompute_open(policy=policy) == 1  # respond only: arrive has its own policy

    d.refresh_from_db()
    assert (d.due_at, d.escalation_level) == (reported + 36 * H, 1)
    assert d.next_escalation_at == reported + 40 * H  # level 2 four hours after the new due time


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_recompute_waits_for_a_deadline_locked_by_someone_else_instead_of_skipping_it(postgres, agent):
    reported = hours_ago(1)
    order = create_order(agent, reported_at=reported)
    locked_id = deadline(order["id"], "respond").pk
    policy = SlaPolicy.objects.get(code="work-order-respond")
    policy.duration = 8 * H
    policy.save()
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                list(Deadline.objects.select_for_update().filter(pk=locked_id))
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert holding.wait(30)
    results = []
    recompute = threading.Thread(
        target=lambda: (results.append(policy_recompute_open(policy=policy)), connection.close())
    )
    recompute.start()
    _wait_until_someone_waits_for_a_lock()
    release.set()
    holder.join(30)
    recompute.join(30)

    assert results == [1]
    assert Deadline.objects.get(pk=locked_id).due_at == reported + 8 * H


def _wait_until_someone_waits_for_a_lock():
    import time

    with connection.cursor() as cursor:
        for _ in range(300):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    # Not waiting after 15 s: it skipped the locked row (or finished); the assertions tell which.


# --- the contract's shape on the API -----------------------------------------------------------


def test_the_answer_shows_each_deadline_in_the_contract_shape(agent):
    reported = hours_ago(1)
    order = create_order(agent, reported_at=reported)

    shown = answer_deadlines(order)
    assert set(shown) == {"respond", "arrive"}
    for d in shown.values():
        assert {"kind", "due_at", "met_at", "breached", "escalation_level"} <= set(d)
        assert parse_datetime(d["due_at"]) == reported + 24 * H
        assert d["due_at"].endswith("+08:00")
        assert (d["met_at"], d["breached"], d["escalation_level"]) == (None, False, 0)


def test_breached_once_due_passed_while_open_or_met_late_and_not_when_met_in_time(agent, dispatcher, tech1):
    late = create_order(agent, reported_at=hours_ago(25))
    in_time = create_order(agent, reported_at=hours_ago(1))
    d = api_for(dispatcher)

    assert {k: v["breached"] for k, v in answer_deadlines(late).items()} == {"respond": True, "arrive": True}
    for order in (late, in_time):
        check_in(order["id"], dispatcher, tech1)

    late_now = answer_deadlines(d.get(f"/api/v1/work-orders/{late['id']}/").json())
    in_time_now = answer_deadlines(d.get(f"/api/v1/work-orders/{in_time['id']}/").json())
    assert late_now["respond"]["met_at"] is not None and late_now["respond"]["breached"] is True
    assert in_time_now["respond"]["met_at"] is not None and in_time_now["respond"]["breached"] is False
    assert late_now["arrive"]["breached"] is True and in_time_now["arrive"]["breached"] is False
