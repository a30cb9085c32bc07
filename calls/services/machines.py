"""The two state machines of the call center as the transition runner
(servicedesk.core.transitions) reaches them, and the small helpers every
calls service shares. A call and its callback write their history to the one
table, `CallTransition`: a callback's rows carry the call too, and their
action names say they are the callback's (`callback-take`, ...)."""

import dataclasses
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.errors import InvalidTransition, NotFound, ValidationFailed
from servicedesk.core.phone import is_valid_phone, normalize_phone
from servicedesk.core.transitions import Machine

from ..models import (
    ACTIONS,
    CALLBACK_ACTIONS,
    Call,
    Callback,
    CallTransition,
    actions_allowed_in,
    callback_actions_allowed_in,
)
from ..selectors import actions_possible, user_may_take, user_may_take_callback


@dataclasses.dataclass(frozen=True)
class CallMachine(Machine):
    """A call's 409 lists what the call allows now (`close` only once the
    ring is stale: selectors.actions_possible), and an unknown call id is a
    404 with its own code."""

    def refuse(self, obj, action) -> InvalidTransition:
        return InvalidTransition(action=action, state=obj.state, state_label=obj.get_state_display(),
                                 allowed=actions_possible(obj))

    def lock(self, pk, *, lookup: str = "pk"):
        call = Call.objects.select_for_update(of=("self",)).filter(**{lookup: pk}).first()
        if call is None:
            raise NotFound(_("No such call."), code="call_not_found")
        return call


#: the callback's history names for the actions of its machine
CALLBACK_HISTORY = {"take": "callback-take", "cancel": "callback-cancel", "open": "callback-open",
                    "add": "callback-add"}


@dataclasses.dataclass(frozen=True)
class CallbackMachine(Machine):
    """A callback's history row belongs to its call as well (the call page
    shows both); `complete` is recorded as an attempt while the callback
    stays taken and as done once it is closed."""

    def lock(self, pk, *, lookup: str = "pk"):
        callback = (Callback.objects.select_for_update(of=("self",)).select_related("call")
                    .filter(**{lookup: pk}).first())
        if callback is None:
            raise NotFound(_("No such callback."), code="callback_not_found")
        return callback

    def record(self, *, obj, action, **kwargs):
        if action == "complete":
            name = "callback-done" if obj.state == Callback.State.DONE else "callback-attempt"
        else:
            name = CALLBACK_HISTORY.get(action, action)
        return super().record(obj=obj, action=name, call=kwargs.pop("call", None) or obj.call, **kwargs)


def _may_take_call(user, call, action) -> bool:
    # by=None is the system: only the periodic close of stale rings acts without a person.
    if user is None:
        return action == "close-stale"
    return user_may_take(user, call, action)


def _may_take_callback(user, callback, action) -> bool:
    # "cancel" is no one's to ask for: the switch's events close a needless
    # callback (the customer called again, or had been answered after all).
    if action == "cancel":
        return True
    return user_may_take_callback(user, callback, action)


def _call_denied(action):
    return {
        "end": _("Only the agent on the call or a supervisor may end it."),
        "hand-over": _("Only the owner of the call or a supervisor may hand it over."),
        "close": _("Only a supervisor may close a call that is still ringing."),
        "link": _("Only the agent on the call or a supervisor may file things from it."),
    }.get(action)


def _callback_denied(action):
    return {
        "take": _("Your role may not take callbacks."),
        "complete": _("Only the agent who took the callback or a supervisor may record it."),
    }.get(action)


CALL_MACHINE = CallMachine(
    model=Call, history=CallTransition, history_fk="call", actions=ACTIONS, may_take=_may_take_call,
    allowed_in=actions_allowed_in,
    # Who may act is asked before the state: a stranger learns nothing of the call's state.
    state_first=False,
    # The only action that keeps the state is hand-over: the question stays the
    # owner's while the call is answered and after it ended (Call.hand_over).
    is_open=lambda call: "hand-over" in actions_allowed_in(call.state),
    denied_message=_call_denied,
)

CALLBACK_MACHINE = CallbackMachine(
    model=Callback, history=CallTransition, history_fk="callback", actions=CALLBACK_ACTIONS,
    may_take=_may_take_callback, allowed_in=callback_actions_allowed_in,
    # "complete" before "take" is a 409 that says take it first, whoever asks.
    state_first=True, is_open=lambda callback: callback.is_open, denied_message=_callback_denied,
)


# --- shared input helpers ----------------------------------------------------------------

CALL_ID_RE = re.compile(r"[^/\s]{1,100}")


def iso(at):
    return timezone.localtime(at).isoformat() if at else None


def clean_phone(raw, field="caller") -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    number = normalize_phone(raw)
    if not is_valid_phone(number):
        raise ValidationFailed(_("Not a valid phone number."), field=field, code="phone_invalid")
    return number


def require_text(value, field):
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(_("This field may not be blank."), field=field, code="blank")
    return value
