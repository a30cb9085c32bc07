"""Each calls domain error carries a stable code (contract: Error codes):
clients and tests match the code, people read the message."""

import datetime

import pytest
from django.utils import timezone

from calls import services
from calls.models import Call, CallTransition
from servicedesk.core.errors import ApplicationError

pytestmark = pytest.mark.django_db

AT = timezone.now() - datetime.timedelta(minutes=5)


def code_of(function, **kwargs):
    with pytest.raises(ApplicationError) as raised:
        function(**kwargs)
    return raised.value.code, raised.value.field


@pytest.mark.parametrize("body, code, field", [
    ({"call_id": " "}, "required", "call_id"),
    ({"call_id": "a/b"}, "call_id_invalid", "call_id"),
    ({"event": "pickup"}, "unknown_event", "event"),
    ({"at": AT.replace(tzinfo=None)}, "timestamp_without_offset", "at"),
    ({"event": "answer"}, "agent_required", "agent"),
])
def test_the_switchs_bad_input(telephony, body, code, field):
    kwargs = {"call_id": "c1", "event": "ring", "at": AT, "by": telephony, **body}
    assert code_of(services.call_event_record, **kwargs) == (code, field)
    assert not Call.objects.exists() and not CallTransition.objects.exists()


def test_an_event_that_contradicts_the_known_times(telephony):
    services.call_event_record(call_id="c1", event="ring", at=AT, by=telephony)
    assert code_of(services.call_event_record, call_id="c1", event="hangup", at=AT - datetime.timedelta(seconds=1),
                   by=telephony) == ("event_out_of_order", "at")
    assert list(CallTransition.objects.values_list("action", flat=True)) == ["ring"]


def test_someone_other_than_the_switch_and_unknown_rows(agent, supervisor, tech1):
    assert code_of(services.call_event_record, call_id="c1", event="ring", at=AT, by=agent) == (
        "not_the_switch", None)
    assert code_of(services.call_end, call_id="nope", by=agent) == ("call_not_found", None)
    assert code_of(services.callback_take, callback_id=999999, by=agent) == ("callback_not_found", None)
    assert code_of(services.call_open_manual, channel="phone", by=agent) == ("channel_invalid", "channel")
    assert code_of(services.call_open_manual, channel="walk_in", caller="12", by=agent) == ("phone_invalid", "caller")
    walk_in = services.call_open_manual(channel="walk_in", by=agent)
    assert code_of(services.call_hand_over, call_id=walk_in.call_id, to=tech1.user, note="x", by=agent) == (
        "hand_over_target_role", "to")
    assert code_of(services.call_hand_over, call_id=walk_in.call_id, to=agent, note="x", by=agent) == (
        "already_owner", "to")
    assert code_of(services.call_hand_over, call_id=walk_in.call_id, to=supervisor, note=" ", by=agent) == (
        "blank", "note")
    assert Call.objects.get().owner == agent
