"""The callback queue for agents (issue 5: an abandoned call opens a callback,
queued for agents): the /callbacks/ page and the console's panel, through the
Django test client with htmx headers. Callbacks are made the real way: the
switch (telephony user) posts ring and hang-up events to the API."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import override as translation_override

from calls.models import Call, Callback, CallTransition
from tests.conftest import api_for
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
EVENTS = "/api/v1/calls/events/"


@pytest.fixture
def agent2(db):
    return UserFactory(username="agent2", first_name="李娜", roles=["agent"])


def abandon(telephony, call_id, *, caller, minutes_ago=5, rang_s=12):
    """The switch reports a ring and a hang-up before anyone answered."""
    hung_up = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    rang = hung_up - datetime.timedelta(seconds=rang_s)
    client = api_for(telephony)
    for name, at in (("ring", rang), ("hangup", hung_up)):
        response = client.post(EVENTS, {"call_id": call_id, "event": name, "at": at.isoformat(), "caller": caller},
                               format="json")
        assert response.status_code in (200, 201), response.content
    return Callback.objects.get(call__call_id=call_id)


def rows(page) -> list[str]:
    """The callback ids in the order the page lists them."""
    import re

    return re.findall(r'data-callback="(\d+)"', page.content.decode())


def test_the_queue_lists_an_abandoned_calls_callback_most_urgent_first(client, agent, telephony):
    customer = CustomerFactory(name="王伟", phone__number="13800138000")
    newer = abandon(telephony, "newer", caller="13900139000", minutes_ago=5, rang_s=9)
    older = abandon(telephony, "older", caller="138 0013 8000", minutes_ago=90, rang_s=20)
    client.force_login(agent)
    page = client.get("/callbacks/")
    assert page.status_code == 200
    html = page.content.decode()
    # Most urgent (earliest due time) first.
    assert rows(page) == [str(older.pk), str(newer.pk)]
    # Agents see the full number, the known customer, how long it rang, the attempts.
    assert "13800138000" in html and "13900139000" in html
    assert customer.name in html
    assert "rang 20 s" in html and "rang 9 s" in html
    assert "0 of 3" in html
    assert 'data-due="' in html and "left" in html


def test_overdue_callbacks_are_highlighted(client, agent, telephony):
    late = abandon(telephony, "late", caller="13900139000", minutes_ago=200)  # 2-hour deadline passed
    client.force_login(agent)
    html = client.get("/callbacks/").content.decode()
    assert f'class="is-overdue" data-callback="{late.pk}"' in html
    assert "overdue by" in html


def test_take_then_not_reached_until_the_last_attempt_closes_it(client, agent, telephony):
    callback = abandon(telephony, "c1", caller="13900139000")
    client.force_login(agent)
    response = client.post(f"/callbacks/{callback.pk}/take/", {"where": "page", "show": "waiting"}, **HX)
    assert response.status_code == 200
    callback.refresh_from_db()
    assert (callback.state, callback.assigned_to) == ("taken", agent)
    assert "You took the callback" in response.content.decode()
    # It is in "mine" now, with the attempt form.
    mine = client.get("/callbacks/?show=mine")
    assert rows(mine) == [str(callback.pk)] and 'data-action="not-reached"' in mine.content.decode()

    for attempt in (1, 2):
        response = client.post(f"/callbacks/{callback.pk}/attempt/",
                                {"outcome": "not_reached", "note": f"无人接听 {attempt}", "show": "mine"}, **HX)
        assert response.status_code == 200
        callback.refresh_from_db()
        assert (callback.state, callback.attempts) == ("taken", attempt)
        assert f"Attempt {attempt} recorded" in response.content.decode()
    response = client.post(f"/callbacks/{callback.pk}/attempt/", {"outcome": "not_reached", "note": "关机"}, **HX)
    callback.refresh_from_db()
    assert (callback.state, callback.outcome, callback.attempts) == ("done", "not_reached", 3)
    assert "closed as not reached" in response.content.decode()
    # History: take, two attempts, done (immutable rows by the agent).
    actions = list(CallTransition.objects.filter(callback=callback).order_by("id").values_list("action", "by"))
    assert actions[1:] == [("callback-take", agent.pk), ("callback-attempt", agent.pk),
                           ("callback-attempt", agent.pk), ("callback-done", agent.pk)]
    # Gone from the queue, listed under "done today".
    assert rows(client.get("/callbacks/")) == []
    done = client.get("/callbacks/?show=done")
    assert rows(done) == [str(callback.pk)] and "Not reached" in done.content.decode()


@override_settings(SERVICEDESK={**__import__("django.conf").conf.settings.SERVICEDESK, "CALLBACK_MAX_ATTEMPTS": 2})
def test_the_number_of_attempts_is_a_setting(client, agent, telephony):
    callback = abandon(telephony, "c1", caller="13900139000")
    client.force_login(agent)
    client.post(f"/callbacks/{callback.pk}/take/")
    client.post(f"/callbacks/{callback.pk}/attempt/", {"outcome": "not_reached", "note": "忙"})
    client.post(f"/callbacks/{callback.pk}/attempt/", {"outcome": "not_reached", "note": "忙"})
    callback.refresh_from_db()
    assert (callback.state, callback.outcome, callback.attempts) == ("done", "not_reached", 2)


def test_reached_closes_it_and_the_file_opens_on_the_console(client, agent, telephony):
    customer = CustomerFactory(name="王伟", phone__number="13800138000")
    callback = abandon(telephony, "c1", caller="13800138000")
    client.force_login(agent)
    client.post(f"/callbacks/{callback.pk}/take/", **HX)
    response = client.post(
        f"/callbacks/{callback.pk}/attempt/", {"outcome": "reached_open", "note": "已联系，报修"}, **HX
    )
    assert response.status_code == 204
    callback.refresh_from_db()
    assert (callback.state, callback.outcome, callback.attempts) == ("done", "reached", 1)
    outgoing = Call.objects.get(channel=Call.Channel.OUTBOUND)
    assert (outgoing.caller, outgoing.customer, outgoing.owner, outgoing.state) == (
        "13800138000", customer, agent, "answered")
    assert response["HX-Redirect"] == f"/console/calls/{outgoing.pk}/"
    console = client.get(response["HX-Redirect"])
    assert console.status_code == 200 and customer.name in console.content.decode()
    # From "done today" the agent can open the file again.
    done = client.get("/callbacks/?show=done").content.decode()
    assert 'data-action="call"' in done
    again = client.post(f"/callbacks/{callback.pk}/call/")
    assert again.status_code == 302 and Call.objects.filter(channel=Call.Channel.OUTBOUND).count() == 2


def test_reached_without_opening_the_file(client, agent, telephony):
    callback = abandon(telephony, "c1", caller="13900139000")
    client.force_login(agent)
    client.post(f"/callbacks/{callback.pk}/take/")
    response = client.post(f"/callbacks/{callback.pk}/attempt/", {"outcome": "reached", "note": "已回电"})
    assert response.status_code == 302 and response["Location"] == "/callbacks/?show=waiting"
    callback.refresh_from_db()
    assert (callback.state, callback.outcome) == ("done", "reached")
    assert not Call.objects.filter(channel=Call.Channel.OUTBOUND).exists()


def test_errors_are_messages_not_500(client, agent, agent2, telephony):
    callback = abandon(telephony, "c1", caller="13900139000")
    client.force_login(agent2)
    client.post(f"/callbacks/{callback.pk}/take/")
    client.force_login(agent)
    # Taken by someone else meanwhile.
    response = client.post(f"/callbacks/{callback.pk}/take/", {"where": "page"}, **HX)
    assert response.status_code == 200
    assert "Someone else took this callback meanwhile: 李娜" in response.content.decode()
    # Not mine to record.
    response = client.post(f"/callbacks/{callback.pk}/attempt/", {"outcome": "reached", "note": "x"}, **HX)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    callback.refresh_from_db()
    assert (callback.state, callback.assigned_to, callback.attempts) == ("taken", agent2, 0)
    # A blank note or no outcome: said so, nothing saved.
    client.force_login(agent2)
    response = client.post(f"/callbacks/{callback.pk}/attempt/", {"outcome": "reached", "note": "  "}, **HX)
    assert "Write a note on the attempt" in response.content.decode()
    response = client.post(f"/callbacks/{callback.pk}/attempt/", {"note": "x"}, **HX)
    assert "Say whether the customer was reached" in response.content.decode()
    client.post(f"/callbacks/{callback.pk}/attempt/", {"outcome": "reached", "note": "好"})
    # Already done.
    response = client.post(f"/callbacks/{callback.pk}/take/", **HX)
    assert response.status_code == 200 and "already closed" in response.content.decode()
    callback.refresh_from_db()
    assert (callback.state, callback.attempts) == ("done", 1)
    assert client.post("/callbacks/9999/take/").status_code == 404


def test_who_may_open_the_callbacks(client, agent, supervisor, dispatcher, tech1, partner_user, telephony):
    callback = abandon(telephony, "c1", caller="13900139000")
    assert client.get("/callbacks/").status_code == 302  # log in first
    for user in (tech1.user, partner_user, telephony):
        client.force_login(user)
        assert client.get("/callbacks/").status_code == 403
        assert client.get("/callbacks/panel/").status_code == 403
        assert client.post(f"/callbacks/{callback.pk}/take/").status_code == 403
    # Dispatchers read the queue but take nothing.
    client.force_login(dispatcher)
    page = client.get("/callbacks/")
    assert page.status_code == 200 and rows(page) == [str(callback.pk)]
    assert 'data-action="take"' not in page.content.decode()
    client.post(f"/callbacks/{callback.pk}/take/")
    callback.refresh_from_db()
    assert callback.state == "open"
    client.force_login(supervisor)
    assert 'data-action="take"' in client.get("/callbacks/").content.decode()


def test_the_console_shows_the_waiting_callbacks(client, agent, telephony):
    client.force_login(agent)
    page = client.get("/console/").content.decode()
    assert "Callbacks waiting (0)" in page and 'data-testid="no-callbacks"' in page
    first = abandon(telephony, "c1", caller="13900139000", minutes_ago=10)
    abandon(telephony, "c2", caller="13700137000", minutes_ago=3)
    page = client.get("/console/")
    html = page.content.decode()
    assert "Callbacks waiting (2)" in html
    assert rows(page)[0] == str(first.pk)
    # The panel refreshes itself and takes from the console.
    panel = client.get("/callbacks/panel/", **HX)
    assert panel.status_code == 200 and 'data-count="2"' in panel.content.decode()
    response = client.post(f"/callbacks/{first.pk}/take/", {"where": "panel"})
    assert response.status_code == 302 and response["Location"] == "/console/"


def test_agents_land_on_the_console_others_do_not(client, agent, dispatcher, supervisor):
    client.force_login(agent)
    assert client.get("/")["Location"] == "/console/"
    assert 'href="/callbacks/"' in client.get("/work-orders/").content.decode()  # the nav entry
    both = UserFactory(username="agent-dispatcher", roles=["agent", "dispatcher"])
    client.force_login(both)
    assert client.get("/")["Location"] == "/work-orders/"
    client.force_login(dispatcher)
    assert client.get("/")["Location"] == "/dispatch/board/"  # issue 17: the dispatcher lands on the board
    assert 'href="/callbacks/"' not in client.get("/work-orders/").content.decode()
    client.force_login(supervisor)
    assert client.get("/")["Location"] == "/dashboard/"


def test_the_page_in_chinese(client, agent, telephony):
    callback = abandon(telephony, "c1", caller="13900139000")
    client.force_login(agent)
    client.post(f"/callbacks/{callback.pk}/take/")
    with translation_override("zh-hans"):
        page = client.get("/callbacks/?show=mine", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>回电</h1>" in html and "我的" in html and "本次回电备注" in html
    assert "Not reached" not in html and "Take the callback" not in html
