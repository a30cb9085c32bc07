"""Sending one outbox row: claim, send, record.

At least once, with a claim: the sender takes the row under SELECT ... FOR
UPDATE SKIP LOCKED and marks it `sending` until `claimed_until` (committed
before the provider is called, so no transaction stays open over the
network). Nobody else sends a claimed row; a worker killed mid-send leaves
the claim to expire, and `lease_due` puts the row back to be sent again. The
provider may then get the message twice (a send whose answer was lost): the
same OutId (our row id) both times. A failed send is retried with a growing
delay, and never reaches the action that wrote the row."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .backends import Outgoing, SendFailed, backend_for
from .models import Message

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
MAX_RETRY = datetime.timedelta(hours=1)
#: how long a row handed to a task by lease_due is not handed out again
LEASE = datetime.timedelta(seconds=60)


def claim_for() -> datetime.timedelta:
    """Longer than the slowest send (the providers' timeouts are 10 s)."""
    return datetime.timedelta(seconds=settings.SERVICEDESK_MESSAGE_CLAIM_SECONDS)


def retry_delay(attempts: int) -> datetime.timedelta:
    return min(datetime.timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (attempts - 1)), MAX_RETRY)


def claim(pk: int, *, leased: bool = False) -> Message | None:
    now = timezone.now()
    horizon = now + LEASE + datetime.timedelta(seconds=5) if leased else now
    with transaction.atomic():
        row = (Message.objects.select_for_update(skip_locked=True)
               .filter(pk=pk, status=Message.Status.PENDING, next_attempt_at__lte=horizon).first())
        if row is None:
            return None
        if row.attempts >= MAX_ATTEMPTS:
            # Its senders kept dying mid-send (a claim expired each time): give up rather than loop.
            row.status, row.next_attempt_at = Message.Status.FAILED, None
            row.last_error = f"given up after {row.attempts} attempts; {row.last_error}"[:1000]
            row.save(update_fields=["status", "next_attempt_at", "last_error"])
            return None
        row.status = Message.Status.SENDING
        row.claimed_until = now + claim_for()
        row.attempts += 1
        row.save(update_fields=["status", "claimed_until", "attempts"])
    return row


def send(pk: int, *, leased: bool = False) -> str:
    """Try the message `pk` once if it is due; answers what happened."""
    row = claim(pk, leased=leased)
    if row is None:
        return "skipped"
    outgoing = Outgoing(channel=row.channel, event=row.event, to=row.to, text=row.text, params=row.params,
                        reference=str(row.pk))
    try:
        provider_id = backend_for(row.channel).send(outgoing)
    except SendFailed as exc:
        return _failed(row, exc.error, permanent=exc.permanent)
    except Exception as exc:  # noqa: BLE001 - a backend's bug must not lose the message: retried, logged
        log.exception("the %s backend failed on message %s", row.channel, row.pk)
        return _failed(row, repr(exc)[:1000], permanent=False)
    Message.objects.filter(pk=row.pk).update(status=Message.Status.SENT, sent_at=timezone.now(),
                                             provider_id=(provider_id or "")[:100], claimed_until=None,
                                             next_attempt_at=None, last_error="")
    return "sent"


def _failed(row, error, *, permanent):
    give_up = permanent or row.attempts >= MAX_ATTEMPTS
    values = {"last_error": error, "claimed_until": None}
    if give_up:
        values.update(status=Message.Status.FAILED, next_attempt_at=None)
    else:
        values.update(status=Message.Status.PENDING, next_attempt_at=timezone.now() + retry_delay(row.attempts))
    # Only while the claim is still ours: a sender that outlived its claim does not undo the next one's work.
    Message.objects.filter(pk=row.pk, status=Message.Status.SENDING, attempts=row.attempts).update(**values)
    return "failed" if give_up else "retry"


def lease_due(limit: int = 500) -> list[int]:
    """The rows to send now: pending ones whose time has come (retries, first
    attempts whose queueing was lost) and claimed ones whose claim expired
    (the worker died mid-send), leased for LEASE so the next run does not
    hand them out again while a worker still has them queued."""
    now = timezone.now()
    with transaction.atomic():
        rows = (Message.objects.select_for_update(skip_locked=True)
                .filter(Q(status=Message.Status.PENDING, next_attempt_at__lte=now)
                        | Q(status=Message.Status.SENDING, claimed_until__lte=now))
                .order_by("pk").values_list("pk", flat=True)[:limit])
        ids = list(rows)
        Message.objects.filter(pk__in=ids).update(status=Message.Status.PENDING, next_attempt_at=now + LEASE,
                                                  claimed_until=None)
    return ids
