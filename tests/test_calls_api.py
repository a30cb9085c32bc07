"""The calls API around the rule: who may do what, bad input (400 naming the
field, nothing saved), calls opened by hand, hand-over with its history
(first-question responsibility), what was filed from a call, the console's
call and the wallboard's numbers (issue 5)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from calls import selectors
from calls.models import Call, Callback, CallEvent, CallLink, CallTransition
from servicedesk.deadlines.models import Deadline
from servicedesk.notifications.models import Notification
from tests.conftest import api_for
from tests.factories import UserFactory

S = datetime.timedelta(seconds=1)
EVENTS = "/api/v1/calls/events/"


@pytest.fixture
def agent2(db):
    return UserFactory(username="agent2", roles=["agent"])


@pytest.fixture
def t0():
    return (timezone.now() - datetime.timedelta(minutes=10)).replace(microsecond=0)


def event(user, call_id, name, at, **extra):
    return api_for(user).post(EVENTS, {"call_id": call_id, "event": name, "at": at.isoformat(), **extra}, format="json")


def nothing_saved():
    return not (Call.objects.exists() or CallEvent.objects.exists() or CallTransition.objects.exists()
                or Deadline.objects.exists())


# --- roles ------------------------------------------------------------------------------


def test_only_the_switch_posts_events(db, agent, supervisor, telephony, t0):
    for user in (agent, supervisor):
        refused = event(user, "c1", "ring", t0)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert APIClient().post(EVENTS, {"call_id": "c1", "event": "ring", "at": t0.isoformat()},
                            format="json").status_code == 401
    assert nothing_saved()
    assert event(telephony, "c1", "ring", t0).status_code == 201


def test_who_reads_calls(db, agent, supervisor, dispatcher, telephony, partner_user, tech1, t0):
    event(telephony, "c1", "ring", t0, caller="13812345678")
    for user in (agent, supervisor, dispatcher):
        assert api_for(user).get("/api/v1/calls/").json()["count"] == 1
        assert api_for(user).get("/api/v1/calls/c1/").json()["caller"] == "13812345678"
        assert api_for(user).get("/api/v1/callbacks/").status_code == 200
    for user in (telephony, partner_user, tech1.user):
        assert api_for(user).get("/api/v1/calls/").status_code == 403
        assert api_for(user).get("/api/v1/calls/c1/").status_code == 403
        assert api_for(user).get("/api/v1/callbacks/").status_code == 403
    assert api_for(agent).get("/api/v1/calls/nope/").status_code == 404
    assert api_for(agent).post("/api/v1/calls/nope/hand-over/", {"to": "agent2", "note": "x"},
                               format="json").status_code == 404
    assert api_for(agent).post("/api/v1/callbacks/999/take/").status_code == 404


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("body, field", [
    ({"event": "ring", "at": "2026-11-23T09:00:00+08:00"}, "call_id"),
    ({"call_id": "", "event": "ring", "at": "2026-11-23T09:00:00+08:00"}, "call_id"),
    ({"call_id": "a/b", "event": "ring", "at": "2026-11-23T09:00:00+08:00"}, "call_id"),
    ({"call_id": "a b", "event": "ring", "at": "2026-11-23T09:00:00+08:00"}, "call_id"),
    ({"call_id": "x" * 101, "event": "ring", "at": "2026-11-23T09:00:00+08:00"}, "call_id"),
    ({"call_id": "c1", "event": "pickup", "at": "2026-11-23T09:00:00+08:00"}, "event"),
    ({"call_id": "c1", "event": "ring", "at": "2026-11-23T09:00:00"}, "at"),
    ({"call_id": "c1", "event": "ring", "at": "yesterday"}, "at"),
    ({"call_id": "c1", "event": "ring"}, "at"),
    ({"call_id": "c1", "event": "ring", "at": "2099-01-01T09:00:00+08:00"}, "at"),
    ({"call_id": "c1", "event": "answer", "at": "2026-11-23T09:00:00+08:00", "agent": "nobody"}, "agent"),
    ({"call_id": "c1", "event": "answer", "at": "2026-11-23T09:00:00+08:00"}, "agent"),
    ({"call_id": "c1", "event": "answer", "at": "2026-11-23T09:00:00+08:00", "agent": "telephony"}, "agent"),
])
def test_bad_events_are_400_naming_the_field_and_nothing_is_saved(telephony, agent, body, field):
    response = api_for(telephony).post(EVENTS, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert nothing_saved()


@pytest.mark.parametrize("caller", ["anonymous", "12", "unknown"])
def test_a_caller_id_that_is_no_phone_number_never_loses_the_event(telephony, t0, caller):
    response = event(telephony, "c1", "ring", t0, caller=caller)
    assert response.status_code == 201, response.content
    assert response.json()["caller"] == ""
    assert CallEvent.objects.get(call__call_id="c1").payload["caller"] == caller


def test_an_abandoned_call_without_a_number_opens_no_callback(telephony, t0):
    assert event(telephony, "c1", "ring", t0, caller="anonymous").status_code == 201
    response = event(telephony, "c1", "hangup", t0 + 30 * S)
    assert response.status_code == 201 and response.json()["state"] == "abandoned"
    assert response.json()["callback"] is None and not Callback.objects.exists()
    # the number known only from a ring reported after the hang-up: the callback opens then
    assert event(telephony, "c2", "hangup", t0 + 30 * S).status_code == 201
    assert not Callback.objects.filter(call__call_id="c2").exists()
    assert event(telephony, "c2", "ring", t0, caller="13812345678").status_code == 201
    assert Callback.objects.filter(call__call_id="c2").count() == 1


def test_malformed_json_is_a_400(telephony):
    response = api_for(telephony).generic("POST", EVENTS, "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("first, second", [
    (("ring", 0), ("answer", -1)),      # answered before it rang
    (("ring", 0), ("hangup", -1)),      # hung up before it rang
    (("hangup", 10), ("answer", 11)),   # answered after the hang-up
    (("answer", 10), ("hangup", 9)),    # hung up before the answer
    (("answer", 10), ("ring", 11)),     # rang after the answer
])
def test_times_that_contradict_what_is_known_are_400_on_at(telephony, agent, t0, first, second):
    assert event(telephony, "c1", first[0], t0 + first[1] * S, agent="agent").status_code == 201
    counts = (CallEvent.objects.count(), CallTransition.objects.count(), Deadline.objects.count(),
              Callback.objects.count())
    response = event(telephony, "c1", second[0], t0 + second[1] * S, agent="agent")
    assert response.status_code == 400 and "at" in response.json(), response.content
    assert (CallEvent.objects.count(), CallTransition.objects.count(), Deadline.objects.count(),
            Callback.objects.count()) == counts


# --- calls opened by hand ------------------------------------------------------------------


def test_a_walk_in_is_answered_and_owned_at_once_without_an_answer_deadline(agent, telephony):
    response = api_for(agent).post("/api/v1/calls/", {"channel": "walk_in", "caller": "13812345678"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "answered" and body["owner"] == "agent" and body["agent"] == "agent"
    assert body["channel"] == "walk_in" and body["deadlines"] == [] and body["callback"] is None
    # not a switch phone call: no answer time, no three-rings verdict
    assert body["answer_seconds"] is None and body["within_three_rings"] is None
    # the switch cannot report events for it
    assert event(telephony, body["call_id"], "hangup", timezone.now()).status_code == 400
    ended = api_for(agent).post(f"/api/v1/calls/{body['call_id']}/end/", {}, format="json")
    assert ended.status_code == 200 and ended.json()["state"] == "ended"
    again = api_for(agent).post(f"/api/v1/calls/{body['call_id']}/end/", {}, format="json")
    assert again.status_code == 409 and again.json()["state"] == "ended"
    assert again.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("body, field", [
    ({"channel": "phone"}, "channel"), ({"channel": "fax"}, "channel"), ({}, "channel"),
    ({"channel": "wechat", "caller": "abc"}, "caller"), ({"channel": "email", "customer": 999}, "customer"),
])
def test_opening_by_hand_refuses_bad_input(agent, body, field):
    response = api_for(agent).post("/api/v1/calls/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Call.objects.exists()


def test_dispatchers_may_not_open_calls(dispatcher):
    assert api_for(dispatcher).post("/api/v1/calls/", {"channel": "walk_in"}, format="json").status_code == 403


# --- first-question responsibility ----------------------------------------------------------


def test_hand_over_is_explicit_with_a_note_and_recorded(telephony, agent, agent2, supervisor, tech1, t0):
    event(telephony, "c1", "ring", t0, caller="13812345678")
    event(telephony, "c1", "answer", t0 + 5 * S, agent="agent")
    url = "/api/v1/calls/c1/hand-over/"
    refused = api_for(agent2).post(url, {"to": "agent2", "note": "mine now"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    response = api_for(agent).post(url, {"to": "agent2"}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = api_for(agent).post(url, {"to": "agent2", "note": "  "}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = api_for(agent).post(url, {"to": "tech1", "note": "x"}, format="json")
    assert response.status_code == 400 and "to" in response.json()
    response = api_for(agent).post(url, {"to": "agent", "note": "x"}, format="json")
    assert response.status_code == 400 and "to" in response.json()
    assert CallTransition.objects.filter(action="hand-over").count() == 0
    response = api_for(agent).post(url, {"to": "agent2", "note": "billing question, agent2 knows the case"},
                                   format="json")
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == "agent2" and response.json()["agent"] == "agent"
    row = api_for(supervisor).get("/api/v1/calls/c1/history/").json()[-1]
    assert row["action"] == "hand-over" and row["by"] == "agent"
    # the history row of every hand-over (servicedesk.ownership.handover): the new owner, then why
    assert row["data"] == {"from_owner": "agent", "to_owner": "agent2"}
    assert row["note"] == f"→ {agent2.display_name} (agent2): billing question, agent2 knows the case"
    assert Notification.objects.filter(recipient__username="agent2").count() == 1
    # after the call ended the question is still the owner's to hand over; a supervisor may too
    event(telephony, "c1", "hangup", t0 + 100 * S)
    response = api_for(supervisor).post(url, {"to": "agent", "note": "back to the first agent"}, format="json")
    assert response.status_code == 200 and response.json()["owner"] == "agent"


def test_a_ringing_call_cannot_be_handed_over(telephony, supervisor, agent, t0):
    event(telephony, "c1", "ring", t0)
    response = api_for(supervisor).post("/api/v1/calls/c1/hand-over/", {"to": "agent", "note": "x"}, format="json")
    assert response.status_code == 409 and response.json()["state"] == "ringing"
    assert response.json()["code"] == "invalid_transition"


def test_what_is_filed_from_a_call_shows_with_it(telephony, agent, agent2, t0):
    from tickets import services as ticket_services

    event(telephony, "c1", "ring", t0, caller="13812345678")
    event(telephony, "c1", "answer", t0 + 5 * S, agent="agent")
    order, _ = ticket_services.work_order_create(
        by=agent, kind="repair", description="热水器点不着火",
        customer={"name": "王伟", "phone": "13812345678", "address": "北京市朝阳区建国路88号"},
    )
    client = api_for(agent)
    assert (
        client.post("/api/v1/calls/c1/links/", {"type": "work_order", "id": order.pk}, format="json").status_code == 201
    )
    assert (
        client.post("/api/v1/calls/c1/links/", {"type": "work_order", "id": order.pk}, format="json").status_code == 200
    )
    assert CallLink.objects.count() == 1
    assert client.post("/api/v1/calls/c1/links/", {"type": "complaint", "id": 999}, format="json").status_code == 404
    assert api_for(agent2).post("/api/v1/calls/c1/links/", {"type": "work_order", "id": order.pk},
                                format="json").status_code == 403
    response = client.post("/api/v1/calls/c1/inquiries/", {"text": "Where is the nearest service station?",
                                                           "answer": "Chaoyang, Jianguo Rd 88"}, format="json")
    assert response.status_code == 201 and response.json()["call_id"] == "c1"
    assert client.post("/api/v1/calls/c1/inquiries/", {"text": ""}, format="json").status_code == 400
    links = client.get("/api/v1/calls/c1/links/").json()
    assert [(link["type"], link["by"]) for link in links] == [("work_order", "agent"), ("inquiry", "agent")]


# --- lists, console, wallboard ------------------------------------------------------------------


def test_list_filters(telephony, agent, agent2, supervisor, t0):
    event(telephony, "c1", "ring", t0)
    event(telephony, "c1", "answer", t0 + 3 * S, agent="agent")
    event(telephony, "c2", "ring", t0)
    event(telephony, "c2", "answer", t0 + 3 * S, agent="agent2")
    event(telephony, "c3", "ring", t0)
    client = api_for(supervisor)
    assert [c["call_id"] for c in client.get("/api/v1/calls/?agent=agent").json()["results"]] == ["c1"]
    assert [c["call_id"] for c in client.get("/api/v1/calls/?state=ringing").json()["results"]] == ["c3"]
    today = timezone.localdate(t0).isoformat()
    assert client.get(f"/api/v1/calls/?date={today}").json()["count"] == 3
    assert client.get("/api/v1/calls/?date=2001-01-01").json()["count"] == 0
    assert client.get("/api/v1/calls/?date=nope").status_code == 400


def test_console_call_and_wallboard(telephony, agent, agent2, supervisor):
    now = timezone.now().replace(microsecond=0)
    ring = now - 60 * S
    event(telephony, "in-time", "ring", ring)
    event(telephony, "in-time", "answer", ring + 10 * S, agent="agent")
    event(telephony, "late", "ring", ring)
    event(telephony, "late", "answer", ring + 20 * S, agent="agent2")
    event(telephony, "late", "hangup", ring + 50 * S)
    event(telephony, "lost", "ring", ring, caller="13812345678")
    event(telephony, "lost", "hangup", ring + 30 * S)
    event(telephony, "for-agent2", "ring", now - 5 * S, agent="agent2")
    event(telephony, "anyone", "ring", now - 3 * S)
    assert selectors.console_call_for(agent).call_id == "in-time"  # the call the agent is on
    assert selectors.console_call_for(agent2).call_id == "for-agent2"  # ringing at their extension
    assert selectors.console_call_for(supervisor).call_id == "anyone"  # ringing at nobody in particular
    assert selectors.console_call_for(telephony) is None
    stats = selectors.wallboard_stats(now=now)
    assert stats["ringing"] == 2 and stats["longest_wait_seconds"] == 5
    assert (stats["calls"], stats["answered"], stats["within_three_rings"], stats["abandoned"]) == (5, 2, 1, 1)
    assert stats["within_percent"] == 50.0
    assert stats["callbacks_waiting"] == 1 and stats["callbacks_overdue"] == 0
    assert [(a["agent"], a["answered"], a["within"], a["avg_answer_seconds"]) for a in stats["agents"]] == [
        ("agent", 1, 1, 10.0), ("agent2", 1, 0, 20.0)]
    queue = list(selectors.callback_queue(agent))
    assert [c.call.call_id for c in queue] == ["lost"]


def test_callback_queue_is_most_urgent_first(telephony, agent, t0):
    event(telephony, "newer", "ring", t0 + 60 * S, caller="13900000001")
    event(telephony, "newer", "hangup", t0 + 90 * S)
    event(telephony, "older", "ring", t0, caller="13900000002")
    event(telephony, "older", "hangup", t0 + 20 * S)
    listed = api_for(agent).get("/api/v1/callbacks/").json()["results"]
    assert [c["call_id"] for c in listed] == ["older", "newer"]
    assert [c.call.call_id for c in selectors.callback_queue(agent)] == ["older", "newer"]


def test_the_schema_lists_the_calls_endpoints_without_warnings_of_ours(capsys):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", "--validate", stdout=out)
    schema = out.getvalue()
    for path in ("/api/v1/calls/events/", "/api/v1/calls/{call_id}/", "/api/v1/calls/{call_id}/hand-over/",
                 "/api/v1/callbacks/{id}/complete/", "/api/v1/callbacks/{id}/take/"):
        assert path in schema
    warnings = [line for line in capsys.readouterr().err.splitlines()
                if "calls" in line or "Call" in line]
    assert warnings == []
