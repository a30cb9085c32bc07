"""One open callback per number (issue 13 item 7): a second abandoned call
from a number that already waits for a callback joins it instead of opening
another; the database holds the rule (the partial unique index
callback_open_per_number), also when two hang-ups of one number arrive at
once. Click-to-dial: the queue and the console's panel link the number."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from calls import services
from calls.models import Call, Callback, CallTransition
from servicedesk.deadlines.models import Deadline
from tests.concurrency import at_once
from tests.conftest import api_for
from tests.factories import UserFactory

S = datetime.timedelta(seconds=1)
EVENTS = "/api/v1/calls/events/"


def abandon(telephony, call_id, *, caller, at):
    client = api_for(telephony)
    for name, when in (("ring", at), ("hangup", at + 12 * S)):
        response = client.post(EVENTS, {"call_id": call_id, "event": name, "at": when.isoformat(), "caller": caller},
                               format="json")
        assert response.status_code == 201, response.content


@pytest.fixture
def t0():
    return (timezone.now() - datetime.timedelta(minutes=30)).replace(microsecond=0)


def test_a_second_abandoned_call_from_the_number_joins_the_open_callback(telephony, supervisor, t0):
    abandon(telephony, "first", caller="13812345678", at=t0)
    first = Callback.objects.get()
    deadline = Deadline.objects.get(callback=first)

    abandon(telephony, "second", caller="138 1234 5678", at=t0 + 5 * 60 * S)

    assert Callback.objects.count() == 1
    first.refresh_from_db()
    assert (first.call.call_id, first.state, first.number, first.missed_calls) == ("first", "open", "13812345678", 2)
    second = Call.objects.get(call_id="second")
    assert (second.state, second.joined_callback_id) == ("abandoned", first.pk)
    # the callback's deadline stays the first call's (the stricter)
    assert list(Deadline.objects.filter(callback__isnull=False)) == [deadline]
    assert Deadline.objects.get(pk=deadline.pk).due_at == deadline.due_at
    # the second call's history links it to the callback; the API shows that callback on the call
    row = CallTransition.objects.get(call=second, action="callback-add")
    assert (row.callback_id, row.from_state, row.to_state, row.by, row.data) == (
        first.pk, "open", "open", telephony, {"call_id": "first", "missed_calls": 2})
    body = api_for(supervisor).get("/api/v1/calls/second/").json()
    assert (body["callback"]["id"], body["callback"]["missed_calls"]) == (first.pk, 2)
    listed = api_for(supervisor).get("/api/v1/callbacks/?state=open").json()["results"]
    assert [(c["call_id"], c["missed_calls"]) for c in listed] == [("first", 2)]


def test_a_taken_callback_also_takes_the_next_call_of_its_number(telephony, agent, t0):
    abandon(telephony, "first", caller="13812345678", at=t0)
    callback = services.callback_take(callback_id=Callback.objects.get().pk, by=agent)
    abandon(telephony, "second", caller="13812345678", at=t0 + 60 * S)
    callback.refresh_from_db()
    assert (Callback.objects.count(), callback.state, callback.missed_calls) == (1, "taken", 2)


def test_once_the_callback_is_closed_the_number_gets_a_new_one(telephony, agent, t0):
    abandon(telephony, "first", caller="13812345678", at=t0)
    first = Callback.objects.get()
    services.callback_take(callback_id=first.pk, by=agent)
    services.callback_complete(callback_id=first.pk, reached=True, note="客户已回复", by=agent)
    abandon(telephony, "second", caller="13812345678", at=t0 + 10 * 60 * S)
    assert list(Callback.objects.order_by("id").values_list("call__call_id", "state", "missed_calls")) == [
        ("first", "done", 1), ("second", "open", 1)]
    assert Call.objects.get(call_id="second").joined_callback_id is None


def test_other_numbers_get_their_own_callbacks(telephony, t0):
    abandon(telephony, "a", caller="13812345678", at=t0)
    abandon(telephony, "b", caller="13912345678", at=t0 + 60 * S)
    assert sorted(Callback.objects.values_list("number", "missed_calls")) == [("13812345678", 1), ("13912345678", 1)]


def test_the_database_refuses_a_second_open_callback_for_a_number(telephony, t0):
    abandon(telephony, "first", caller="13812345678", at=t0)
    other = Call.objects.create(call_id="by-hand", caller="13812345678", rang_at=t0, ended_at=t0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Callback.objects.create(call=other, number="13812345678", created_at=t0)
    assert Callback.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_abandoned_calls_of_one_number_at_once_make_one_callback(postgres):
    switch = UserFactory(username="telephony", roles=["telephony"])
    at = (timezone.now() - datetime.timedelta(minutes=30)).replace(microsecond=0)
    for n in range(5):
        number = f"1381234{n:04d}"
        for cid in (f"x{n}", f"y{n}"):
            services.call_event_record(call_id=cid, event="ring", at=at, caller=number, by=switch)
        at_once(*[
            (lambda cid=cid: services.call_event_record(call_id=cid, event="hangup", at=at + 9 * S, by=switch))
            for cid in (f"x{n}", f"y{n}")
        ])
        callback = Callback.objects.get(number=number)
        assert (callback.state, callback.missed_calls) == ("open", 2)
        assert Call.objects.filter(joined_callback=callback).count() == 1
        assert Deadline.objects.filter(callback=callback).count() == 1


def test_the_queue_and_the_panel_dial_the_number(client, agent, telephony, t0):
    abandon(telephony, "first", caller="13812345678", at=t0)
    abandon(telephony, "second", caller="13812345678", at=t0 + 60 * S)
    client.force_login(agent)
    for url in ("/callbacks/", "/callbacks/panel/"):
        html = client.get(url).content.decode()
        assert 'href="tel:13812345678"' in html, url
        assert 'data-testid="missed-calls"' in html and "2 missed calls" in html, url


def test_no_dial_link_for_a_closed_callback(client, agent, telephony, t0):
    abandon(telephony, "first", caller="13812345678", at=t0)
    callback = Callback.objects.get()
    services.callback_take(callback_id=callback.pk, by=agent)
    services.callback_complete(callback_id=callback.pk, reached=True, note="已联系", by=agent)
    client.force_login(agent)
    html = client.get("/callbacks/?show=done").content.decode()
    assert f'data-callback="{callback.pk}"' in html and "tel:" not in html
