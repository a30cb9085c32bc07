"""seed_demo's history (issue 19 item 7; demo_history/): months of finished
work orders, surveys, complaints and calls written in bulk must be what the
real services would have written. Checked here on every row of the
history: each order's history rows replay through the state machine to its
state, its timestamps are its rows' times; every deadline's met or breached
agrees with met_at and due_at, and a breached one has the escalation rows
the sweep writes (and none it would not); the deadlines are met by the
actions that meet them (tickets.services, onsite, aftercare); surveys only
after the sign-off; complaints' loop deadlines on working days (seeds/000);
the measures over a past month through GET /api/v1/measures/ are those of a
real company; a second run adds nothing. And one order walked through the
real services with the clock moved writes the same history and deadlines
as the bulk writer given the same plan."""

import datetime
import io
import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from aftercare.models import LowScoreFollowUp, Survey, SurveyCall
from calls.models import Call
from complaints.models import Complaint, ComplaintEvent
from demo_history.book import SWEEP_LAG
from demo_history.part import months_back
from servicedesk.deadlines.calendar import is_working_day
from servicedesk.deadlines.models import Deadline, Escalation
from servicedesk.deadlines.services import ladder_for
from tests.conftest import api_for
from tickets.models import ACTIONS, WorkOrder, WorkOrderEvent

MONTHS = 3


def _seed(settings):
    """seed_demo with three months of history (the test settings make it 0)."""
    settings.DEBUG = True
    call_command("seed_demo", orders=12, complaints=6, history_months=MONTHS, stdout=io.StringIO())
    first = months_back(timezone.localdate(), MONTHS)
    return {
        "start": timezone.make_aware(datetime.datetime.combine(first, datetime.time())),
        # tickets/demo.py: today's demo orders are reported within the last 72 hours
        "present": timezone.now() - datetime.timedelta(days=3, hours=1),
        "now": timezone.now(),
    }


@pytest.mark.postgres
def test_seed_demo_history_is_what_the_services_would_have_written(db, settings, supervisor):
    """One seed (its cost paid once), every check on it; the test's transaction takes it away."""
    history = _seed(settings)
    _check_orders(history)
    _check_deadlines(history)
    _check_deadlines_met_by_their_actions(history)
    _check_surveys(history)
    _check_complaints(history)
    _check_measures(history, supervisor)
    _check_second_run_adds_nothing()


def _history_orders(history):
    return WorkOrder.objects.filter(reported_at__lt=history["present"])


def _target(from_state, action):
    """The state the model's transition leads to (None: kept)."""
    meta = getattr(WorkOrder, ACTIONS[action])._django_fsm
    transition = meta.get_transition(from_state)
    assert transition is not None, f"{action} is not allowed from {from_state}"
    return from_state if transition.target is None else transition.target


def _check_orders(db_history):
    """Each order's history rows replay through the state machine to its state; its times are its rows'."""
    orders = list(_history_orders(db_history).order_by("pk"))
    assert len(orders) > 1000  # three months of 20-40 orders a weekday
    events = {}
    for event in WorkOrderEvent.objects.filter(order__in=orders).order_by("at", "id"):
        events.setdefault(event.order_id, []).append(event)
    for order in orders:
        rows = events[order.pk]
        assert rows[0].action == "create" and rows[0].from_state == "" and rows[0].to_state == "received"
        assert rows[0].by_id == order.created_by_id and rows[0].at == order.created_at
        state = "received"
        for row in rows[1:]:
            assert row.by_id is not None and row.at >= rows[0].at
            assert row.from_state == state, (order.number, row.action)
            state = _target(state, row.action)
            assert row.to_state == state, (order.number, row.action)
        assert state == order.state, order.number
        last = {row.action: row.at for row in rows}
        assert order.dispatched_at == last.get("dispatch")
        assert order.arrived_at == last.get("check-in")
        assert order.resolved_at == last.get("resolve", last.get("return"))
        assert order.signed_off_at == last.get("sign-off")
        assert order.closed_at == last.get("close")
        assert order.updated_at == rows[-1].at
        assert order.number == f"WO{timezone.localtime(order.reported_at):%Y%m%d}{order.pk:06d}"
        if order.state == WorkOrder.State.SIGNED_OFF:  # signed off lately: its follow-up still to come
            assert order.next_due_at is not None
        if order.revisit_of_id:
            revisit = next(r for r in events[order.revisit_of_id] if r.action == "revisit")
            assert revisit.data == {"repeat_repair": order.free_of_charge} and revisit.at == order.reported_at
    states = {o.state for o in orders}
    assert {"closed", "cancelled"} <= states and states <= {"closed", "cancelled", "signed_off"}


def _escalations_expected(deadline, ladder, now):
    end = deadline.met_at or deadline.cancelled_at or now
    levels = []
    if deadline.warn_at is not None and deadline.warn_at + SWEEP_LAG < min(end, deadline.due_at):
        levels.append((0, deadline.warn_at + SWEEP_LAG))
    for level in sorted(ladder):
        at = deadline.due_at + ladder[level].after + SWEEP_LAG
        if at >= end:
            break
        levels.append((level, at))
    return levels


def _check_deadlines(db_history):
    """Met or breached by met_at against due_at; the sweep's escalation rows, no more, no fewer."""
    orders = _history_orders(db_history)
    subjects = {
        WorkOrder: orders.values("pk"),
        Call: Call.objects.filter(call_id__startswith="hist-").values("pk"),  # demo_history/calls.py
        # Walked with the clock moved: created months ago, not today as the present demo's complaints.
        Complaint: ComplaintEvent.objects.filter(action="create", at__lt=db_history["present"]).values("complaint"),
        LowScoreFollowUp: LowScoreFollowUp.objects.filter(survey__order__in=orders).values("pk"),
    }
    q = Q()
    for model, ids in subjects.items():
        q |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    deadlines = list(Deadline.objects.filter(q).select_related("policy"))
    assert len(deadlines) > 10000
    escalations = {}
    for e in Escalation.objects.filter(deadline__in=deadlines):
        escalations.setdefault(e.deadline_id, []).append(e)
    breached = 0
    for d in deadlines:
        assert not (d.met_at and d.cancelled_at)
        end = d.met_at or d.cancelled_at or db_history["now"]
        assert d.breached == (end > d.due_at)
        assert d.started_at <= end
        expected = _escalations_expected(d, ladder_for(d.policy), db_history["now"])
        found = sorted((e.level, e.at) for e in escalations.get(d.pk, []))
        assert found == expected, (d.kind, d.pk)
        assert all(e.due_at == d.due_at for e in escalations.get(d.pk, []))
        assert d.escalation_level == max([lv for lv, _at in expected if lv > 0], default=0)
        if d.met_at or d.cancelled_at:
            assert d.next_escalation_at is None
        if d.met_at and d.met_at > d.due_at + SWEEP_LAG:
            breached += 1
            assert any(lv >= 1 for lv, _at in found), "a late deadline has its level-1 escalation"
    assert breached > 100  # some late
    met_on_time = sum(1 for d in deadlines if d.met_at and d.met_at <= d.due_at)
    assert 0.8 < met_on_time / len(deadlines) < 0.99


def _check_deadlines_met_by_their_actions(db_history):
    """Started and met at the times of the actions that start and meet them (tickets, onsite, aftercare)."""
    ct = ContentType.objects.get_for_model(WorkOrder)
    orders = {o.pk: o for o in _history_orders(db_history)}
    events = {}
    for e in WorkOrderEvent.objects.filter(order_id__in=orders).order_by("at", "id"):
        events.setdefault(e.order_id, {})[e.action] = e.at
    meets = {
        "arrive": ["check-in"],
        "respond": ["schedule", "check-in"],
        "appointment": ["check-in"],
        "repair": ["return"],
        "follow_up": ["close"],
    }
    starts = {
        "respond": None,
        "arrive": None,
        "appointment": "schedule",
        "repair": "take-back",
        "follow_up": "sign-off",
        "survey": "sign-off",
    }
    surveys = {s.order_id: s for s in Survey.objects.filter(order_id__in=orders)}
    for d in Deadline.objects.filter(content_type=ct, object_id__in=orders):
        order, acts = orders[d.object_id], events[d.object_id]
        started_by = starts[d.kind]
        assert d.started_at == (order.reported_at if started_by is None else acts[started_by]), d.kind
        if d.kind == "survey":
            assert d.met_at == (surveys[order.pk].at if order.pk in surveys else None)
        elif d.met_at is not None:
            assert d.met_at in [acts.get(a) for a in meets[d.kind]], d.kind
        if d.cancelled_at is not None and d.kind != "survey":
            assert d.cancelled_at == acts["cancel"]
        if d.kind in ("respond", "arrive"):
            assert d.policy is not None and d.due_at == d.policy.due_from(d.started_at)


def _check_surveys(db_history):
    """Surveys only on signed-off orders, after the sign-off; low scores followed up (issue 15)."""
    surveys = list(Survey.objects.filter(order__reported_at__lt=db_history["present"]).select_related("order"))
    assert len(surveys) > 800
    for s in surveys:
        assert s.order.state in ("signed_off", "closed") and s.at > s.order.signed_off_at
    scores = [s.overall for s in surveys]
    assert sum(1 for v in scores if v >= 4) / len(scores) > 0.8 and min(scores) <= 2
    low = [s for s in surveys if s.low]
    assert low and all(hasattr(s, "follow_up") for s in low)
    assert not LowScoreFollowUp.objects.exclude(survey__in=low).filter(survey__in=surveys).exists()
    calls = SurveyCall.objects.filter(order__reported_at__lt=db_history["present"])
    assert (
        calls.count()
        == WorkOrder.objects.filter(reported_at__lt=db_history["present"], signed_off_at__isnull=False).count()
    )


def _check_complaints(db_history):
    """seeds/000: register within 1 working day, reply 3, return visit 2: due at 23:59:59 of a working day."""
    complaints = list(
        Complaint.objects.filter(
            received_at__gte=db_history["start"], received_at__lt=db_history["present"] - datetime.timedelta(days=6)
        )
    )
    assert len(complaints) > 20
    assert {c.complaint_class for c in complaints} >= {1, 2}
    assert {c.category for c in complaints} == {"quality", "service", "suggestion"}
    ct = ContentType.objects.get_for_model(Complaint)
    for d in Deadline.objects.filter(content_type=ct, object_id__in=[c.pk for c in complaints]).select_related(
        "policy"
    ):
        if d.policy is not None and d.policy.working_days:
            local = timezone.localtime(d.due_at)
            assert local.time() == datetime.time(23, 59, 59) and is_working_day(local.date()), d.kind
            assert d.due_at == d.policy.due_from(d.started_at)
    for c in complaints:
        rows = list(ComplaintEvent.objects.filter(complaint=c).order_by("at", "id"))
        assert rows[0].action == "create" and all(r.by_id for r in rows)
        assert [r.from_state for r in rows[1:]] == [r.to_state for r in rows[:-1]]
        assert rows[-1].to_state == c.state


def _check_measures(db_history, supervisor):
    """GET /api/v1/measures/ and the monthly report over a whole past month: a real company's numbers."""
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    month = (month - datetime.timedelta(days=1)).replace(day=1)  # two months back: whole, inside the history
    last = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    body = api_for(supervisor).get("/api/v1/measures/", {"from": month.isoformat(), "to": last.isoformat()}).json()
    rates = {row["code"]: row for row in body["measures"]}
    for code in (
        "answer_within_3_rings",
        "respond_within_24h",
        "arrive_within_24h",
        "appointment_kept",
        "first_time_fix",
        "survey_done",
        "follow_up_done",
    ):
        assert rates[code]["denominator"] > 100 and 0.8 <= rates[code]["rate"] <= 0.99, code
    assert 0.5 <= rates["emergency_within_30_min"]["rate"] <= 1 and rates["emergency_within_30_min"]["denominator"]
    assert 0 < rates["repeat_repair"]["rate"] <= 0.06
    assert 0.6 <= rates["depot_repair_within_3_days"]["rate"] < 1
    assert 3.8 <= body["satisfaction"]["overall"] <= 4.8
    assert sum(body["complaints"]["by_class"].values()) > 3
    report = api_for(supervisor).get("/api/v1/reports/monthly/", {"month": month.strftime("%Y-%m")}).json()
    assert report["measures"] == body["measures"] and report["top_faults"] and report["repeat_repairs"]
    assert all(s["measures"][1]["denominator"] for s in report["by_station"])  # both stations worked


def _check_second_run_adds_nothing():
    counts = [m.objects.count() for m in (WorkOrder, WorkOrderEvent, Deadline, Escalation, Call, Complaint)]
    call_command("seed_demo", orders=12, complaints=6, history_months=MONTHS, stdout=io.StringIO())
    assert [m.objects.count() for m in (WorkOrder, WorkOrderEvent, Deadline, Escalation, Call, Complaint)] == counts


def test_seed_demo_without_history_by_default_in_the_tests(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", orders=3, complaints=1, stdout=io.StringIO())
    assert WorkOrder.objects.count() == 3 + 1  # dispatch's approved installation
    assert not WorkOrder.objects.filter(reported_at__lt=timezone.now() - datetime.timedelta(days=4)).exists()


def test_the_rhythm_is_deterministic():
    from demo_history.timeline import orders_per_day

    days = [datetime.date(2026, 11, 2) + datetime.timedelta(days=i) for i in range(7)]
    a = [orders_per_day(d, progress=0.5, holiday=False, rng=random.Random(7)) for d in days]
    b = [orders_per_day(d, progress=0.5, holiday=False, rng=random.Random(7)) for d in days]
    assert a == b and min(a[:5]) >= 20 and max(a[:5]) <= 40 and a[6] < a[5] < a[0]


# --- the bulk writer and the real services, given the same plan --------------------------------------------------

H = datetime.timedelta(hours=1)


def _plan(customer, product, agent, dispatcher, tech, supervisor, start):
    """A repair taken back and returned, signed off with a low score the supervisor follows up."""
    from demo_history.timeline import OrderPlan, Step

    t = start
    appointment = (t + 5 * H).replace(minute=30, second=0, microsecond=0)
    promised = (t + 30 * H).replace(minute=0, second=0, microsecond=0)
    u = tech.user
    steps = [
        Step("create", t, agent),
        Step(
            "dispatch",
            t + 0.2 * H,
            dispatcher,
            data={"technician": tech.pk, "technician_username": u.username},
            kwargs={"technician": tech},
        ),
        Step("accept", t + 0.4 * H, u),
        Step(
            "schedule",
            t + 0.6 * H,
            u,
            data={"appointment_at": appointment.isoformat()},
            kwargs={"appointment_at": appointment},
        ),
        Step("check-in", appointment + 0.7 * H, u),  # 40 minutes late: the appointment breached
        Step(
            "take-back",
            appointment + 1.5 * H,
            u,
            data={"promised_by": promised.isoformat()},
            kwargs={"promised_by": promised},
        ),
        Step("return", promised - 2 * H, u, note="返厂维修完成", kwargs={"resolution": "返厂维修完成"}),
        Step(
            "sign-off",
            promised - 1.8 * H,
            u,
            note="王女士",
            data={"signed_by": "王女士", "satisfaction": 2},
            kwargs={"signed_by": "王女士", "satisfaction": 2},
        ),
        Step(
            "survey",
            promised + 20 * H,
            agent,
            kwargs={
                "outcome": "answered",
                "scores": [2, 3, 2, 2],
                "follow_up": Step("follow_up", promised + 23 * H, supervisor, note="已致歉"),
            },
        ),
        Step("close", promised + 50 * H, agent, note="回访满意"),
    ]
    return OrderPlan(
        kind="repair",
        customer=customer,
        address=None,
        product=product,
        description="不点火",
        reported_at=t,
        creator=agent,
        steps=steps,
    )


def _walk_for_real(plan):
    from aftercare import services as aftercare
    from demo_history.complaints import clock
    from tests.signing import signed
    from tickets import services as wo

    steps = iter(plan.steps)
    create = next(steps)
    with clock(create.at):
        order, _ = wo.work_order_create(
            by=create.by,
            kind=plan.kind,
            customer=plan.customer,
            description=plan.description,
            reported_at=plan.reported_at,
            product=plan.product,
        )
    for step in steps:
        with clock(step.at):
            if step.action == "survey":
                call = SurveyCall.objects.get(order=order)
                scores = dict(zip(("attitude", "skill", "punctuality", "overall"), step.kwargs["scores"], strict=True))
                aftercare.survey_call_record(call_id=call.pk, by=step.by, outcome="answered", **scores)
                follow_up = step.kwargs["follow_up"]
                with clock(follow_up.at):
                    aftercare.follow_up_done(
                        follow_up_id=Survey.objects.get(order=order).follow_up.pk, by=follow_up.by, note=follow_up.note
                    )
                continue
            service = wo.ACTION_SERVICES[step.action]
            kwargs = dict(step.kwargs or {})
            if step.action in ("take-back", "sign-off"):
                kwargs["extra"] = signed()
            if step.action == "close":
                kwargs["note"] = step.note
            service(order_id=order.pk, by=step.by, **kwargs)
    return WorkOrder.objects.get(pk=order.pk)


def _written(order):
    ct = ContentType.objects.get_for_model(WorkOrder)
    fields = (
        "state",
        "kind",
        "category_id",
        "customer_id",
        "product_id",
        "reported_at",
        "created_at",
        "updated_at",
        "dispatched_at",
        "technician_id",
        "appointment_at",
        "arrived_at",
        "promised_by",
        "resolved_at",
        "resolution",
        "signed_by",
        "satisfaction",
        "signed_off_at",
        "closed_at",
        "next_due_at",
        "owner_id",
    )
    survey = Survey.objects.get(order=order)
    follow_up = survey.follow_up
    fct = ContentType.objects.get_for_model(LowScoreFollowUp)
    return {
        "order": {f: getattr(order, f) for f in fields},
        "number": order.number[:10],
        "events": [
            (e.action, e.from_state, e.to_state, e.by_id, e.at, e.note, e.data)
            for e in order.events.order_by("at", "id")
        ],
        "deadlines": sorted(
            (d.kind, d.policy_id, d.started_at, d.due_at, d.warn_at, d.met_at, d.cancelled_at, d.due_promised)
            for d in Deadline.objects.filter(content_type=ct, object_id=order.pk)
        ),
        "survey": (
            survey.channel,
            survey.by_id,
            survey.at,
            survey.attitude,
            survey.skill,
            survey.punctuality,
            survey.overall,
            survey.comment,
        ),
        "survey_call": list(
            SurveyCall.objects.filter(order=order).values_list("state", "attempts", "opened_at", "due_at", "closed_at")
        ),
        "follow_up": (
            follow_up.state,
            follow_up.opened_at,
            follow_up.closed_at,
            follow_up.closed_by_id,
            follow_up.note,
        ),
        "follow_up_deadline": list(
            Deadline.objects.filter(content_type=fct, object_id=follow_up.pk).values_list(
                "kind", "started_at", "due_at", "met_at"
            )
        ),
        "entitlement": (order.entitlement.status, order.entitlement.basis, order.entitlement.decided_on),
    }


@pytest.mark.postgres
def test_the_bulk_writer_writes_what_the_services_write_for_the_same_plan(db, agent, dispatcher, supervisor):
    from demo_history.orders import Writer
    from tests.factories import CategoryFactory, CustomerFactory, CustomerProductFactory, TechnicianFactory

    category = CategoryFactory()
    tech = TechnicianFactory(categories=[category.slug])
    customer = CustomerFactory()
    product = CustomerProductFactory(customer=customer, category=category)
    start = timezone.make_aware(datetime.datetime(2026, 10, 13, 9, 12, 30))  # a Tuesday
    plan = _plan(customer, product, agent, dispatcher, tech, supervisor, start)
    real = _walk_for_real(plan)
    writer = Writer(now=timezone.now())
    writer.order(plan=_plan(customer, product, agent, dispatcher, tech, supervisor, start))
    writer.save()
    bulk = WorkOrder.objects.exclude(pk=real.pk).get()
    assert _written(bulk) == _written(real)
