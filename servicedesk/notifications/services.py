"""Writing notifications. Callers are inside their own transaction; delivery
is queued after commit and never breaks the caller if the broker is down."""

import logging

from django.db import transaction

from .models import EmailDelivery, Notification

log = logging.getLogger(__name__)


def enqueue_after_commit(task, *args):
    """Queue a task after commit. A broker that is down must not turn the
    caller's committed work into a 500: the periodic redelivery picks it up."""

    def send():
        try:
            task.apply_async(args=args, retry=False)
        except Exception:  # noqa: BLE001 - any broker failure; the row stays pending
            log.warning("could not queue %s%s; it stays pending for redelivery", task.name, args, exc_info=True)

    transaction.on_commit(send)


def notifications_create(*, recipients, title, body="", url="", escalation=None) -> list[Notification]:
    from .tasks import deliver_email

    created = []
    for user in {u.pk: u for u in recipients}.values():
        note = Notification.objects.create(recipient=user, title=title[:200], body=body, url=url, escalation=escalation)
        created.append(note)
        if user.email:
            delivery = EmailDelivery.objects.create(notification=note, to=user.email)
            enqueue_after_commit(deliver_email, delivery.pk)
    return created


def notifications_mark_read(*, user, ids=None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
