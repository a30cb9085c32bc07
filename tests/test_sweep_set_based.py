"""The set-based sweep (issue 18, item 4): a batch's level changes, Escalation
rows, notifications and e-mail rows are a few statements, and say what the
objects say of themselves. Warnings (level 0) to the assignee, levels up the
ladder, a ladder that ended, two sweeps at once over the same due rows (each
step once: the unique (deadline, level) is the proof), objects gone since,
and a batch larger than SQLite takes parameters in one statement."""

import datetime
import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone

from servicedesk.accounts.models import Unit
from servicedesk.deadlines import notices
from servicedesk.deadlines.escalation import sweep
from servicedesk.deadlines.models import Deadline, Escalation, EscalationStep, SlaPolicy
from servicedesk.notifications.models import EmailDelivery, Notification
from servicedesk.notifications.titles import render
from tests.concurrency import at_once
from tests.factories import CustomerFactory, TechnicianFactory, UnitFactory, UserFactory
from tickets.models import WorkOrder

H = datetime.timedelta(hours=1)
NUMBERS = itertools.count(1)


@pytest.fixture
def org(db, category):
    hq = UnitFactory(name="HQ", kind=Unit.Kind.HEADQUARTERS)
    station = UnitFactory(name="Chaoyang station", kind=Unit.Kind.STATION, parent=hq)
    people = {
        "supervisor": UserFactory(username="sup", roles=["supervisor"], unit=station, email="sup@example.cn"),
        "manager": UserFactory(username="mgr", roles=["manager"], unit=hq, email="mgr@example.cn"),
        "agent": UserFactory(username="agent_b", roles=["agent"]),
    }
    tech_user = UserFactory(username="tech_w", roles=["technician"], email="tech_w@example.cn")
    people["tech"] = TechnicianFactory(user=tech_user, station=station, categories=[category.slug])
    return people


def deadlines(org, n, *, step, now, policy_code="work-order-respond", technician=True, numbered=True):
    """n work orders (bulk) with a `respond` deadline whose next step is `step` and due by `now`:
    "warning" (the warning point passed, not yet due), 1 (due, warned) or 2 (level 1 taken, level 2 due)."""
    policy = SlaPolicy.objects.get(code=policy_code)
    orders = WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                kind="repair",
                customer=CustomerFactory(),
                description=f"bulk {i}",
                reported_at=now - 30 * H,
                created_by=org["agent"],
                technician=org["tech"] if technician else None,
                number=f"WOB{next(NUMBERS):06d}" if numbered else None,
            )
            for i in range(n)
        ]
    )
    due = {"warning": now + H, 1: now - H, 2: now - 5 * H}[step]
    started = due - 24 * H
    warn = started + 18 * H
    rows = [
        Deadline(
            content_type=ContentType.objects.get_for_model(WorkOrder),
            object_id=o.pk,
            kind="respond",
            policy=policy,
            started_at=started,
            due_at=due,
            warn_at=warn,
            warned_at=None if step == "warning" else warn,
            escalation_level=0 if step != 2 else 1,
            next_escalation_at={"warning": warn, 1: due, 2: due + 4 * H}[step],
        )
        for o in orders
    ]
    Deadline.objects.bulk_create(rows)
    return orders


def told(order, level):
    return sorted(
        Notification.objects.filter(escalation__deadline__object_id=order.pk, escalation__level=level).values_list(
            "recipient__username", flat=True
        )
    )


@pytest.mark.django_db
def test_warnings_and_levels_in_one_batch_say_what_the_orders_say_and_go_to_the_right_people(org):
    now = timezone.now().replace(microsecond=0)
    warned = deadlines(org, 3, step="warning", now=now)
    late = deadlines(org, 3, step=1, now=now)
    later = deadlines(org, 3, step=2, now=now, technician=False, numbered=False)

    result = sweep(now=now, batch_size=100)

    assert (result.warnings, result.escalations, result.batches) == (3, 6, 1)
    assert [told(o, 0) for o in warned] == [["tech_w"]] * 3  # the assignee hears first
    assert [told(o, 1) for o in late] == [["sup"]] * 3  # the station's supervisor
    assert [told(o, 2) for o in later] == [["mgr"]] * 3
    for order, level in [*((o, 0) for o in warned), *((o, 1) for o in late), *((o, 2) for o in later)]:
        note = Notification.objects.get(escalation__deadline__object_id=order.pk, escalation__level=level)
        deadline = note.escalation.deadline
        params = {"subject": ["workorder", str(order)], "kind": "respond", "due": deadline.due_at.isoformat()}
        if level:
            params["level"] = level
        assert note.params == params
        assert note.message == (notices.OVERDUE if level else notices.WARNING)
        assert note.title == render(note.message, params)[:200]
        assert note.url == order.get_absolute_url()
        assert note.email.to == note.recipient.email and note.email.state == "pending"
    assert str(later[0]) == f"#{later[0].pk}"  # an order without a number yet is named by its id
    assert set(
        Deadline.objects.filter(object_id__in=[o.pk for o in warned]).values_list(
            "escalation_level", "warned_at", "next_escalation_at"
        )
    ) == {(0, now, now + H)}
    assert set(
        Deadline.objects.filter(object_id__in=[o.pk for o in late]).values_list(
            "escalation_level", "next_escalation_at"
        )
    ) == {(1, now - H + 4 * H)}


@pytest.mark.django_db
def test_a_work_orders_description_is_what_the_order_itself_answers(org):
    now = timezone.now()
    orders = [
        *deadlines(org, 2, step=1, now=now),
        *deadlines(org, 1, step=1, now=now, technician=False),
        *deadlines(org, 1, step=1, now=now, numbered=False),
    ]
    ids = [o.pk for o in orders]

    described = WorkOrder.deadline_descriptions(ids)

    assert described == notices._asked(WorkOrder, ids)  # str(), get_absolute_url(), deadline_responsible()
    assert described[orders[0].pk] == (
        orders[0].number,
        orders[0].get_absolute_url(),
        org["tech"].station_id,
        org["tech"].user_id,
    )
    assert described[orders[2].pk][2:] == (None, None)


@pytest.mark.django_db
def test_a_ladder_that_ended_takes_no_step_and_leaves_nothing_more_to_do(org):
    policy = SlaPolicy.objects.get(code="work-order-respond")
    EscalationStep.objects.create(policy=policy, level=1, after=datetime.timedelta(0), target="supervisor")
    now = timezone.now()
    orders = deadlines(org, 2, step=2, now=now)  # level 1 reached; the ladder now ends there

    result = sweep(now=now)

    assert (result.warnings, result.escalations, result.notifications, result.batches) == (0, 0, 0, 1)
    assert not Escalation.objects.exists() and not Notification.objects.exists()
    assert set(
        Deadline.objects.filter(object_id__in=[o.pk for o in orders]).values_list(
            "escalation_level", "next_escalation_at"
        )
    ) == {(1, None)}
    assert sweep(now=now + 1000 * H).batches == 0


@pytest.mark.django_db
def test_a_batch_larger_than_one_statement_takes_on_sqlite_and_objects_gone_since(org):
    """400 deadlines of orders deleted since, in one batch: each named by its id, every supervisor told
    (nobody responsible), in chunks where the database takes few parameters (SQLite: 999)."""
    now = timezone.now()
    UserFactory(username="sup2", roles=["supervisor"], email="sup2@example.cn")
    ct = ContentType.objects.get_for_model(WorkOrder)
    Deadline.objects.bulk_create(
        [
            Deadline(
                content_type=ct,
                object_id=10**9 + i,
                kind="respond",
                started_at=now - 25 * H,
                due_at=now - H,
                next_escalation_at=now - H,
            )
            for i in range(400)
        ]
    )

    result = sweep(now=now, batch_size=1000)

    assert (result.escalations, result.notifications, result.batches) == (400, 800, 1)
    assert EmailDelivery.objects.filter(state="pending").count() == 800
    note = Notification.objects.get(escalation__deadline__object_id=10**9 + 7, recipient__username="sup2")
    assert note.params["subject"] == ["workorder", f"#{10**9 + 7}"] and note.url == ""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_over_warnings_and_levels_take_each_step_once(postgres, org):
    now = timezone.now()
    orders = [
        *deadlines(org, 60, step="warning", now=now),
        *deadlines(org, 60, step=1, now=now),
        *deadlines(org, 60, step=2, now=now),
    ]

    results = at_once(lambda: sweep(now=now, batch_size=7), lambda: sweep(now=now, batch_size=7))

    assert sum(r.warnings for r in results) == 60
    assert sum(r.escalations for r in results) == 120
    per_step = Escalation.objects.values("deadline", "level").annotate(n=Count("id")).values_list("n", flat=True)
    assert list(set(per_step)) == [1] and len(per_step) == 180
    assert Escalation.objects.filter(deadline__object_id__in=[o.pk for o in orders]).count() == 180
    per_note = Notification.objects.values("escalation", "recipient").annotate(n=Count("id"))
    assert {row["n"] for row in per_note} == {1} and len(per_note) == 180
    assert EmailDelivery.objects.count() == 180
    assert sweep(now=now).batches == 0


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_sweeps_renderer_says_what_render_says(language):
    from django.utils import translation

    from servicedesk.notifications.titles import Renderer

    facts = [
        (
            notices.OVERDUE,
            {"subject": ["workorder", "WO1"], "kind": "respond", "due": "2026-12-06T19:00:00+00:00", "level": 2},
        ),
        (
            notices.WARNING,
            {
                "subject": ["call", "demo-20261206-0042-abcdef"],
                "kind": "answer",
                "due": "2026-12-06T19:00:00.123456+00:00",
            },
        ),
        (notices.WARNING, {"subject": ["unknown", "#7"], "kind": "no-such-kind", "due": "2026-12-31T23:59:59+08:00"}),
    ]
    with translation.override(language):
        renderer = Renderer()
        assert [renderer(m, p) for m, p in facts * 2] == [render(m, p) for m, p in facts * 2]
