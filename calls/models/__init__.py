"""The call center's models: calls, their events and history, callbacks
(call.py); inquiries and what is filed from a call (contacts.py)."""

from .call import (
    ACTIONS,
    CALLBACK_ACTIONS,
    Call,
    Callback,
    CallEvent,
    CallTransition,
    actions_allowed_in,
    answer_limit,
    callback_actions_allowed_in,
    new_call_id,
)
from .contacts import CallLink, Inquiry

__all__ = [
    "answer_limit",
    "new_call_id",
    "Call",
    "ACTIONS",
    "actions_allowed_in",
    "CallEvent",
    "Callback",
    "CALLBACK_ACTIONS",
    "callback_actions_allowed_in",
    "CallTransition",
    "CallLink",
    "Inquiry",
]
