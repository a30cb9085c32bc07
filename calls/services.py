"""Writes on calls and callbacks. Each function runs in one transaction and
locks the call (or callback) row; the switch's events are idempotent per
call and event and may arrive in any order (api-contract.md, Calls)."""

import datetime
import logging
import re

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from servicedesk.core.phone import is_valid_phone, normalize_phone
from servicedesk.customers.services import customer_find_by_phone
from servicedesk.deadlines.models import Deadline
from servicedesk.deadlines.services import (
    deadline_cancel_open, deadline_meet, deadline_start, ladder_for, next_step_at, open_deadlines, policy_for,
)
from servicedesk.notifications.services import notifications_create

from .models import (
    Call, CallEvent, CallLink, CallTransition, Callback, Inquiry, actions_allowed_in, answer_limit,
    callback_actions_allowed_in,
)
from .selectors import (
    HAND_OVER_ROLES, actions_possible, ring_is_stale, stale_ringing, user_may_post_events, user_may_take,
    user_may_take_callback,
)

log = logging.getLogger(__name__)

Event = CallEvent.Event


def _record(*, call, action, from_state, by, at, note="", data=None, callback=None, to_state=None):
    return CallTransition.objects.create(
        call=call, callback=callback, action=action, from_state=from_state,
        to_state=to_state if to_state is not None else (callback.state if callback else call.state),
        by=by, at=at, note=note or "", data=data or {},
    )


def _iso(at):
    return timezone.localtime(at).isoformat() if at else None


CALL_ID_RE = re.compile(r"[^/\s]{1,100}")


def _clean_phone(raw, field="caller") -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    number = normalize_phone(raw)
    if not is_valid_phone(number):
        raise ValidationFailed(_("Not a valid phone number."), field=field)
    return number


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
        raise PermissionDenied(_("Only the telephone switch reports call events."))
    call_id = (call_id or "").strip()
    if not call_id:
        raise ValidationFailed(_("This field is required."), field="call_id")
    # the id is part of the call's URL (/api/v1/calls/<call_id>/): no slash, no blank, the column's length
    if not CALL_ID_RE.fullmatch(call_id):
        raise ValidationFailed(_("A call id is 1 to 100 characters without slashes or spaces."), field="call_id")
    if event not in Event.values:
        raise ValidationFailed(_("Unknown event “%(event)s”.") % {"event": event}, field="event")
    if at is None or timezone.is_naive(at):
        raise ValidationFailed(_("Timestamp must include a UTC offset."), field="at")
    # the switch's caller id may be "anonymous", "unknown" or a withheld number:
    # never lose the event for it; the raw value stays in the event's payload
    try:
        number = _clean_phone(caller)
    except ValidationFailed:
        number = ""
    if event in (Event.ANSWER, Event.TRANSFER) and agent is None:
        raise ValidationFailed(_("Name the agent (username) who took the call."), field="agent")
    if agent is not None and not agent.has_role(*HAND_OVER_ROLES):
        raise ValidationFailed(_("“%(name)s” is not a call-center agent.") % {"name": agent.username}, field="agent")
    if event == Event.TRANSFER:
        key = f"transfer@{at.astimezone(datetime.UTC).isoformat()}@{agent.pk}"
    else:
        key = event

    with transaction.atomic():
        call, _created = _locked_call(call_id, by=by)
        if call.channel != Call.Channel.PHONE:
            raise ValidationFailed(_("This call was opened by hand, not reported by the switch."), field="call_id")
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
        note, data = "", {"at": _iso(at)}
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
        _record(call=call, action=event, from_state=from_state, by=by, at=timezone.now(), note=note, data=data)
        # No caller number (withheld, "anonymous"): nobody can call back, so no
        # callback is opened; a ring reported later with the number opens it.
        if (call.state == Call.State.ABANDONED and call.caller and not hasattr(call, "callback")
                and (from_state != Call.State.ABANDONED or event == Event.RING)):
            _open_callback(call, by=by)
        elif event == Event.RING and hasattr(call, "callback"):
            _cap_callback(call.callback, call)
    return call, True


def _check_order(call, event, at, *, ended_known=True):
    """Times that contradict what is known are refused (400 on `at`). An
    `ended_at` the switch did not report (ended_known False) refuses
    nothing: the caller may still have been on the line then."""
    def refuse(message):
        raise ValidationFailed(message, field="at")

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
            _close_callback(callback, outcome=Callback.Outcome.ANSWERED_LATE, at=at, by=by,
                            note=_("The answer was reported after the hang-up: the call had been answered."))
    else:
        raise InvalidTransition(action="answer", state=call.state, state_label=call.get_state_display(), allowed=[])
    if later is not None:
        call.agent = later.agent
    if call.rang_at is not None:
        deadline_meet(subject=call, kinds=["answer"], at=at)
    _close_callbacks_of_caller(call, at=at, by=by)


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


def _abandon(call, *, at, by, action, note, data):
    """The path of a hang-up before the answer (caller holds the row lock,
    the call is ringing): abandoned at `at`, the `answer` deadline cancelled
    (breached: the caller waited past the limit), the history row, and the
    callback when there is a number to call back."""
    from_state = call.state
    call.abandon(at=at)
    deadline_cancel_open(subject=call, kinds=["answer"], at=at)
    call.save()
    _record(call=call, action=action, from_state=from_state, by=by, at=at, note=note, data=data)
    if call.caller:
        _open_callback(call, by=by)


def _on_transfer(call, *, at, agent) -> dict:
    before = call.agent if call.answered_at is not None else call.offered_to
    if _latest_transfer(call, after=at) is None:
        if call.answered_at is not None and at >= call.answered_at:
            call.agent = agent
        elif call.answered_at is None:
            call.offered_to = agent
    return {"from_agent": before.username if before else None, "to_agent": agent.username}


def _close_callbacks_of_caller(call, *, at, by):
    """The customer called again and was answered: their waiting callbacks
    from earlier abandoned calls are done (the deadline met at the answer)."""
    if not call.caller:
        return
    waiting = (Callback.objects.select_for_update(of=("self",)).select_related("call")
               .filter(state__in=Callback.OPEN_STATES, call__caller=call.caller, created_at__lte=at)
               .exclude(call=call))
    for callback in waiting:
        _close_callback(callback, outcome=Callback.Outcome.CALLED_AGAIN, at=at, by=by,
                        note=_("The customer called again and was answered (call %(id)s).") % {"id": call.call_id})


def _close_callback(callback, *, outcome, at, by, note):
    from_state = callback.state
    callback.cancel(outcome=outcome, note_text=note, at=at)
    callback.save()
    if outcome == Callback.Outcome.ANSWERED_LATE:
        deadline_cancel_open(subject=callback, at=at)
    else:
        deadline_meet(subject=callback, kinds=["callback"], at=at)
    _record(call=callback.call, callback=callback, action="callback-cancel", from_state=from_state, by=by,
            at=timezone.now(), note=note, data={"outcome": outcome})


def _callback_cap(call) -> datetime.datetime:
    """seeds/003: every request is answered within 24 hours of the call."""
    base = call.rang_at or call.ended_at
    return base + datetime.timedelta(hours=settings.SERVICEDESK["CALL_RESPONSE_HOURS"])


def _open_callback(call, *, by):
    """An abandoned call opens one callback with its `callback` deadline: the
    policy's length (2 hours seeded), never beyond the 24-hour rule."""
    callback = Callback.objects.create(call=call, created_at=call.ended_at)
    start = call.ended_at
    policy = policy_for(subject=callback, kind="callback", attributes={})
    cap = _callback_cap(call)
    due = policy.due_from(start) if policy is not None else cap
    deadline_start(subject=callback, kind="callback", start=start, due_at=cap if due > cap else None)
    _record(call=call, callback=callback, action="callback-open", from_state="", by=by, at=timezone.now(),
            data={"due_at": _iso(min(due, cap))})
    # Closed late (a lost hang-up closed minutes after the ring, an event that
    # arrived late): the caller may have redialled and been answered since
    # the ring. That answer closed the callbacks waiting then, not this one,
    # which did not exist yet: close it the same way.
    since = call.rang_at or call.ended_at
    again = (Call.objects.filter(caller=call.caller, answered_at__gte=since).exclude(pk=call.pk)
             .order_by("answered_at", "id").first())
    if again is not None:
        _close_callback(callback, outcome=Callback.Outcome.CALLED_AGAIN, at=max(again.answered_at, start), by=by,
                        note=_("The customer called again and was answered (call %(id)s).") % {"id": again.call_id})
    return callback


def _cap_callback(callback, call):
    """The ring arrived after the hang-up: the 24-hour cap counts from it."""
    cap = _callback_cap(call)
    for deadline in open_deadlines(callback, ["callback"]).select_for_update(of=("self",)).select_related("policy"):
        if deadline.due_at > cap:
            deadline.due_at = cap
            deadline.due_promised = True
            deadline.next_escalation_at = next_step_at(deadline, ladder_for(deadline.policy))
            deadline.save(update_fields=["due_at", "due_promised", "next_escalation_at"])


# --- the call center's actions --------------------------------------------------------


def _lock(call_id) -> Call:
    call = Call.objects.select_for_update().filter(call_id=call_id).first()
    if call is None:
        raise NotFound(_("No such call."))
    return call


def _require_text(value, field):
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(_("This field may not be blank."), field=field)
    return value


def call_open_manual(*, channel, caller="", by, customer=None, note="") -> Call:
    """A walk-in, WeChat message or e-mail taken by `by`: answered at once,
    owned by them; no answer deadline (the 3-ring rule is for the phone)."""
    from .selectors import ACTION_RULES

    if not by.has_role(*ACTION_RULES["open"]["roles"]):
        raise PermissionDenied(_("Your role may not open calls."))
    if channel not in Call.Channel.values or channel == Call.Channel.PHONE:
        raise ValidationFailed(_("Phone calls are reported by the switch; choose walk-in, WeChat or e-mail."),
                               field="channel")
    number = _clean_phone(caller)
    now = timezone.now()
    with transaction.atomic():
        call = Call.objects.create(
            channel=channel, caller=number, customer=customer or (customer_find_by_phone(number) if number else None),
            rang_at=now, created_by=by, note=(note or "").strip(),
        )
        call.answer(agent=by, at=now)
        call.save()
        _record(call=call, action="open", from_state=Call.State.RINGING, by=by, at=now, data={"channel": channel})
    return call


def call_end(*, call_id, by, note="") -> Call:
    """End a call by hand (a walk-in left, or the switch lost the hang-up)."""
    with transaction.atomic():
        call = _lock(call_id)
        if not user_may_take(by, call, "end"):
            raise PermissionDenied(_("Only the agent on the call or a supervisor may end it."))
        if call.state != Call.State.ANSWERED:
            raise InvalidTransition(action="end", state=call.state, state_label=call.get_state_display(),
                                    allowed=actions_possible(call))
        from_state = call.state
        now = timezone.now()
        call.end(at=now)
        call.save()
        _record(call=call, action="end", from_state=from_state, by=by, at=now, note=note)
    return call


# --- rings whose hang-up never came ----------------------------------------------------


def _stale_data(call) -> dict:
    return {"rang_at": _iso(call.rang_at), "stale_seconds": settings.SERVICEDESK["CALL_RING_STALE_SECONDS"]}


def calls_close_stale_rings(*, now=None, batch_size=500) -> int:
    """Close as abandoned every call still ringing CALL_RING_STALE_SECONDS
    after its ring: the switch lost the hang-up (the periodic task
    `calls.close_stale_rings`). By nobody (by=None, the system). Each call in
    its own transaction, taken with SKIP LOCKED and the condition checked
    again under the lock: two runs at once close each call once, and a call
    a switch event is writing is left to it (the next run sees it again if
    it is still ringing). Returns how many calls this run closed."""
    seconds = settings.SERVICEDESK["CALL_RING_STALE_SECONDS"]
    ids = list(stale_ringing(now).order_by("rang_at", "id").values_list("pk", flat=True)[:batch_size])
    closed = 0
    for pk in ids:
        try:
            with transaction.atomic():
                call = stale_ringing(now).select_for_update(skip_locked=True).filter(pk=pk).first()
                if call is None:
                    continue
                _abandon(call, at=timezone.now(), by=None, action="close-stale", data=_stale_data(call),
                         note=_("No hang-up received from the switch within %(seconds)d s of the ring: closed as "
                                "abandoned.") % {"seconds": seconds})
        except Exception:  # noqa: BLE001 - one call that fails must not keep the others ringing forever
            log.exception("closing the stale ring of call %s failed; the next run tries again", pk)
            continue
        closed += 1
    return closed


def call_close_ringing(*, call_id, reason, by) -> Call:
    """A supervisor closes a ring whose hang-up never came, with the reason:
    abandoned, like a hang-up before the answer (callback when there is a
    number). Only past CALL_RING_STALE_SECONDS: before that the caller may
    still be on the line (409)."""
    reason = _require_text(reason, "reason")
    with transaction.atomic():
        call = _lock(call_id)
        if not user_may_take(by, call, "close"):
            raise PermissionDenied(_("Only a supervisor may close a call that is still ringing."))
        if not ring_is_stale(call):
            raise InvalidTransition(action="close", state=call.state, state_label=call.get_state_display(),
                                    allowed=actions_possible(call))
        _abandon(call, at=timezone.now(), by=by, action="close", note=reason, data=_stale_data(call))
    return call


def call_hand_over(*, call_id, to, note, by) -> Call:
    """First-question responsibility (seeds/000): the owner keeps the
    question until they hand it over explicitly, with a note, to another
    agent or supervisor. Recorded in the history; the new owner is told."""
    note = _require_text(note, "note")
    with transaction.atomic():
        call = _lock(call_id)
        if not user_may_take(by, call, "hand-over"):
            raise PermissionDenied(_("Only the owner of the call or a supervisor may hand it over."))
        if "hand-over" not in actions_allowed_in(call.state):
            raise InvalidTransition(action="hand-over", state=call.state, state_label=call.get_state_display(),
                                    allowed=actions_possible(call))
        if to is None or not to.is_active or not to.has_role(*HAND_OVER_ROLES):
            raise ValidationFailed(_("Hand over to an active agent or supervisor."), field="to")
        if to.pk == call.owner_id:
            raise ValidationFailed(_("This person already owns the call."), field="to")
        previous = call.owner
        now = timezone.now()
        call.hand_over(to=to)
        call.save()
        _record(call=call, action="hand-over", from_state=call.state, by=by, at=now, note=note,
                data={"from": previous.username if previous else None, "to": to.username})
        notifications_create(
            recipients=[to], title=_("Call %(id)s was handed over to you") % {"id": call.call_id[:12]},
            body=note, url=call.get_absolute_url(),
        )
    return call


def call_link(*, call, subject, by) -> CallLink:
    """Record that `subject` (a work order, complaint or inquiry) was filed
    from the call: it shows the call's owner. Idempotent."""
    call_id = call.call_id if isinstance(call, Call) else call
    with transaction.atomic():
        call = _lock(call_id)
        if not user_may_take(by, call, "link"):
            raise PermissionDenied(_("Only the agent on the call or a supervisor may file things from it."))
        ct = ContentType.objects.get_for_model(subject)
        link, created = CallLink.objects.get_or_create(
            call=call, content_type=ct, object_id=subject.pk, defaults={"by": by, "at": timezone.now()},
        )
        if created:
            _record(call=call, action="link", from_state=call.state, by=by, at=link.at,
                    data={"type": subject._meta.label_lower, "id": subject.pk, "label": str(subject)})
    return link


def inquiry_create(*, text, by, call=None, customer=None, answer="") -> Inquiry:
    from .selectors import ACTION_RULES

    if not by.has_role(*ACTION_RULES["inquiry"]["roles"]):
        raise PermissionDenied(_("Your role may not record inquiries."))
    text = _require_text(text, "text")
    with transaction.atomic():
        if call is not None and customer is None:
            customer = call.customer
        inquiry = Inquiry.objects.create(call=call, customer=customer, text=text, answer=(answer or "").strip(), by=by)
        if call is not None:
            call_link(call=call, subject=inquiry, by=by)
    return inquiry


# --- callbacks ------------------------------------------------------------------------


def _lock_callback(callback_id) -> Callback:
    callback = Callback.objects.select_for_update(of=("self",)).select_related("call").filter(pk=callback_id).first()
    if callback is None:
        raise NotFound(_("No such callback."))
    return callback


def _callback_invalid(callback, action):
    return InvalidTransition(action=action, state=callback.state, state_label=callback.get_state_display(),
                             allowed=callback_actions_allowed_in(callback.state))


def callback_take(*, callback_id, by, note="") -> Callback:
    with transaction.atomic():
        callback = _lock_callback(callback_id)
        if not user_may_take_callback(by, callback, "take"):
            raise PermissionDenied(_("Your role may not take callbacks."))
        if callback.state != Callback.State.OPEN:
            raise _callback_invalid(callback, "take")
        from_state = callback.state
        now = timezone.now()
        callback.take(by=by, at=now)
        callback.save()
        _record(call=callback.call, callback=callback, action="callback-take", from_state=from_state, by=by, at=now,
                note=note)
    return callback


def callback_complete(*, callback_id, reached: bool, note, by) -> Callback:
    """One attempt to call the customer back. The first attempt meets the
    `callback` deadline (the call center called back in time). Reached: done.
    Not reached: tried again later, until CALLBACK_MAX_ATTEMPTS, then done as
    not reached."""
    note = _require_text(note, "note")
    with transaction.atomic():
        callback = _lock_callback(callback_id)
        if callback.state != Callback.State.TAKEN:  # take it first (409 says so)
            raise _callback_invalid(callback, "complete")
        if not user_may_take_callback(by, callback, "complete"):
            raise PermissionDenied(_("Only the agent who took the callback or a supervisor may record it."))
        from_state = callback.state
        now = timezone.now()
        deadline_meet(subject=callback, kinds=["callback"], at=now)
        if reached:
            callback.complete(outcome=Callback.Outcome.REACHED, note_text=note, at=now)
            action = "callback-done"
        elif callback.attempts + 1 >= settings.SERVICEDESK["CALLBACK_MAX_ATTEMPTS"]:
            callback.complete(outcome=Callback.Outcome.NOT_REACHED, note_text=note, at=now)
            action = "callback-done"
        else:
            callback.attempt(note_text=note)
            action = "callback-attempt"
        callback.save()
        _record(call=callback.call, callback=callback, action=action, from_state=from_state, by=by, at=now, note=note,
                data={"reached": bool(reached), "attempts": callback.attempts})
    return callback
