"""The supervisors' wallboard through the page (Django test client): calls
ringing now and the longest wait, answered within 3 rings today, abandoned
today, callbacks due and overdue, per agent; the htmx refresh answers the
panel alone."""

import datetime

import pytest
from django.utils import timezone

from calls.models import Callback
from calls.services import call_event_record, callback_take
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def event(telephony, call_id, name, at, **kw):
    call_event_record(call_id=call_id, event=name, at=at, by=telephony, **kw)


@pytest.fixture
def day_of_calls(telephony, agent, mid_morning):
    """Four calls this morning: two answered in 3 rings, one after 20 s, one
    abandoned (its callback taken by the agent and now overdue); one ringing now."""
    now = timezone.now()
    base = now - datetime.timedelta(minutes=30)
    agent2 = UserFactory(username="agent2", first_name="李娜", roles=["agent"])
    for i, (who, wait) in enumerate([(agent, 5), (agent, 12), (agent2, 20)]):
        at = base + datetime.timedelta(minutes=i)
        event(telephony, f"a{i}", "ring", at, caller=f"1380013800{i}", agent=who)
        event(telephony, f"a{i}", "answer", at + datetime.timedelta(seconds=wait), agent=who)
        event(telephony, f"a{i}", "hangup", at + datetime.timedelta(seconds=wait + 60))
    event(telephony, "lost", "ring", base, caller="13900139000", agent=agent2)
    event(telephony, "lost", "hangup", base + datetime.timedelta(seconds=30))
    callback = Callback.objects.get(call__call_id="lost")
    callback_take(callback_id=callback.pk, by=agent)
    callback.deadlines.filter(kind="callback").update(due_at=now - datetime.timedelta(minutes=1))
    event(telephony, "now", "ring", now - datetime.timedelta(seconds=40), caller="13700137000", agent=agent)
    return agent2


def test_wallboard_is_for_supervisors_and_managers(client, agent, supervisor, manager):
    client.force_login(agent)
    assert client.get("/wallboard/").status_code == 403
    for user in (supervisor, manager):
        client.force_login(user)
        assert client.get("/wallboard/").status_code == 200


def test_wallboard_shows_the_day(client, supervisor, day_of_calls):
    client.force_login(supervisor)
    page = client.get("/wallboard/")
    html = page.content.decode()
    assert 'hx-trigger="every 5s"' in html
    stats = page.context["stats"]
    assert stats["ringing"] == 1 and 40 <= stats["longest_wait_seconds"] <= 45
    assert (stats["answered"], stats["within_three_rings"], stats["within_percent"]) == (3, 2, 66.7)
    assert stats["abandoned"] == 1
    assert (stats["callbacks_waiting"], stats["callbacks_overdue"]) == (1, 1)
    rows = {row["agent"]: row for row in stats["agents"]}
    assert (rows["agent"]["answered"], rows["agent"]["within"], rows["agent"]["callbacks"],
            rows["agent"]["callbacks_overdue"]) == (2, 2, 1, 1)
    assert (rows["agent2"]["answered"], rows["agent2"]["within"], rows["agent2"]["abandoned"]) == (1, 0, 1)
    assert "66.7%" in html and "李娜" in html
    assert 'data-testid="ringing"' in html


def test_refresh_answers_the_panel_alone(client, supervisor, day_of_calls):
    client.force_login(supervisor)
    html = client.get("/wallboard/", **HX).content.decode()
    assert 'data-testid="kpis"' in html and "<html" not in html


def test_wallboard_in_chinese(client, supervisor, day_of_calls):
    client.force_login(supervisor)
    html = client.get("/wallboard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "正在振铃" in html and "坐席" in html
