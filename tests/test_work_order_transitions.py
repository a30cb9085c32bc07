"""The whole work-order transition table through HTTP (api-contract.md, Work
orders): every state times every action, taken by a user allowed to take it
with a valid body. Allowed cells answer 200 (201 for revisit) and reach the
contract's target state; the others answer 409 with the state and the
contract's list of allowed actions, and change nothing. Start states are built
by walking an order through tickets.services, as the field staff would."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from servicedesk.customers.models import Customer, CustomerPhone
from servicedesk.deadlines.models import Deadline
from tests.conftest import api_for
from tickets import services
from tickets.models import ACTIONS as MODEL_ACTIONS
from tickets.models import WorkOrder, WorkOrderEvent, actions_allowed_in

pytestmark = pytest.mark.django_db

STATES = [
    "awaiting_approval", "received", "dispatched", "accepted", "scheduled", "on_site",
    "taken_back", "resolved", "signed_off", "closed", "cancelled",
]
ACTIONS = [
    "approve", "dispatch", "decline", "accept", "schedule", "check-in", "resolve",
    "take-back", "return", "sign-off", "close", "cancel", "revisit",
]

# The contract's table: action -> (from states, to state). Revisit keeps the
# original's state and answers with a new order.
TABLE = {
    # v1 additions, approved installations (seeds/002): the director's approval.
    "approve": (["awaiting_approval"], "received"),
    "dispatch": (["received", "dispatched"], "dispatched"),
    "decline": (["dispatched"], "received"),
    "accept": (["dispatched"], "accepted"),
    "schedule": (["accepted", "scheduled"], "scheduled"),
    "check-in": (["accepted", "scheduled"], "on_site"),
    "resolve": (["on_site"], "resolved"),
    "take-back": (["on_site"], "taken_back"),
    "return": (["taken_back"], "resolved"),
    "sign-off": (["resolved"], "signed_off"),
    "close": (["signed_off"], "closed"),
    "cancel": (["awaiting_approval", "received", "dispatched", "accepted", "scheduled"], "cancelled"),
    "revisit": (["signed_off", "closed"], None),
}

# What the 409 must list for each state, in the contract's order.
ALLOWED = {
    "awaiting_approval": ["approve", "cancel"],
    "received": ["dispatch", "cancel"],
    "dispatched": ["dispatch", "decline", "accept", "cancel"],
    "accepted": ["schedule", "check-in", "cancel"],
    "scheduled": ["schedule", "check-in", "cancel"],
    "on_site": ["resolve", "take-back"],
    "taken_back": ["return"],
    "resolved": ["sign-off"],
    "signed_off": ["close", "revisit"],
    "closed": ["revisit"],
    "cancelled": [],
}

# Actions only the assigned technician may take: an order never dispatched
# has nobody to take them.
ASSIGNED_ONLY = {"decline", "accept", "check-in", "resolve", "take-back", "return"}


def test_the_allowed_map_is_the_contract_table():
    # Guards the transcription: ALLOWED is the contract's table read by state.
    derived = {state: [a for a in ACTIONS if state in TABLE[a][0]] for state in STATES}
    assert derived == ALLOWED


def machine_transitions():
    """What django-fsm knows of WorkOrder.state: method name -> (sources, targets)."""
    found = {}
    for t in WorkOrder._meta.get_field("state").get_all_transitions(WorkOrder):
        sources, targets = found.setdefault(t.name, (set(), set()))
        sources.add(t.source)
        targets.add(t.target)
    return found


def test_the_models_states_and_actions_are_the_contracts():
    # contract v1, approved installations: `awaiting_approval` comes before `received`.
    assert [value for value, _ in WorkOrder.State.choices] == STATES
    assert list(MODEL_ACTIONS) == ACTIONS
    # Every transition method of the state field has a contract name, and only those.
    assert set(machine_transitions()) == set(MODEL_ACTIONS.values())


@pytest.mark.parametrize("action", ACTIONS)
def test_the_state_machine_is_the_contract_table(action):
    sources, target = TABLE[action]
    assert machine_transitions()[MODEL_ACTIONS[action]] == (set(sources), {target})


@pytest.mark.parametrize("state", STATES)
def test_the_actions_allowed_in_each_state_are_the_contracts(state):
    assert actions_allowed_in(state) == ALLOWED[state]


# --- building start states through the services ------------------------------


def make_order(*, by, category, kind="repair", phone="13800138000", reported_at=None):
    order, created = services.work_order_create(
        by=by, kind=kind, description="热水器点不着火", reported_at=reported_at,
        customer={"name": "王伟", "phone": phone, "address": "北京市朝阳区建国路88号"},
        product={"category": category, "model": "JSQ-20", "serial": "SN-1"},
    )
    assert created
    return order


def walk(order, to, *, agent, dispatcher, tech):
    """Take `order` to state `to` through the services."""
    t = tech.user
    now = timezone.now
    steps = {
        "received": (None, None),
        "dispatched": (
            "received",
            lambda: services.work_order_dispatch(order_id=order.pk, technician=tech, by=dispatcher),
        ),
        "accepted": ("dispatched", lambda: services.work_order_accept(order_id=order.pk, by=t)),
        "scheduled": (
            "accepted",
            lambda: services.work_order_schedule(
                order_id=order.pk, by=t, appointment_at=now() + datetime.timedelta(hours=3)
            ),
        ),
        "on_site": ("scheduled", lambda: services.work_order_check_in(order_id=order.pk, by=t)),
        "taken_back": (
            "on_site",
            lambda: services.work_order_take_back(
                order_id=order.pk, by=t, promised_by=now() + datetime.timedelta(days=2)
            ),
        ),
        "resolved": ("on_site", lambda: services.work_order_resolve(order_id=order.pk, by=t, resolution="更换点火针")),
        "signed_off": (
            "resolved",
            lambda: services.work_order_sign_off(order_id=order.pk, by=t, signed_by="王伟", satisfaction=5),
        ),
        "closed": ("signed_off", lambda: services.work_order_close(order_id=order.pk, by=agent)),
        # Cancelled after dispatch, so the technician still sees the order.
        "cancelled": ("dispatched", lambda: services.work_order_cancel(order_id=order.pk, by=agent, reason="客户取消")),
    }
    previous, step = steps[to]
    if previous is not None:
        walk(order, previous, agent=agent, dispatcher=dispatcher, tech=tech)
        step()
    order.refresh_from_db()
    assert order.state == to
    return order


@pytest.fixture
def people(agent, dispatcher, supervisor, tech1, tech2, partner2_user):
    partner2_user.partner.installations_need_approval = True  # v1 additions: approved installations
    partner2_user.partner.save()
    return {"agent": agent, "dispatcher": dispatcher, "supervisor": supervisor, "tech1": tech1, "tech2": tech2,
            "partner2": partner2_user}


def order_in(state, people, category, **kwargs):
    if state == "awaiting_approval":
        order = make_order(by=people["partner2"], category=category, kind="install", **kwargs)
        assert order.state == "awaiting_approval"
        return order
    order = make_order(by=people["agent"], category=category, **kwargs)
    return walk(order, state, agent=people["agent"], dispatcher=people["dispatcher"], tech=people["tech1"])


def body_for(action, people):
    now = timezone.now()
    return {
        "approve": {"note": "总监已签字"},
        "dispatch": {"technician": people["tech2"].pk},
        "decline": {"reason": "不在服务区域"},
        "accept": {},
        "schedule": {"appointment_at": (now + datetime.timedelta(hours=5)).isoformat()},
        "check-in": {},
        "resolve": {"resolution": "更换点火针"},
        "take-back": {"promised_by": (now + datetime.timedelta(days=2)).isoformat()},
        "return": {"resolution": "返厂更换主板"},
        "sign-off": {"signed_by": "王伟", "satisfaction": 4},
        "close": {},
        "cancel": {"reason": "客户取消"},
        "revisit": {"description": "同一故障再次出现"},
    }[action]


def actor_for(action, state, people):
    """A user allowed to take `action` on an order in `state`."""
    if action == "dispatch":
        return people["dispatcher"]
    if action == "approve":
        return people["supervisor"]
    if action in ("close", "cancel", "revisit"):
        return people["agent"]
    if state in ("received", "awaiting_approval"):
        # Never dispatched: no technician is assigned. A supervisor sees the
        # order; the state is checked before the role, so it is told 409.
        return people["supervisor"]
    return people["tech1"].user


def snapshot(order_id):
    ct = ContentType.objects.get_for_model(WorkOrder)
    return {
        "order": WorkOrder.objects.filter(pk=order_id).values().get(),
        "events": WorkOrderEvent.objects.filter(order_id=order_id).count(),
        "deadlines": list(Deadline.objects.filter(content_type=ct, object_id=order_id).order_by("id").values()),
        "orders": WorkOrder.objects.count(),
        "customers": Customer.objects.count(),
        "phones": CustomerPhone.objects.count(),
    }


def post(client, url, body=None):
    return client.post(url, body or {}, format="json")


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_every_state_and_action(state, action, people, category):
    order = order_in(state, people, category)
    before = snapshot(order.pk)
    user = actor_for(action, state, people)

    r = post(api_for(user), f"/api/v1/work-orders/{order.pk}/{action}/", body_for(action, people))

    sources, target = TABLE[action]
    if state in sources and action == "revisit":
        assert r.status_code == 201, r.content
        new = r.json()
        assert new["revisit_of"] == order.pk
        assert new["state"] == "received"
        assert WorkOrder.objects.get(pk=order.pk).state == state
        assert WorkOrder.objects.count() == before["orders"] + 1
        last = WorkOrderEvent.objects.filter(order_id=order.pk).order_by("-at", "-id").first()
        assert (last.action, last.from_state, last.to_state, last.by_id) == ("revisit", state, state, user.pk)
    elif state in sources:
        assert r.status_code == 200, r.content
        assert r.json()["state"] == target
        assert WorkOrder.objects.get(pk=order.pk).state == target
        assert WorkOrderEvent.objects.filter(order_id=order.pk).count() == before["events"] + 1
        last = WorkOrderEvent.objects.filter(order_id=order.pk).order_by("-at", "-id").first()
        assert (last.action, last.from_state, last.to_state, last.by_id) == (action, state, target, user.pk)
        assert WorkOrder.objects.count() == before["orders"]
        if action == "dispatch":
            assert r.json()["technician"] == people["tech2"].pk
    else:
        assert r.status_code == 409, r.content
        payload = r.json()
        assert set(payload) == {"detail", "code", "state", "allowed"}
        assert payload["code"] == "invalid_transition"
        assert payload["state"] == state
        assert payload["allowed"] == ALLOWED[state]
        assert snapshot(order.pk) == before


@pytest.mark.parametrize("action", sorted(ASSIGNED_ONLY))
def test_technician_actions_on_an_undispatched_order_are_not_found_for_a_technician(action, people, category):
    order = order_in("received", people, category)
    before = snapshot(order.pk)

    r = post(api_for(people["tech1"].user), f"/api/v1/work-orders/{order.pk}/{action}/", body_for(action, people))

    assert r.status_code == 404
    assert snapshot(order.pk) == before


def test_dispatch_and_decline_move_the_technician(people, category):
    order = order_in("received", people, category)
    d, t2 = api_for(people["dispatcher"]), api_for(people["tech2"].user)

    r = post(d, f"/api/v1/work-orders/{order.pk}/dispatch/", {"technician": people["tech2"].pk})
    assert r.status_code == 200
    assert r.json()["technician"] == people["tech2"].pk
    r = post(t2, f"/api/v1/work-orders/{order.pk}/decline/", {"reason": "不在服务区域"})

    assert r.status_code == 200, r.content
    assert r.json()["technician"] is None
    assert r.json()["state"] == "received"
    history = d.get(f"/api/v1/work-orders/{order.pk}/history/").json()
    assert [(h["action"], h["from_state"], h["to_state"], h["by"], h["note"]) for h in history] == [
        ("create", "", "received", "agent", ""),
        ("dispatch", "received", "dispatched", "dispatcher", ""),
        ("decline", "dispatched", "received", "tech2", "不在服务区域"),
    ]


# --- take-back: at most 3 days ahead (seeds/004) ------------------------------


@pytest.mark.parametrize("offset", [
    datetime.timedelta(days=3, minutes=1),
    datetime.timedelta(days=10),
    datetime.timedelta(minutes=-1),
    datetime.timedelta(days=-2),
])
def test_take_back_promise_out_of_range_is_refused(offset, people, category):
    order = order_in("on_site", people, category)
    before = snapshot(order.pk)

    r = post(api_for(people["tech1"].user), f"/api/v1/work-orders/{order.pk}/take-back/",
             {"promised_by": (timezone.now() + offset).isoformat()})

    assert r.status_code == 400, r.content
    assert list(r.json()) == ["promised_by"]
    assert snapshot(order.pk) == before


def test_take_back_without_promise_is_refused(people, category):
    order = order_in("on_site", people, category)
    before = snapshot(order.pk)

    r = post(api_for(people["tech1"].user), f"/api/v1/work-orders/{order.pk}/take-back/", {})

    assert r.status_code == 400
    assert list(r.json()) == ["promised_by"]
    assert snapshot(order.pk) == before


def test_take_back_just_under_three_days_is_accepted(people, category):
    order = order_in("on_site", people, category)
    promised = (timezone.now() + datetime.timedelta(days=3, minutes=-1)).replace(microsecond=0)

    r = post(api_for(people["tech1"].user), f"/api/v1/work-orders/{order.pk}/take-back/",
             {"promised_by": promised.isoformat()})

    assert r.status_code == 200, r.content
    assert r.json()["promised_by"] == timezone.localtime(promised).isoformat()


# --- sign-off: signed_by and satisfaction 1..5 --------------------------------


@pytest.mark.parametrize(("body", "field"), [
    ({"satisfaction": 5}, "signed_by"),
    ({"signed_by": "", "satisfaction": 5}, "signed_by"),
    ({"signed_by": "   ", "satisfaction": 5}, "signed_by"),
    ({"signed_by": "王伟"}, "satisfaction"),
    ({"signed_by": "王伟", "satisfaction": 0}, "satisfaction"),
    ({"signed_by": "王伟", "satisfaction": 6}, "satisfaction"),
    ({"signed_by": "王伟", "satisfaction": "good"}, "satisfaction"),
    ({"signed_by": "王伟", "satisfaction": None}, "satisfaction"),
])
def test_sign_off_needs_signer_and_score(body, field, people, category):
    order = order_in("resolved", people, category)
    before = snapshot(order.pk)

    r = post(api_for(people["tech1"].user), f"/api/v1/work-orders/{order.pk}/sign-off/", body)

    assert r.status_code == 400, r.content
    assert list(r.json()) == [field]
    assert snapshot(order.pk) == before


@pytest.mark.parametrize("score", [1, 5])
def test_sign_off_records_signer_and_score(score, people, category):
    order = order_in("resolved", people, category)

    r = post(api_for(people["tech1"].user), f"/api/v1/work-orders/{order.pk}/sign-off/",
             {"signed_by": "王伟", "satisfaction": score})

    assert r.status_code == 200, r.content
    assert (r.json()["signed_by"], r.json()["satisfaction"]) == ("王伟", score)


# --- revisit (seeds/003) -------------------------------------------------------


@pytest.mark.parametrize("state", ["signed_off", "closed"])
def test_revisit_opens_a_free_linked_order(state, people, category):
    order = order_in(state, people, category)

    r = post(api_for(people["agent"]), f"/api/v1/work-orders/{order.pk}/revisit/", {"description": "又点不着火了"})

    assert r.status_code == 201, r.content
    new = r.json()
    assert new["id"] != order.pk
    assert (new["revisit_of"], new["free_of_charge"], new["repeat_repair"]) == (order.pk, True, False)
    assert (new["state"], new["kind"], new["description"], new["technician"]) == (
        "received", "repair", "又点不着火了", None,
    )
    assert new["customer"]["id"] == order.customer_id
    assert {d["kind"] for d in new["deadlines"]} == {"respond", "arrive"}
    original = WorkOrder.objects.get(pk=order.pk)
    assert (original.state, original.repeat_repair, original.free_of_charge) == (state, True, False)
    created = WorkOrderEvent.objects.get(order_id=new["id"])
    assert (created.action, created.at) == ("create", WorkOrder.objects.get(pk=new["id"]).reported_at)


def test_revisit_needs_a_description(people, category):
    order = order_in("closed", people, category)
    before = snapshot(order.pk)

    r = post(api_for(people["agent"]), f"/api/v1/work-orders/{order.pk}/revisit/", {"description": " "})

    assert r.status_code == 400
    assert list(r.json()) == ["description"]
    assert snapshot(order.pk) == before


# --- deadlines -------------------------------------------------------------------


def deadlines_of(order_id):
    ct = ContentType.objects.get_for_model(WorkOrder)
    return {d.kind: d for d in Deadline.objects.filter(content_type=ct, object_id=order_id)}


def event_at(order_id, action):
    return WorkOrderEvent.objects.get(order_id=order_id, action=action).at


def test_create_starts_respond_and_arrive_24_hours_from_reported_at(people, category):
    reported = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    order = order_in("received", people, category, reported_at=reported)

    d = deadlines_of(order.pk)

    assert set(d) == {"respond", "arrive"}
    assert d["respond"].due_at == reported + datetime.timedelta(hours=24)
    assert d["arrive"].due_at == reported + datetime.timedelta(hours=24)
    assert (d["respond"].met_at, d["arrive"].met_at) == (None, None)


def test_emergency_arrive_is_due_30_minutes_after_report(people, category):
    reported = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=10)

    r = post(api_for(people["agent"]), "/api/v1/work-orders/", {
        "kind": "emergency", "description": "有燃气味", "reported_at": reported.isoformat(),
        "customer": {"name": "李娜", "phone": "13900139000", "address": "北京市朝阳区建国路1号"},
    })

    assert r.status_code == 201, r.content
    due = {d["kind"]: d["due_at"] for d in r.json()["deadlines"]}
    assert due == {
        "arrive": timezone.localtime(reported + datetime.timedelta(minutes=30)).isoformat(),
        "respond": timezone.localtime(reported + datetime.timedelta(hours=24)).isoformat(),
    }


def test_schedule_meets_respond_only(people, category):
    order = order_in("scheduled", people, category)

    d = deadlines_of(order.pk)

    assert d["respond"].met_at == event_at(order.pk, "schedule")
    assert d["arrive"].met_at is None


def test_check_in_meets_respond_and_arrive(people, category):
    order = order_in("accepted", people, category)

    r = post(api_for(people["tech1"].user), f"/api/v1/work-orders/{order.pk}/check-in/", {})

    assert r.status_code == 200
    at = event_at(order.pk, "check-in")
    d = deadlines_of(order.pk)
    assert (d["respond"].met_at, d["arrive"].met_at) == (at, at)
    shown = {x["kind"]: (x["met_at"], x["breached"]) for x in r.json()["deadlines"]}
    assert shown == {"respond": (timezone.localtime(at).isoformat(), False),
                     "arrive": (timezone.localtime(at).isoformat(), False)}


def test_check_in_after_schedule_keeps_respond_met_at_schedule(people, category):
    order = order_in("on_site", people, category)

    d = deadlines_of(order.pk)

    assert d["respond"].met_at == event_at(order.pk, "schedule")
    assert d["arrive"].met_at == event_at(order.pk, "check-in")


def test_take_back_starts_repair_due_at_the_promise_and_return_meets_it(people, category):
    order = order_in("on_site", people, category)
    promised = (timezone.now() + datetime.timedelta(days=2)).replace(microsecond=0)
    t = api_for(people["tech1"].user)

    r = post(t, f"/api/v1/work-orders/{order.pk}/take-back/", {"promised_by": promised.isoformat()})

    assert r.status_code == 200, r.content
    repair = deadlines_of(order.pk)["repair"]
    assert (repair.due_at, repair.met_at, repair.started_at) == (promised, None, event_at(order.pk, "take-back"))
    r = post(t, f"/api/v1/work-orders/{order.pk}/return/", {"resolution": "返厂更换主板"})
    assert r.status_code == 200
    assert deadlines_of(order.pk)["repair"].met_at == event_at(order.pk, "return")


def test_sign_off_starts_follow_up_seven_days_on_and_close_meets_it(people, category):
    order = order_in("resolved", people, category)

    r = post(api_for(people["tech1"].user), f"/api/v1/work-orders/{order.pk}/sign-off/",
             {"signed_by": "王伟", "satisfaction": 5})

    assert r.status_code == 200
    signed = event_at(order.pk, "sign-off")
    follow_up = deadlines_of(order.pk)["follow_up"]
    assert (follow_up.started_at, follow_up.due_at, follow_up.met_at) == (
        signed, signed + datetime.timedelta(days=7), None)
    assert WorkOrder.objects.get(pk=order.pk).signed_off_at == signed
    r = post(api_for(people["agent"]), f"/api/v1/work-orders/{order.pk}/close/", {})
    assert r.status_code == 200
    assert deadlines_of(order.pk)["follow_up"].met_at == event_at(order.pk, "close")


@pytest.mark.parametrize("state", ["received", "dispatched", "accepted", "scheduled"])
def test_cancel_closes_the_open_deadlines(state, people, category):
    order = order_in(state, people, category)
    open_before = {k for k, d in deadlines_of(order.pk).items() if d.met_at is None}

    r = post(api_for(people["agent"]), f"/api/v1/work-orders/{order.pk}/cancel/", {"reason": "客户取消"})

    assert r.status_code == 200, r.content
    at = event_at(order.pk, "cancel")
    d = deadlines_of(order.pk)
    assert {k for k, x in d.items() if x.cancelled_at == at} == open_before
    assert all(x.met_at is None or x.cancelled_at is None for x in d.values())
    shown = {x["kind"]: x["cancelled"] for x in r.json()["deadlines"]}
    assert shown == {k: k in open_before for k in d}


def test_the_recorded_times_agree_with_the_order(people, category):
    """The history's time of an action is the time the order records for it."""
    order = order_in("closed", people, category)

    order.refresh_from_db()

    assert order.dispatched_at == event_at(order.pk, "dispatch")
    assert order.arrived_at == event_at(order.pk, "check-in")
    assert order.resolved_at == event_at(order.pk, "resolve")
    assert order.signed_off_at == event_at(order.pk, "sign-off")
    assert order.closed_at == event_at(order.pk, "close")
