"""The switch's events (api-contract.md, Calls): ring, answer, hang-up and
transfer, each idempotent per call and event, in any order.

Why these do not go through `run_action` (servicedesk.core.transitions):
an event is not an action someone asks for. Its call row may not exist yet
(the first event creates it); the transition is chosen from the times known
so far, and often there is none (a repeated ring, a transfer, a hang-up
after the call was ended by hand) while the event still leaves a history
row; a time that contradicts what is known is a 400 on `at`, not a 409; and
a late event may rewrite the call's times and its callback. So the event
flow locks and applies the event itself, and uses the call's Machine for
what is the same everywhere: the history row (`CALL_MACHINE.record`) and the
409 (`CALL_MACHINE.refuse`)."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.errors import PermissionDenied, ValidationFailed
from servicedesk.customers.services import customer_find_by_phone
from servicedesk.deadlines.models import Deadline
from servicedesk.deadlines.services import deadline_cancel_open, deadline_meet, deadline_start

from ..models import Call, Callback, CallEvent, answer_limit
from ..selectors import HAND_OVER_ROLES, user_may_post_events
from .callbacks import callback_cap_from_ring, callback_close, callback_open, callbacks_of_caller_close
from .machines import CALL_ID_RE, CALL_MACHINE, clean_phone, iso

Event = CallEvent.Event


def _locked_call(call_id: str, *, by) -> tuple[Call, bool]:
    """The call row, locked; created when this is its first event. Two first
    events at once: the unique call_id lets one insert win, the other waits
    for it, gets IntegrityError, and locks the winner's row."""
    call = Call.objects.select_for_update().filter(call_id=call_id).first()
    if call is not None:
        return call, False
    try:
        with transaction.atomic():
            return Call.objects.create(call_id=call_id, channel=Call.Channel.PHONE, created_by=by), True
    except IntegrityError:
        return Call.objects.select_for_update().get(call_id=call_id), False


# --- the switch's events ------------------------------------------------------------


def call_event_record(*, call_id, event, at, caller="", agent=None, by) -> tuple[Call, bool]:
    """Apply one event of the switch. Returns (call, changed): a repeat of an
    event already received changes nothing (changed False, the API's 200).

    ring, answer and hangup happen once per call: the first report of each
    wins. A transfer is one per (time, agent). Events may come in any order:
    each sets its own time, and the state and the `answer` deadline follow
    from the times known so far (an answer reported after the hang-up turns
    an abandoned call into an ended one and cancels its callback)."""
    if not user_may_post_events(by):
        raise PermissionDenied(_("Only the telephone switch reports call events."), code="not_the_switch")
    call_id = (call_id or "").strip()
    if not call_id:
        raise ValidationFailed(_("This field is required."), field="call_id", code="required")
    # the id is part of the call's URL (/api/v1/calls/<call_id>/): no slash, no blank, the column's length
    if not CALL_ID_RE.fullmatch(call_id):
        raise ValidationFailed(_("A call id is 1 to 100 characters without slashes or spaces."), field="call_id",
                               code="call_id_invalid")
    if event not in Event.values:
        raise ValidationFailed(_("Unknown event “%(event)s”.") % {"event": event}, field="event", code="unknown_event")
    if at is None or timezone.is_naive(at):
        raise ValidationFailed(_("Timestamp must include a UTC offset."), field="at", code="timestamp_without_offset")
    # the switch's caller id may be "anonymous", "unknown" or a withheld number:
    # never lose the event for it; the raw value stays in the event's payload
    try:
        number = clean_phone(caller)
    except ValidationFailed:
        number = ""
    if event in (Event.ANSWER, Event.TRANSFER) and agent is None:
        raise ValidationFailed(_("Name the agent (username) who took the call."), field="agent", code="agent_required")
    if agent is not None and not agent.has_role(*HAND_OVER_ROLES):
        raise ValidationFailed(_("“%(name)s” is not a call-center agent.") % {"name": agent.username}, field="agent",
                               code="not_call_center_agent")
    key = f"transfer@{at.astimezone(datetime.UTC).isoformat()}@{agent.pk}" if event == Event.TRANSFER else event

    with transaction.atomic():
        call, _created = _locked_call(call_id, by=by)
        if call.channel != Call.Channel.PHONE:
            raise ValidationFailed(_("This call was opened by hand, not reported by the switch."), field="call_id",
                                   code="call_not_from_switch")
        if CallEvent.objects.filter(call=call, key=key).exists():
            return call, False
        # Closed as abandoned without the switch's hang-up (a lost ring closed
        # by calls.close_stale_rings or a supervisor): its ended_at is the
        # close's time, a guess, not the caller's; the switch's events win.
        closed_without_hang_up = (call.state == Call.State.ABANDONED
                                  and not CallEvent.objects.filter(call=call, event=Event.HANGUP).exists())
        _check_order(call, event, at, ended_known=not closed_without_hang_up)
        CallEvent.objects.create(
            call=call, event=event, key=key, at=at, agent=agent,
            payload={"caller": caller or "", "agent": agent.username if agent else None, "at": at.isoformat()},
        )
        from_state = call.state
        if number and not call.caller:
            call.caller = number
            call.customer = customer_find_by_phone(number)
        note, data = "", {"at": iso(at)}
        if event == Event.RING:
            _on_ring(call, at=at, agent=agent)
            if agent:
                data["agent"] = agent.username
        elif event == Event.ANSWER:
            _on_answer(call, at=at, agent=agent, by=by)
            data["agent"] = call.agent.username if call.agent else None
        elif event == Event.HANGUP:
            _on_hangup(call, at=at, by=by, closed_without_hang_up=closed_without_hang_up)
        else:
            data.update(_on_transfer(call, at=at, agent=agent))
        if event == Event.HANGUP and from_state == Call.State.ABANDONED:
            # Closed earlier without the switch's hang-up (a lost ring closed by
            # calls.close_stale_rings or a supervisor): the call stays as it was
            # closed, its callback too; the call ends at the switch's time.
            note = _("The switch's hang-up arrived after the call had been closed without it.")
        call.save()
        CALL_MACHINE.record(obj=call, action=event, from_state=from_state, by=by, at=timezone.now(), note=note,
                            data=data)
        # No caller number (withheld, "anonymous"): nobody can call back, so no
        # callback is opened; a ring reported later with the number opens it.
        if (call.state == Call.State.ABANDONED and call.caller and not hasattr(call, "callback")
                and call.joined_callback_id is None and (from_state != Call.State.ABANDONED or event == Event.RING)):
            callback_open(call, by=by)
        elif event == Event.RING and hasattr(call, "callback"):
            callback_cap_from_ring(call.callback, call)
    return call, True


def _check_order(call, event, at, *, ended_known=True):
    """Times that contradict what is known are refused (400 on `at`). An
    `ended_at` the switch did not report (ended_known False) refuses
    nothing: the caller may still have been on the line then."""
    def refuse(message):
        raise ValidationFailed(message, field="at", code="event_out_of_order")

    if event == Event.RING:
        first_other = min([t for t in (call.answered_at, call.ended_at) if t is not None], default=None)
        if first_other is not None and at > first_other:
            refuse(_("The ring cannot come after the call was answered or hung up."))
    elif event == Event.ANSWER:
        if call.rang_at and at < call.rang_at:
            refuse(_("The answer cannot come before the ring."))
        if ended_known and call.ended_at and at > call.ended_at:
            refuse(_("The answer cannot come after the hang-up."))
    elif event == Event.HANGUP:
        if call.rang_at and at < call.rang_at:
            refuse(_("The hang-up cannot come before the ring."))
        if call.answered_at and at < call.answered_at:
            refuse(_("The hang-up cannot come before the answer."))
    elif event == Event.TRANSFER:
        if call.rang_at and at < call.rang_at:
            refuse(_("The transfer cannot come before the ring."))
        if ended_known and call.ended_at and at > call.ended_at:
            refuse(_("The transfer cannot come after the hang-up."))


def _latest_transfer(call, *, after):
    return (CallEvent.objects.filter(call=call, event=Event.TRANSFER, at__gt=after)
            .select_related("agent").order_by("-at", "-id").first())


def _on_ring(call, *, at, agent):
    call.rang_at = at
    if agent is not None and call.answered_at is None and _latest_transfer(call, after=at) is None:
        call.offered_to = agent
    # seeds/000, seeds/001: answer within 3 rings of CALL_RING_SECONDS each.
    deadline_start(subject=call, kind="answer", start=at, due_at=at + answer_limit())
    if call.answered_at is not None:
        deadline_meet(subject=call, kinds=["answer"], at=call.answered_at)
    elif call.ended_at is not None:
        deadline_cancel_open(subject=call, kinds=["answer"], at=call.ended_at)


def _on_answer(call, *, at, agent, by):
    # A transfer reported before this answer but made after it decides who is on the call now.
    later = _latest_transfer(call, after=at)
    if call.state == Call.State.RINGING:
        call.answer(agent=agent, at=at)
    elif call.state == Call.State.ABANDONED:
        if at > call.ended_at:
            # Only after a close without the switch's hang-up (_check_order):
            # answered after the close, the caller is on the line now.
            call.answer_after_close(agent=agent, at=at)
        else:
            call.late_answer(agent=agent, at=at)
        _reopen_answer_deadline(call, at=at)
        callback = getattr(call, "callback", None)
        if callback is not None and callback.is_open:
            callback_close(callback, outcome=Callback.Outcome.ANSWERED_LATE, at=at, by=by,
                            note=_("The answer was reported after the hang-up: the call had been answered."))
    else:
        raise CALL_MACHINE.refuse(call, "answer")
    if later is not None:
        call.agent = later.agent
    if call.rang_at is not None:
        deadline_meet(subject=call, kinds=["answer"], at=at)
    callbacks_of_caller_close(call, at=at, by=by)


def _reopen_answer_deadline(call, *, at):
    """The answer deadline was cancelled when the call looked abandoned; it
    was met after all, at the answer's time."""
    ct = ContentType.objects.get_for_model(Call)
    Deadline.objects.filter(content_type=ct, object_id=call.pk, kind="answer", met_at__isnull=True) \
        .exclude(cancelled_at__isnull=True).update(met_at=at, cancelled_at=None, next_escalation_at=None)


def _on_hangup(call, *, at, by, closed_without_hang_up):
    if call.state == Call.State.RINGING:
        call.abandon(at=at)
        deadline_cancel_open(subject=call, kinds=["answer"], at=at)
    elif call.state == Call.State.ANSWERED:
        call.end(at=at)
    elif closed_without_hang_up:
        # Closed as abandoned before the switch reported the hang-up: the
        # call stays abandoned (its callback too), ended at the caller's time.
        call.ended_at = at
    # Ended by hand before the switch reported the hang-up: nothing to change.


def _on_transfer(call, *, at, agent) -> dict:
    before = call.agent if call.answered_at is not None else call.offered_to
    if _latest_transfer(call, after=at) is None:
        if call.answered_at is not None and at >= call.answered_at:
            call.agent = agent
        elif call.answered_at is None:
            call.offered_to = agent
    return {"from_agent": before.username if before else None, "to_agent": agent.username}


