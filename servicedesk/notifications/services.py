"""Writing notifications. Callers are inside their own transaction; delivery
is queued after commit and never breaks the caller if the broker is down."""

import logging

from django.db import transaction

from .models import EmailDelivery, Notification

log = logging.getLogger(__name__)


# One try, no reconnect loop, and a bound on a broker that accepts the
# connection but never answers: a web request that queues e-mail must not
# wait on the broker (with the defaults a refused connection costs 2 s per
# task and a hung Redis blocks the request forever). A row whose queueing
# failed stays pending; redeliver_pending queues it again later.
PUBLISH_TRANSPORT_OPTIONS = {"max_retries": 0, "socket_timeout": 3}


def enqueue_after_commit(task, *args):
    """Queue a task after commit. A broker that is down must not turn the
    caller's committed work into a 500, nor hold it up: the periodic
    redelivery picks the work up."""

    def send():
        try:
            with task.app.connection_for_write(transport_options=PUBLISH_TRANSPORT_OPTIONS) as conn:
                task.apply_async(args=args, retry=False, connection=conn)
        except Exception:  # noqa: BLE001 - any broker failure; the row stays pending
            log.warning("could not queue %s%s; it stays pending for redelivery", task.name, args, exc_info=True)

    transaction.on_commit(send)


def notifications_create(*, recipients, title, body="", url="", escalation=None) -> list[Notification]:
    """One inbox entry per recipient, an e-mail row for each with an address,
    and one delivery task for them all after commit (one broker round trip
    per call, however many recipients). `title` is a titles.Title (kept as
    facts, said in each reader's language) or, as before, a finished text."""
    from .tasks import deliver_batch
    from .titles import Title, render

    message, params = (title.message, title.params) if isinstance(title, Title) else ("", {})
    text = render(message, params) if message else title
    people = list({u.pk: u for u in recipients}.values())
    # One INSERT for the notes and one for their e-mail rows (issue 18: in batches).
    created = Notification.objects.bulk_create([
        Notification(recipient=user, title=text[:200], message=message, params=params, body=body, url=url,
                     escalation=escalation)
        for user in people
    ])
    deliveries = EmailDelivery.objects.bulk_create([
        EmailDelivery(notification=note, to=user.email)
        for note, user in zip(created, people, strict=True) if user.email
    ])
    delivery_ids = [d.pk for d in deliveries]
    if delivery_ids:
        enqueue_after_commit(deliver_batch, delivery_ids)
    return created


def notifications_mark_read(*, user, ids=None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
