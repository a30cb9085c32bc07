"""The switch's events arriving at the same moment on PostgreSQL (issue 5:
two events for a new call must not 500; a repeat changes nothing). Real
parallel HTTP requests against the live server, released together by a
barrier, several rounds so they really meet."""

import datetime

import pytest
from django.utils import timezone

from calls.models import Call, Callback, CallEvent
from servicedesk.deadlines.models import Deadline
from tests.factories import UserFactory
from tests.test_work_order_concurrency import race, token

pytestmark = pytest.mark.postgres

ROUNDS = 5
S = datetime.timedelta(seconds=1)


@pytest.fixture
def server(postgres, transactional_db, django_db_serialized_rollback, live_server):
    return live_server


@pytest.fixture
def switch_token(db):
    return token(UserFactory(username="telephony", roles=["telephony"]))


def body(call_id, event, at, **extra):
    return {"call_id": call_id, "event": event, "at": at.isoformat(), **extra}


def test_two_rings_of_one_new_call_make_one_call(server, switch_token):
    at = timezone.now() - 60 * S
    for n in range(ROUNDS):
        cid = f"race-ring-{n}"
        results = race(
            server, [(switch_token, "POST", "/api/v1/calls/events/", body(cid, "ring", at, caller="13812345678"))] * 2
        )
        assert sorted(status for status, _ in results) == [200, 201], results
        call = Call.objects.get(call_id=cid)
        assert CallEvent.objects.filter(call=call).count() == 1
        assert Deadline.objects.filter(call=call, kind="answer").count() == 1


def test_ring_and_answer_of_a_new_call_at_once(server, switch_token):
    UserFactory(username="agent", roles=["agent"])
    at = timezone.now() - 60 * S
    for n in range(ROUNDS):
        cid = f"race-answer-{n}"
        results = race(server, [
            (switch_token, "POST", "/api/v1/calls/events/", body(cid, "ring", at, caller="13812345678")),
            (switch_token, "POST", "/api/v1/calls/events/", body(cid, "answer", at + 7 * S, agent="agent")),
        ])
        assert [status for status, _ in results] == [201, 201], results
        call = Call.objects.get(call_id=cid)
        assert call.state == "answered" and call.within_three_rings is True
        answer = Deadline.objects.get(call=call, kind="answer")
        assert answer.met_at == call.answered_at and not answer.breached


def test_answer_and_hangup_at_once_end_the_call_without_a_callback(server, switch_token):
    UserFactory(username="agent", roles=["agent"])
    at = timezone.now() - 60 * S
    for n in range(ROUNDS):
        cid = f"race-hangup-{n}"
        results = race(server, [
            (switch_token, "POST", "/api/v1/calls/events/", body(cid, "answer", at + 5 * S, agent="agent")),
            (switch_token, "POST", "/api/v1/calls/events/", body(cid, "hangup", at + 40 * S)),
            (switch_token, "POST", "/api/v1/calls/events/", body(cid, "ring", at)),
        ])
        assert [status for status, _ in results] == [201, 201, 201], results
        call = Call.objects.get(call_id=cid)
        assert call.state == "ended"
        # whichever came first, a callback opened by a hang-up seen first is cancelled by the answer
        assert not Callback.objects.filter(call=call, state__in=Callback.OPEN_STATES).exists()


def test_call_history_is_immutable_in_postgresql(postgres):
    from django.db import DatabaseError, transaction

    from calls import services
    from calls.models import CallTransition

    switch = UserFactory(username="telephony", roles=["telephony"])
    services.call_event_record(call_id="h1", event="ring", at=timezone.now() - 60 * S, caller="13812345678", by=switch)
    services.call_event_record(call_id="h1", event="hangup", at=timezone.now() - 30 * S, by=switch)
    assert CallTransition.objects.count() == 3
    for change in (lambda qs: qs.update(note="changed"), lambda qs: qs._raw_delete(qs.db)):
        with pytest.raises(DatabaseError), transaction.atomic():
            change(CallTransition.objects.all())
    assert CallTransition.objects.filter(note="changed").count() == 0
