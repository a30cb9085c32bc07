"""Writes on calls and callbacks, by concept: the switch's events
(`events`), the call center's own actions (`desk`), rings whose hang-up
never came (`stale`), callbacks (`callbacks`); the two state machines and
shared helpers (`machines`). Each write runs in one transaction and locks
the call (or callback) row."""

from .callbacks import callback_complete, callback_take
from .desk import call_end, call_hand_over, call_link, call_open_manual, inquiry_create
from .events import call_event_record
from .machines import CALL_MACHINE, CALLBACK_MACHINE
from .stale import call_close_ringing, calls_close_stale_rings

__all__ = [
    "CALLBACK_MACHINE", "CALL_MACHINE", "call_close_ringing", "call_end", "call_event_record", "call_hand_over",
    "call_link", "call_open_manual", "callback_complete", "callback_take", "calls_close_stale_rings",
    "inquiry_create",
]
