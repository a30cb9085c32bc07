"""Writing messages into the outbox: called by the work order's effects
(tickets.hooks, registered in messaging.apps) inside the action's
transaction, holding the order's row lock. The rows commit or roll back with
the action; their first attempt is queued after the commit, and a broker
that is down only delays it (messaging.send_due picks the rows up)."""

import logging
import re

from django.conf import settings
from django.db import transaction

from servicedesk.notifications.services import enqueue_after_commit

from . import texts
from .models import Message, OptOut

log = logging.getLogger(__name__)

_MOBILE = re.compile(r"1[3-9]\d{9}")


def _mobile_of(customer) -> str:
    """The customer's first mobile number (the primary one first), else the first number."""
    numbers = [p.number for p in customer.phones.all()]
    return next((n for n in numbers if _MOBILE.fullmatch(n)), numbers[0] if numbers else "")


def _opted_out(phone: str) -> set[str]:
    """The channels this number opted out of ("" = every channel)."""
    return set(OptOut.objects.filter(phone=phone).values_list("channel", flat=True))


def write(*, order, event: str, at) -> list[Message]:
    """One outbox row per configured channel for `event` of `order`.
    A customer who opted out gets the row, as opted out, never a message."""
    to = _mobile_of(order.customer)
    params = texts.params_for(order, event)
    text = texts.render(event, params)
    opted_out = _opted_out(to) if to else set()
    rows = []
    for channel in settings.SERVICEDESK_MESSAGE_CHANNELS:
        row = Message(order=order, channel=channel, event=event, to=to, text=text, params=params, created_at=at,
                      next_attempt_at=at)
        if "" in opted_out or channel in opted_out:
            row.status, row.next_attempt_at = Message.Status.OPTED_OUT, None
        elif not to:
            row.status, row.next_attempt_at, row.last_error = Message.Status.FAILED, None, "no phone number"
        rows.append(row)
    Message.objects.bulk_create(rows)
    from .tasks import send  # the task module imports the sender, which imports the models

    for row in rows:
        if row.status == Message.Status.PENDING:
            enqueue_after_commit(send, row.pk)
    return rows


def _effect(event):
    def effect(order, at, by, extra):
        # A message that cannot even be written must not fail the action:
        # its savepoint rolls back alone, and the log says why.
        try:
            with transaction.atomic():
                write(order=order, event=event, at=at)
        except Exception:  # noqa: BLE001 - the action matters more than its message
            log.exception("the %s message of order %s could not be written", event, order.pk)

    effect.__name__ = f"message_{event}"
    return effect


# The work order's actions and the events the customer hears of (contract:
# Messages to the customer).
EFFECTS = {
    "dispatch": _effect("dispatched"),
    "schedule": _effect("scheduled"),
    "take-back": _effect("taken_back"),
    "sign-off": _effect("signed_off"),
}
