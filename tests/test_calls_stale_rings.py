"""Rings whose hang-up the switch never reported (docs/calls.md, "Rings whose
hang-up never came"): the periodic task `calls.close_stale_rings` closes
them as abandoned (history row by the system, callback when there is a
number), once, even with two runs at once; a supervisor closes one by hand
from the call's page or the API, with a reason; the real hang-up or answer
reported afterwards is handled as an out-of-order event."""

import datetime

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from calls.models import Call, Callback, CallTransition
from calls.services import calls_close_stale_rings
from calls.tasks import close_stale_rings_task
from servicedesk.deadlines.models import Deadline
from tests.celery_utils import app, broker, new_prefix, scratch_broker_url, wait_for, worker_thread
from tests.concurrency import at_once
from tests.conftest import api_for

pytestmark = pytest.mark.django_db

S = datetime.timedelta(seconds=1)
EVENTS = "/api/v1/calls/events/"
STALE = 300


@pytest.fixture(autouse=True)
def stale_after_300s(settings):
    settings.SERVICEDESK = {**settings.SERVICEDESK, "CALL_RING_STALE_SECONDS": STALE}


@pytest.fixture
def switch(telephony):
    client = api_for(telephony)

    def post(call_id, event, at, **extra):
        return client.post(EVENTS, {"call_id": call_id, "event": event, "at": at.isoformat(), **extra}, format="json")

    return post


def rang(switch, call_id, ago, caller="138 1234 5678"):
    """A ring `ago` seconds ago, reported by the switch; returns its time."""
    at = (timezone.now() - ago * S).replace(microsecond=0)
    response = switch(call_id, "ring", at, caller=caller)
    assert response.status_code == 201, response.content
    return at


def call(call_id) -> Call:
    return Call.objects.get(call_id=call_id)


def answer_deadline(c) -> Deadline:
    return Deadline.objects.get(call=c, kind="answer")


def history(c):
    return list(CallTransition.objects.filter(call=c).order_by("at", "id").values_list("action", "by__username"))


# --- the periodic task --------------------------------------------------------------------


def test_the_task_is_scheduled_every_minute_in_beats_tables():
    task = PeriodicTask.objects.get(task="calls.close_stale_rings")
    assert task.enabled and (task.interval.every, task.interval.period) == (60, "seconds")
    assert "calls.close_stale_rings" in app.tasks


def test_a_ring_past_the_limit_is_abandoned_with_history_and_callback_a_fresh_one_is_not(switch, supervisor):
    rang_at = rang(switch, "lost", STALE + 1)
    rang(switch, "fresh", 10, caller="139 1111 2222")
    before = timezone.now()

    assert close_stale_rings_task.apply().get() == {"closed": 1}

    lost = call("lost")
    assert lost.state == Call.State.ABANDONED and before <= lost.ended_at <= timezone.now()
    row = CallTransition.objects.get(call=lost, action="close-stale")
    assert (row.from_state, row.to_state, row.by) == ("ringing", "abandoned", None)
    assert "no hang-up received from the switch within 300 s" in row.note.lower()
    assert row.data["stale_seconds"] == STALE
    assert datetime.datetime.fromisoformat(row.data["rang_at"]) == rang_at
    # the 3-ring rule: the answer deadline is settled as at a hang-up, breached (the caller waited past 15 s)
    deadline = answer_deadline(lost)
    assert deadline.cancelled_at == lost.ended_at and deadline.met_at is None and deadline.breached
    # the callback, with its deadline, as after a hang-up before the answer
    callback = Callback.objects.get(call=lost)
    assert callback.state == Callback.State.OPEN and callback.created_at == lost.ended_at
    assert Deadline.objects.filter(callback=callback, kind="callback", met_at__isnull=True).count() == 1
    assert history(lost) == [("ring", "telephony"), ("close-stale", None), ("callback-open", None)]
    body = api_for(supervisor).get("/api/v1/calls/lost/").json()
    assert body["state"] == "abandoned" and body["within_three_rings"] is False
    assert body["callback"]["state"] == "open"

    fresh = call("fresh")
    assert fresh.state == Call.State.RINGING and fresh.ended_at is None
    assert not Callback.objects.filter(call=fresh).exists()
    assert history(fresh) == [("ring", "telephony")]


def test_a_lost_ring_whose_caller_redialled_and_got_through_leaves_no_callback_waiting(switch, agent):
    """The caller whose hang-up was lost usually redials: that answer closes
    the callbacks waiting then, and the callback the later close opens is
    closed too (called again), not left for an agent to chase."""
    rang(switch, "lost", STALE + 120, caller="138 1234 5678")
    redial_at = rang(switch, "redial", STALE + 60, caller="138 1234 5678")
    assert switch("redial", "answer", redial_at + 5 * S, agent=agent.username).status_code == 201
    rang(switch, "other", STALE + 30, caller="139 0000 1111")  # another caller: its callback stays open

    assert calls_close_stale_rings() == 2

    callback = Callback.objects.get(call=call("lost"))
    assert callback.state == Callback.State.CANCELLED and callback.outcome == Callback.Outcome.CALLED_AGAIN
    assert "redial" in CallTransition.objects.get(callback=callback, action="callback-cancel").note
    deadline = Deadline.objects.get(callback=callback, kind="callback")
    assert deadline.met_at is not None and not deadline.breached
    assert Callback.objects.get(call=call("other")).state == Callback.State.OPEN


def test_a_lost_ring_without_a_number_opens_no_callback(switch):
    rang(switch, "anonymous", STALE + 60, caller="anonymous")
    assert calls_close_stale_rings() == 1
    c = call("anonymous")
    assert c.state == Call.State.ABANDONED and c.caller == ""
    assert not Callback.objects.exists()
    assert history(c) == [("ring", "telephony"), ("close-stale", None)]


def test_running_twice_changes_nothing(switch):
    rang(switch, "lost", STALE + 1)
    assert close_stale_rings_task.apply().get() == {"closed": 1}
    c = call("lost")
    rows, ended_at = history(c), c.ended_at

    assert close_stale_rings_task.apply().get() == {"closed": 0}

    c.refresh_from_db()
    assert (c.state, c.ended_at, history(c)) == (Call.State.ABANDONED, ended_at, rows)
    assert Callback.objects.count() == 1 and Deadline.objects.filter(callback__isnull=False).count() == 1


def test_a_call_that_fails_to_close_does_not_keep_the_others_ringing(switch, monkeypatch):
    from calls.services import stale as services  # where the sweep calls _abandon

    rang(switch, "bad", STALE + 120, caller="138 0000 0001")  # the oldest: first in every run
    rang(switch, "good", STALE + 60, caller="138 0000 0002")
    real = services._abandon

    def failing_for_bad(call, **kwargs):
        if call.call_id == "bad":
            raise RuntimeError("callback policy missing")
        return real(call, **kwargs)

    monkeypatch.setattr(services, "_abandon", failing_for_bad)
    assert calls_close_stale_rings() == 1
    assert (call("bad").state, call("good").state) == (Call.State.RINGING, Call.State.ABANDONED)
    assert history(call("bad")) == [("ring", "telephony")]  # nothing half done
    monkeypatch.undo()
    assert calls_close_stale_rings() == 1
    assert call("bad").state == Call.State.ABANDONED


def test_the_limit_is_the_setting(switch, settings):
    rang(switch, "c", 120)
    assert calls_close_stale_rings() == 0
    settings.SERVICEDESK = {**settings.SERVICEDESK, "CALL_RING_STALE_SECONDS": 60}
    assert calls_close_stale_rings() == 1


def test_a_call_known_only_from_a_transfer_is_closed_by_its_first_report(switch, agent, supervisor):
    """No ring time yet: the call's first report (created_at) counts."""
    at = timezone.now() - 10 * S
    assert switch("t-only", "transfer", at, agent="agent").status_code == 201
    Call.objects.filter(call_id="t-only").update(created_at=timezone.now() - (STALE + 1) * S)
    assert calls_close_stale_rings() == 1
    assert call("t-only").state == Call.State.ABANDONED


# --- the real events, reported after the close -------------------------------------------------


def test_the_real_hang_up_after_the_close_keeps_the_call_abandoned_and_ends_it_at_the_switchs_time(
        switch, supervisor):
    rang_at = rang(switch, "lost", STALE + 30)
    calls_close_stale_rings()
    c = call("lost")
    closed_at, callback = c.ended_at, Callback.objects.get(call=c)

    response = switch("lost", "hangup", rang_at + 20 * S)
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "abandoned"
    c.refresh_from_db()
    # the caller's wait, not the close's guess; the callback's clock stays as the close started it
    assert c.ended_at == rang_at + 20 * S < closed_at
    assert list(Callback.objects.filter(call=c).values_list("pk", "state")) == [(callback.pk, "open")]
    row = CallTransition.objects.filter(call=c).latest("id")
    assert (row.action, row.from_state, row.to_state) == ("hangup", "abandoned", "abandoned")
    assert "after the call had been closed" in row.note
    assert switch("lost", "hangup", rang_at + 25 * S).status_code == 200  # a repeat: nothing


def test_the_real_answer_after_the_close_ends_the_call_and_cancels_the_callback(switch, supervisor, agent):
    """The switch had lost the answer's report, not the hang-up: the call was answered after all."""
    rang_at = rang(switch, "late", STALE + 30)
    calls_close_stale_rings()
    response = switch("late", "answer", rang_at + 12 * S, agent="agent")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "ended" and body["within_three_rings"] is True
    assert body["callback"]["state"] == "cancelled" and body["callback"]["outcome"] == "answered_late"
    deadline = answer_deadline(call("late"))
    assert deadline.met_at == rang_at + 12 * S and not deadline.breached


def test_an_answer_later_than_the_close_puts_the_caller_on_the_line_and_the_hang_up_ends_the_call(
        switch, supervisor, agent):
    """The caller waited longer than CALL_RING_STALE_SECONDS and was
    answered after the close: the close's time was a guess, the switch's
    answer wins (no 400), the call is answered, not ended, and its real
    hang-up ends it."""
    rang_at = rang(switch, "queued", STALE + 30)
    calls_close_stale_rings()
    closed_at = call("queued").ended_at
    answered_at = closed_at.replace(microsecond=0) + 5 * S

    transfer = switch("queued", "transfer", answered_at - 2 * S, agent="agent")
    assert transfer.status_code == 201, transfer.content
    response = switch("queued", "answer", answered_at, agent="agent")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "answered" and body["within_three_rings"] is False
    assert body["callback"]["state"] == "cancelled" and body["callback"]["outcome"] == "answered_late"
    c = call("queued")
    assert c.ended_at is None and c.agent.username == "agent"
    deadline = answer_deadline(c)
    assert deadline.met_at == answered_at and deadline.breached
    row = CallTransition.objects.filter(call=c).latest("id")
    assert (row.action, row.from_state, row.to_state) == ("answer", "abandoned", "answered")

    hung_up_at = answered_at + 60 * S
    response = switch("queued", "hangup", hung_up_at)
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "ended"
    c.refresh_from_db()
    assert (c.answered_at, c.ended_at) == (answered_at, hung_up_at) and c.rang_at == rang_at


def test_after_the_switchs_hang_up_an_answer_later_than_it_is_refused_again(switch, supervisor, agent):
    rang_at = rang(switch, "gone", STALE + 30)
    calls_close_stale_rings()
    assert switch("gone", "hangup", rang_at + 20 * S).status_code == 201
    response = switch("gone", "answer", rang_at + 25 * S, agent="agent")
    assert response.status_code == 400 and "at" in response.json()
    assert call("gone").state == Call.State.ABANDONED


# --- two runs at once, a real worker ----------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_close_each_call_once(postgres, switch):
    ids = [f"lost-{n}" for n in range(40)]
    for n, cid in enumerate(ids):
        rang(switch, cid, STALE + 1 + n, caller=f"138 0000 {n:04d}")
    results = at_once(calls_close_stale_rings, calls_close_stale_rings)

    assert sum(results) == 40
    assert set(Call.objects.values_list("state", flat=True)) == {"abandoned"}
    per_call = [CallTransition.objects.filter(call__call_id=cid, action="close-stale").count() for cid in ids]
    assert per_call == [1] * 40
    assert Callback.objects.count() == 40
    assert calls_close_stale_rings() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_closes_a_lost_ring(postgres, redis_url, switch):
    rang(switch, "lost", STALE + 1)
    rang(switch, "fresh", 5, caller="139 1111 2222")
    with broker(scratch_broker_url(redis_url), prefix=new_prefix()), worker_thread():
        app.send_task("calls.close_stale_rings")
        wait_for(lambda: call("lost").state == Call.State.ABANDONED and Callback.objects.exists(), timeout=30,
                 what="the worker's run of calls.close_stale_rings")
    assert call("fresh").state == Call.State.RINGING
    assert CallTransition.objects.filter(call__call_id="lost", action="close-stale", by=None).count() == 1


# --- a supervisor closes one by hand: the call's page ------------------------------------------


def test_the_supervisor_closes_a_lost_ring_from_the_calls_page(client, switch, supervisor, manager):
    rang(switch, "lost", STALE + 1)
    rang(switch, "fresh", 5, caller="139 1111 2222")
    lost, fresh = call("lost"), call("fresh")
    client.force_login(supervisor)
    board = client.get("/wallboard/").content.decode()
    assert board.count('data-testid="stale-ring"') == 1 and f'href="/console/calls/{lost.pk}/"' in board
    assert 'data-testid="close-ringing"' in client.get(f"/console/calls/{lost.pk}/").content.decode()
    assert 'data-testid="close-ringing"' not in client.get(f"/console/calls/{fresh.pk}/").content.decode()

    response = client.post(f"/console/calls/{lost.pk}/close/", {"reason": "交换机未报挂机"})

    assert response.status_code == 302 and response.url == f"/console/calls/{lost.pk}/"
    lost.refresh_from_db()
    assert lost.state == Call.State.ABANDONED
    row = CallTransition.objects.get(call=lost, action="close")
    assert (row.by, row.note, row.from_state, row.to_state) == (supervisor, "交换机未报挂机", "ringing", "abandoned")
    assert Callback.objects.filter(call=lost, state="open").exists() and answer_deadline(lost).breached
    page = client.get(response.url).content.decode()
    assert "The call was closed as abandoned." in page and 'data-testid="close-ringing"' not in page
    # a manager sees the wallboard, not the link; and may not close
    client.force_login(manager)
    assert 'data-testid="close-link"' not in client.get("/wallboard/").content.decode()


def test_the_page_refuses_without_a_reason_a_fresh_ring_and_an_agent(client, switch, supervisor, agent):
    rang(switch, "lost", STALE + 1)
    rang(switch, "fresh", 5, caller="139 1111 2222")
    lost, fresh = call("lost"), call("fresh")
    client.force_login(supervisor)
    client.post(f"/console/calls/{lost.pk}/close/", {"reason": "  "})
    page = client.get(f"/console/calls/{lost.pk}/").content.decode()
    assert "Say why the call is closed." in page
    client.post(f"/console/calls/{fresh.pk}/close/", {"reason": "looks stuck"})
    assert "the caller may still be on the line" in client.get(f"/console/calls/{fresh.pk}/").content.decode()
    client.force_login(agent)
    assert client.post(f"/console/calls/{lost.pk}/close/", {"reason": "x"}).status_code == 403
    assert set(Call.objects.values_list("state", flat=True)) == {"ringing"}
    assert not CallTransition.objects.filter(action="close").exists() and not Callback.objects.exists()


# --- and through the API -----------------------------------------------------------------------


def test_the_api_close(switch, supervisor, agent):
    rang(switch, "lost", STALE + 1)
    rang(switch, "fresh", 5, caller="139 1111 2222")
    rang(switch, "nobody", STALE + 1, caller="")
    api = api_for(supervisor)

    assert api.post("/api/v1/calls/lost/close/", {}, format="json").json() == {"reason": ["This field is required."]}
    assert api_for(agent).post("/api/v1/calls/lost/close/", {"reason": "x"}, format="json").status_code == 403
    response = api.post("/api/v1/calls/fresh/close/", {"reason": "x"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    assert (response.json()["state"], response.json()["allowed"]) == ("ringing", [])
    assert call("lost").state == call("fresh").state == Call.State.RINGING

    response = api.post("/api/v1/calls/lost/close/", {"reason": "hang-up lost"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "abandoned" and body["callback"]["state"] == "open"
    rows = api.get("/api/v1/calls/lost/history/").json()
    assert [(r["action"], r["by"], r["note"]) for r in rows[-2:]] == [
        ("close", "supervisor", "hang-up lost"), ("callback-open", "supervisor", "")]
    again = api.post("/api/v1/calls/lost/close/", {"reason": "again"}, format="json")
    assert again.status_code == 409 and again.json()["state"] == "abandoned"

    body = api.post("/api/v1/calls/nobody/close/", {"reason": "hang-up lost"}, format="json").json()
    assert body["state"] == "abandoned" and body["callback"] is None
    assert api.post("/api/v1/calls/nope/close/", {"reason": "x"}, format="json").status_code == 404
