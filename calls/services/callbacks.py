"""Callbacks of abandoned calls (issue 5; issue 13 item 7): opened by the
switch's events, one open callback per number, taken and completed by the
call center through the transition runner, closed when the customer called
again and was answered."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.transitions import run_action
from servicedesk.deadlines.services import (
    deadline_cancel_open,
    deadline_meet,
    deadline_start,
    ladder_for,
    next_step_at,
    open_deadlines,
    policy_for,
)

from ..models import Call, Callback
from .machines import CALLBACK_MACHINE, iso, require_text


def callback_take(*, callback_id, by, note="") -> Callback:
    return run_action(CALLBACK_MACHINE, pk=callback_id, action="take", by=by, note=note, stamp=True,
                      kwargs={"by": by})


def callback_complete(*, callback_id, reached: bool, note, by) -> Callback:
    """One attempt to call the customer back. The first attempt meets the
    `callback` deadline (the call center called back in time). Reached: done.
    Not reached: tried again later, until CALLBACK_MAX_ATTEMPTS, then done as
    not reached (Callback.complete)."""
    note = require_text(note, "note")
    return run_action(
        CALLBACK_MACHINE, pk=callback_id, action="complete", by=by, note=note, stamp=True,
        kwargs={"reached": bool(reached), "note_text": note,
                "max_attempts": settings.SERVICEDESK["CALLBACK_MAX_ATTEMPTS"]},
        data=lambda callback: {"reached": bool(reached), "attempts": callback.attempts},
        effects=lambda callback, at: deadline_meet(subject=callback, kinds=["callback"], at=at),
    )


def callback_close(callback, *, outcome, at, by, note):
    """The switch's events made the callback needless (caller holds its row
    lock): the customer called again and was answered, or the call had been
    answered after all. `at` is the event's time; the runner's own stamps the
    history row."""
    def effects(callback, _at):
        if outcome == Callback.Outcome.ANSWERED_LATE:
            deadline_cancel_open(subject=callback, at=at)
        else:
            deadline_meet(subject=callback, kinds=["callback"], at=at)

    return run_action(
        CALLBACK_MACHINE, pk=callback.pk, obj=callback, action="cancel", method="cancel", by=by, note=note,
        data={"outcome": outcome}, effects=effects, kwargs={"outcome": outcome, "note_text": note, "at": at},
    )


def callbacks_of_caller_close(call, *, at, by):
    """The customer called again and was answered: their waiting callbacks
    from earlier abandoned calls are done (the deadline met at the answer)."""
    if not call.caller:
        return
    waiting = (Callback.objects.select_for_update(of=("self",)).select_related("call")
               .filter(state__in=Callback.OPEN_STATES, call__caller=call.caller, created_at__lte=at)
               .exclude(call=call))
    for callback in waiting:
        callback_close(callback, outcome=Callback.Outcome.CALLED_AGAIN, at=at, by=by,
                       note=_("The customer called again and was answered (call %(id)s).") % {"id": call.call_id})


def _callback_cap(call) -> datetime.datetime:
    """seeds/003: every request is answered within 24 hours of the call."""
    base = call.rang_at or call.ended_at
    return base + datetime.timedelta(hours=settings.SERVICEDESK["CALL_RESPONSE_HOURS"])


def _open_callback_of(number):
    return (Callback.objects.select_for_update(of=("self",)).select_related("call")
            .filter(number=number, state__in=Callback.OPEN_STATES).first())


def callback_open(call, *, by):
    """An abandoned call (caller holds its row lock; it has a number) opens
    one callback with its `callback` deadline: the policy's length (2 hours
    seeded), never beyond the 24-hour rule. When its number already has an
    open callback the call joins that one instead (issue 13 item 7): the
    partial unique index `callback_open_per_number` holds the rule, so of two
    abandoned calls from one number at once, one inserts and the other waits
    for it, fails, and joins it."""
    # Twice at most: the open callback that made the insert fail may have
    # been closed before it could be joined (then the insert succeeds).
    for _attempt in range(2):
        existing = _open_callback_of(call.caller)
        if existing is not None:
            return _join(existing, call, by=by)
        try:
            with transaction.atomic():
                callback = Callback.objects.create(call=call, number=call.caller, created_at=call.ended_at)
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError(f"no open callback to join for call {call.call_id}, and none could be opened")
    start = call.ended_at
    policy = policy_for(subject=callback, kind="callback", attributes={})
    cap = _callback_cap(call)
    due = policy.due_from(start) if policy is not None else cap
    deadline_start(subject=callback, kind="callback", start=start, due_at=cap if due > cap else None)
    CALLBACK_MACHINE.record(obj=callback, action="open", from_state="", by=by, at=timezone.now(),
                            data={"due_at": iso(min(due, cap))})
    # Closed late (a lost hang-up closed minutes after the ring, an event that
    # arrived late): the caller may have redialled and been answered since
    # the ring. That answer closed the callbacks waiting then, not this one,
    # which did not exist yet: close it the same way.
    since = call.rang_at or call.ended_at
    again = (Call.objects.filter(caller=call.caller, answered_at__gte=since).exclude(pk=call.pk)
             .order_by("answered_at", "id").first())
    if again is not None:
        callback_close(callback, outcome=Callback.Outcome.CALLED_AGAIN, at=max(again.answered_at, start), by=by,
                       note=_("The customer called again and was answered (call %(id)s).") % {"id": again.call_id})
    return callback


def _join(callback, call, *, by):
    """Add the abandoned `call` to its number's open `callback` (locked):
    one more missed call on it, and a history row on the call linking the
    two. The callback's deadline stays the earlier call's, the stricter."""
    callback.missed_calls += 1
    callback.save(update_fields=["missed_calls"])
    call.joined_callback = callback
    call.save(update_fields=["joined_callback"])
    CALLBACK_MACHINE.record(obj=callback, call=call, action="add", from_state=callback.state, by=by,
                            at=timezone.now(), data={"call_id": callback.call.call_id,
                                                     "missed_calls": callback.missed_calls})
    return callback


def callback_cap_from_ring(callback, call):
    """The ring arrived after the hang-up: the 24-hour cap counts from it."""
    cap = _callback_cap(call)
    for deadline in open_deadlines(callback, ["callback"]).select_for_update(of=("self",)).select_related("policy"):
        if deadline.due_at > cap:
            deadline.due_at = cap
            deadline.due_promised = True
            deadline.next_escalation_at = next_step_at(deadline, ladder_for(deadline.policy))
            deadline.save(update_fields=["due_at", "due_promised", "next_escalation_at"])
