"""The escalation sweep (api-contract.md, Escalation; issue "Deadline engine"):
a warning once before breach, level 1 at the due time to the supervisor of
the technician's station (nearest up the unit chain, else every supervisor),
level 2 four hours later to the manager, level 3 a day later to leadership
(managers at headquarters). One Escalation row per level, the notifications
and their e-mail rows with it. `now=` moves the clock."""

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from servicedesk.accounts.models import Unit
from servicedesk.deadlines.escalation import sweep
from servicedesk.deadlines.models import Deadline, Escalation, EscalationStep, SlaPolicy
from servicedesk.deadlines.services import deadlines_pause
from servicedesk.notifications.models import EmailDelivery, Notification
from tests.conftest import api_for
from tests.factories import TechnicianFactory, UnitFactory, UserFactory
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)
S = datetime.timedelta(seconds=1)


# --- the organisation: headquarters > branch > two stations -----------------------


@pytest.fixture
def org(db, category):
    hq = UnitFactory(name="HQ", kind=Unit.Kind.HEADQUARTERS)
    branch = UnitFactory(name="North branch", kind=Unit.Kind.BRANCH, parent=hq)
    station = UnitFactory(name="Chaoyang station", kind=Unit.Kind.STATION, parent=branch)
    other = UnitFactory(name="Haidian station", kind=Unit.Kind.STATION, parent=branch)
    lonely = UnitFactory(name="Island station", kind=Unit.Kind.STATION)

    def person(username, role, unit, email=True):
        return UserFactory(username=username, roles=[role], unit=unit, email=f"{username}@example.cn" if email else "")

    people = {
        "station_supervisor": person("sup_chaoyang", "supervisor", station),
        "other_supervisor": person("sup_haidian", "supervisor", other),
        "branch_supervisor": person("sup_north", "supervisor", branch),
        "branch_manager": person("mgr_north", "manager", branch),
        "hq_manager": person("mgr_hq", "manager", hq),
        "hq_manager_without_email": person("mgr_hq2", "manager", hq, email=False),
        "technician": person("tech_zhang", "technician", None),
        "lonely_technician": person("tech_li", "technician", None),
        "dispatcher": person("dispatcher", "dispatcher", None),
        "agent": person("agent", "agent", None),
    }
    people["tech"] = TechnicianFactory(user=people["technician"], station=station, categories=[category.slug])
    people["lonely_tech"] = TechnicianFactory(
        user=people["lonely_technician"], station=lonely, categories=[category.slug]
    )
    return people


def create_order(org, *, reported_at, kind="repair", technician="tech"):
    r = api_for(org["agent"]).post("/api/v1/work-orders/", {
        "kind": kind, "description": "燃气热水器漏水", "reported_at": reported_at.isoformat(),
        "customer": {"name": "李娜", "phone": "139 1000 2000", "address": "北京市朝阳区望京街1号"},
    }, format="json")
    assert r.status_code == 201, r.content
    order_id = r.json()["id"]
    if technician:
        r = api_for(org["dispatcher"]).post(
            f"/api/v1/work-orders/{order_id}/dispatch/", {"technician": org[technician].pk}, format="json"
        )
        assert r.status_code == 200, r.content
    return WorkOrder.objects.get(pk=order_id)


def deadlines_of(order):
    return Deadline.objects.filter(content_type=ContentType.objects.get_for_model(WorkOrder), object_id=order.pk)


def levels(order, kind="respond"):
    return sorted(
        Escalation.objects.filter(deadline__in=deadlines_of(order), deadline__kind=kind).values_list("level", flat=True)
    )


def told(order, level, kind="respond"):
    """Usernames notified of this order's `kind` deadline at `level`."""
    return sorted(
        Notification.objects.filter(
            escalation__deadline__in=deadlines_of(order), escalation__deadline__kind=kind, escalation__level=level
        ).values_list("recipient__username", flat=True)
    )


@pytest.fixture
def reported():
    return (timezone.now() - H).replace(microsecond=0)


# --- the ladder -------------------------------------------------------------------------


def test_the_ladder_warning_then_levels_1_2_3_each_once_to_the_right_people(org, reported):
    order = create_order(org, reported_at=reported)
    due = reported + 24 * H

    assert sweep(now=reported + 18 * H - S).escalations == 0
    assert levels(order) == []

    warned = sweep(now=reported + 18 * H)  # 75% of 24 h
    assert (warned.warnings, warned.escalations) == (2, 0)  # respond and arrive
    assert levels(order) == [0]
    assert told(order, 0) == ["tech_zhang"]  # the assignee hears first

    assert sweep(now=due - S).warnings == 0  # a warning goes out once
    first = sweep(now=due)
    assert (first.warnings, first.escalations) == (0, 2)
    assert levels(order) == [0, 1]
    assert told(order, 1) == ["sup_chaoyang"]  # the station's own supervisor, not the others

    assert sweep(now=due + 4 * H - S).escalations == 0
    assert sweep(now=due + 4 * H).escalations == 2
    assert levels(order) == [0, 1, 2]
    assert told(order, 2) == ["mgr_north"]  # no manager at the station: the branch's

    assert sweep(now=due + 24 * H - S).escalations == 0
    assert sweep(now=due + 24 * H).escalations == 2
    assert levels(order) == [0, 1, 2, 3]
    assert told(order, 3) == ["mgr_hq", "mgr_hq2"]  # leadership: managers at headquarters

    assert sweep(now=due + 1000 * H).escalations == 0  # the ladder ends at 3
    respond = deadlines_of(order).get(kind="respond")
    assert (respond.escalation_level, respond.next_escalation_at) == (3, None)
    rows = Escalation.objects.filter(deadline=respond).order_by("level")
    assert [(e.level, e.target, e.at, e.due_at) for e in rows] == [
        (0, "", reported + 18 * H, due),
        (1, "supervisor", due, due),
        (2, "manager", due + 4 * H, due),
        (3, "leadership", due + 24 * H, due),
    ]


def test_every_notification_with_an_address_gets_one_pending_email_row(org, reported):
    order = create_order(org, reported_at=reported)
    sweep(now=reported + 30 * H)  # both deadlines: levels 1 and 2 at once (catching up), no warning after breach

    notes = Notification.objects.filter(escalation__deadline__in=deadlines_of(order))
    assert sorted(notes.values_list("escalation__level", "recipient__username")) == sorted(
        [(1, "sup_chaoyang"), (2, "mgr_north")] * 2
    )
    deliveries = EmailDelivery.objects.filter(notification__in=notes)
    assert sorted(deliveries.values_list("to", flat=True)) == sorted(
        ["sup_chaoyang@example.cn", "mgr_north@example.cn"] * 2
    )
    assert set(deliveries.values_list("state", "attempts")) == {("pending", 0)}
    first = notes.filter(escalation__level=1, escalation__deadline__kind="respond").get()
    # issue 13, item 4: the deadline kind's label, not its code; the object named with its kind.
    assert first.title.startswith(f"Overdue (level 1): Work order {order.number}, Respond was due ")
    assert first.url.endswith(f"/{order.pk}/")


def test_leadership_without_an_email_address_is_told_in_the_inbox_only(org, reported):
    order = create_order(org, reported_at=reported)

    sweep(now=reported + 48 * H)  # levels 1, 2 and 3 at once

    assert told(order, 3) == ["mgr_hq", "mgr_hq2"]
    assert list(
        EmailDelivery.objects.filter(
            notification__escalation__level=3, notification__escalation__deadline__kind="respond"
        ).values_list("to", flat=True)
    ) == ["mgr_hq@example.cn"]


def test_a_late_first_sweep_sends_no_warning_after_the_breach(org, reported):
    order = create_order(org, reported_at=reported - 24 * H)  # due an hour ago

    result = sweep()

    assert (result.warnings, result.escalations) == (0, 2)
    assert levels(order) == [1]
    respond = deadlines_of(order).get(kind="respond")
    assert respond.warned_at is None
    assert respond.next_escalation_at == respond.due_at + 4 * H


def test_without_a_technician_every_supervisor_hears_of_level_1(org, reported):
    order = create_order(org, reported_at=reported, technician=None)

    sweep(now=reported + 18 * H)
    sweep(now=reported + 24 * H)

    everyone = ["sup_chaoyang", "sup_haidian", "sup_north"]
    assert told(order, 0) == everyone  # nobody assigned: the supervisors get the warning
    assert told(order, 1) == everyone


def test_a_station_without_supervisors_up_its_chain_falls_back_to_every_supervisor(org, reported):
    order = create_order(org, reported_at=reported, technician="lonely_tech")

    sweep(now=reported + 28 * H)

    assert told(order, 1) == ["sup_chaoyang", "sup_haidian", "sup_north"]
    assert told(order, 2) == ["mgr_hq", "mgr_hq2", "mgr_north"]


def test_a_station_without_its_own_supervisor_goes_up_to_the_branch_one(org, reported):
    org["station_supervisor"].groups.clear()
    order = create_order(org, reported_at=reported)

    sweep(now=reported + 24 * H)

    assert told(order, 1) == ["sup_north"]


def test_leadership_is_every_manager_when_nobody_manages_at_headquarters(org, reported):
    for key in ("hq_manager", "hq_manager_without_email"):
        org[key].groups.clear()
    order = create_order(org, reported_at=reported)

    sweep(now=reported + 48 * H)

    assert told(order, 3) == ["mgr_north"]


def test_someone_who_is_both_supervisor_and_manager_is_told_once_per_level(org, reported):
    boss = UserFactory(
        username="boss", roles=["supervisor", "manager"], unit=org["tech"].station, email="boss@example.cn"
    )
    order = create_order(org, reported_at=reported)

    result = sweep(now=reported + 28 * H)

    assert result.escalations == 4
    assert told(order, 1) == ["boss", "sup_chaoyang"]
    assert told(order, 2) == ["boss"]
    assert EmailDelivery.objects.filter(to=boss.email).count() == 4  # two deadlines, two levels


def test_a_policy_ladder_replaces_the_default_one(org, reported):
    policy = SlaPolicy.objects.get(code="work-order-respond")
    EscalationStep.objects.create(policy=policy, level=1, after=datetime.timedelta(0), target="supervisor")
    EscalationStep.objects.create(policy=policy, level=2, after=H, target="leadership")
    order = create_order(org, reported_at=reported)
    due = reported + 24 * H

    sweep(now=due)
    assert levels(order) == [1]
    assert deadlines_of(order).get(kind="respond").next_escalation_at == due + H
    sweep(now=due + 1000 * H)

    assert levels(order) == [1, 2]
    assert told(order, 2) == ["mgr_hq", "mgr_hq2"]
    assert levels(order, "arrive") == [1, 2, 3]  # another policy, the default ladder


# --- what never escalates ----------------------------------------------------------------------


def test_met_cancelled_and_paused_deadlines_never_escalate(org, reported):
    met = create_order(org, reported_at=reported)
    for action in ("accept", "check-in"):
        r = api_for(org["technician"]).post(f"/api/v1/work-orders/{met.pk}/{action}/", {}, format="json")
        assert r.status_code == 200, r.content
    cancelled = create_order(org, reported_at=reported)
    r = api_for(org["dispatcher"]).post(
        f"/api/v1/work-orders/{cancelled.pk}/cancel/", {"reason": "客户取消"}, format="json"
    )
    assert r.status_code == 200, r.content
    paused = create_order(org, reported_at=reported)
    deadlines_pause(subject=paused, by=org["agent"], reason="客户出差")
    running = create_order(org, reported_at=reported)

    result = sweep(now=reported + 1000 * H)

    assert result.escalations == 6  # the running order's two deadlines, levels 1 to 3
    assert {o.pk for o in (met, cancelled, paused)}.isdisjoint(
        Escalation.objects.values_list("deadline__object_id", flat=True)
    )
    assert set(Escalation.objects.values_list("deadline__object_id", flat=True)) == {running.pk}
    assert not Notification.objects.exclude(escalation__deadline__object_id=running.pk).exists()


# --- entry points ------------------------------------------------------------------------------------


def test_escalate_overdue_runs_the_same_sweep_and_says_what_it_did(org, reported):
    order = create_order(org, reported_at=reported - 24 * H)
    out = io.StringIO()

    call_command("escalate_overdue", stdout=out)

    assert out.getvalue().strip() == "warnings: 0, escalations: 2, notifications: 2, batches: 1"
    assert levels(order) == [1] and levels(order, "arrive") == [1]
    out = io.StringIO()
    call_command("escalate_overdue", "--batch-size", "1", stdout=out)
    assert out.getvalue().strip() == "warnings: 0, escalations: 0, notifications: 0, batches: 0"


def test_escalate_overdue_in_small_batches_takes_every_due_deadline_once(org, reported):
    orders = [create_order(org, reported_at=reported - 24 * H, technician=None) for _ in range(5)]
    out = io.StringIO()

    call_command("escalate_overdue", "--batch-size", "3", stdout=out)

    assert out.getvalue().strip() == "warnings: 0, escalations: 10, notifications: 30, batches: 4"
    assert all(levels(o) == [1] and levels(o, "arrive") == [1] for o in orders)


def test_the_work_order_answer_shows_the_escalation_level(org, reported):
    order = create_order(org, reported_at=reported - 24 * H)
    sweep()

    r = api_for(org["dispatcher"]).get(f"/api/v1/work-orders/{order.pk}/")

    assert r.status_code == 200
    shown = {d["kind"]: d for d in r.json()["deadlines"]}
    assert {k: (d["escalation_level"], d["breached"], d["met_at"]) for k, d in shown.items()} == {
        "respond": (1, True, None), "arrive": (1, True, None),
    }
