"""Rings whose hang-up never came: closed as abandoned by the periodic task
(`calls.close_stale_rings`) or by a supervisor, like a hang-up before the
answer (a callback when there is a number to call back)."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.core.transitions import run_action
from servicedesk.deadlines.services import deadline_cancel_open

from ..models import Call
from ..selectors import ring_is_stale, stale_ringing
from .callbacks import callback_open
from .machines import CALL_MACHINE, iso, require_text

log = logging.getLogger(__name__)


def _stale_data(call) -> dict:
    return {"rang_at": iso(call.rang_at), "stale_seconds": settings.SERVICEDESK["CALL_RING_STALE_SECONDS"]}


def _abandon(call, *, by, action, note, data, check=None) -> Call:
    """The path of a hang-up before the answer (caller holds the row lock):
    abandoned now, the `answer` deadline cancelled (breached: the caller
    waited past the limit), the history row, and the callback when there is
    a number to call back."""
    def effects(call, at):
        deadline_cancel_open(subject=call, kinds=["answer"], at=at)
        if call.caller:
            callback_open(call, by=by)

    return run_action(CALL_MACHINE, pk=call.pk, obj=call, action=action, method="abandon", by=by, note=note,
                      data=data, check=check, effects=effects, stamp=True)


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
                _abandon(call, by=None, action="close-stale", data=_stale_data(call),
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
    reason = require_text(reason, "reason")

    def stale(call):
        if not ring_is_stale(call):
            raise CALL_MACHINE.refuse(call, "close")

    with transaction.atomic():
        call = CALL_MACHINE.lock(call_id, lookup="call_id")
        return _abandon(call, by=by, action="close", note=reason, data=_stale_data(call), check=stale)
