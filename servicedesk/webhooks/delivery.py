"""One attempt to deliver an outbox row: sign, POST, log, schedule the next.

Exactly what the contract promises: the body signed with HMAC-SHA256 keyed
with the secret's UTF-8 bytes; a non-2xx answer or a timeout (10 s) retried,
the first time within 60 s, then at growing intervals (with jitter, so a
receiver that comes back is not hit by every retry at once) for at least 24
hours; events of one object in order."""

import contextlib
import datetime
import hashlib
import hmac
import random
import time
import urllib.error
import urllib.request

from django.db import transaction
from django.utils import timezone

from .models import Attempt, Delivery
from .outbox import GIVE_UP_AFTER
from .urlcheck import UrlRefused, check_url

TIMEOUT_SECONDS = 10
FIRST_RETRY_SECONDS = 30
MAX_INTERVAL = datetime.timedelta(hours=4)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int) -> datetime.timedelta:
    """After the n-th failed attempt: 30 s doubling, at most 4 h, each drawn
    between half and all of it (full jitter on the upper half)."""
    base = min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_INTERVAL.total_seconds())
    return datetime.timedelta(seconds=random.uniform(base / 2, base))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (not 2xx), never followed: it could lead to an address the URL check refuses."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """(status, error): status None when no answer came (refused, timeout)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, repr(getattr(exc, "reason", exc))[:1000]


def attempt(pk: int, *, leased: bool = False) -> str:
    """Try the delivery `pk` once if it is due (or leased to this task by
    `lease_due`). Idempotent: the row lock (SKIP LOCKED) keeps two workers
    from sending it at once, and a delivered row is never sent again.
    Answers what happened."""
    now = timezone.now()
    horizon = now + LEASE + datetime.timedelta(seconds=5) if leased else now
    with transaction.atomic():
        row = (Delivery.objects.select_for_update(skip_locked=True, of=("self",)).select_related("webhook")
               .filter(pk=pk, state=Delivery.State.PENDING, next_attempt_at__lte=horizon).first())
        if row is None:
            return "skipped"
        hook = row.webhook
        if not hook.active:
            return "inactive"
        earlier = (Delivery.objects.filter(webhook_id=hook.pk, object_key=row.object_key, pk__lt=row.pk,
                                           state=Delivery.State.PENDING).order_by("pk").first())
        if earlier is not None:
            # In order per object: wait for the earlier event; its success queues this one.
            row.next_attempt_at = max(earlier.next_attempt_at or now, now) + datetime.timedelta(seconds=1)
            row.save(update_fields=["next_attempt_at"])
            return "waiting"
        body = row.body.encode("utf-8")
        started = time.monotonic()
        try:
            check_url(hook.url)
        except UrlRefused as exc:
            status, error = None, str(exc)
        else:
            status, error = post(hook.url, body, {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "servicedesk-webhooks/1",
                "X-Servicedesk-Event": row.event,
                "X-Servicedesk-Delivery": str(row.delivery_id),
                "X-Servicedesk-Signature": signature(hook.secret, body),
            })
        at = timezone.now()
        Attempt.objects.create(delivery=row, at=at, status_code=status, error=error,
                               duration_ms=int((time.monotonic() - started) * 1000))
        row.attempts += 1
        row.last_status = status
        row.last_error = error
        if status is not None and 200 <= status < 300:
            row.state = Delivery.State.DELIVERED
            row.delivered_at = at
            row.next_attempt_at = None
            outcome = "delivered"
        elif at >= row.give_up_at:
            row.state = Delivery.State.FAILED
            row.next_attempt_at = None
            outcome = "failed"
        else:
            row.next_attempt_at = at + retry_delay(row.attempts)
            outcome = "retry"
        row.save(update_fields=["attempts", "last_status", "last_error", "state", "delivered_at", "next_attempt_at"])
        if outcome == "delivered":
            _queue_next(hook.pk, row)
        elif outcome == "retry":
            _queue_retry(row)
    return outcome


def _queue_next(hook_id, row):
    following = (Delivery.objects.filter(webhook_id=hook_id, object_key=row.object_key, pk__gt=row.pk,
                                         state=Delivery.State.PENDING).order_by("pk").values_list("pk", flat=True)
                 .first())
    if following is not None:
        Delivery.objects.filter(pk=following).update(next_attempt_at=timezone.now())
        transaction.on_commit(lambda: _publish(following, None))


def _queue_retry(row):
    # A short wait is queued with a countdown; a longer one is left to the
    # periodic lease_due (a message held for hours would outlive the broker's
    # visibility timeout and come back early).
    countdown = max(0.0, (row.next_attempt_at - timezone.now()).total_seconds())
    if countdown <= 60:
        transaction.on_commit(lambda: _publish(row.pk, countdown))


def _publish(pk, countdown):
    from .tasks import deliver

    with contextlib.suppress(Exception):  # broker down: webhooks.deliver_due picks the row up
        deliver.apply_async(args=[pk], countdown=countdown)


def redeliver(row: Delivery) -> Delivery:
    """Send a delivery again (from the admin or the API): same id and body;
    a failed one gets a fresh 24 hours of retries."""
    with transaction.atomic():
        row = Delivery.objects.select_for_update().get(pk=row.pk)
        now = timezone.now()
        row.state = Delivery.State.PENDING
        row.next_attempt_at = now
        row.give_up_at = max(row.give_up_at, now + GIVE_UP_AFTER)
        row.save(update_fields=["state", "next_attempt_at", "give_up_at"])
        transaction.on_commit(lambda: _publish(row.pk, None))
    return row


#: how long a delivery handed to a task by lease_due is not handed out again
LEASE = datetime.timedelta(seconds=60)
#: a first attempt or short retry queued after its commit gets this long before lease_due steps in
GRACE = datetime.timedelta(seconds=5)


def lease_due(limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come, leased for LEASE so the next
    run does not hand them out again while a worker still has them queued:
    the retries after a minute, and the safety net for attempts whose
    message was lost (broker down, worker killed)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(Delivery.objects.select_for_update(skip_locked=True)
                   .filter(state=Delivery.State.PENDING, next_attempt_at__lte=now - GRACE, webhook__active=True)
                   .order_by("pk").values_list("pk", flat=True)[:limit])
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids
