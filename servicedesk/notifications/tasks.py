import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import EmailDelivery, RobotAlert

MAX_ATTEMPTS = 8


@shared_task(bind=True, name="notifications.deliver_email", max_retries=MAX_ATTEMPTS, acks_late=True)
def deliver_email(self, delivery_id):
    """Send one e-mail. Idempotent: the row lock serialises two runs, and a
    delivery already sent is not sent again."""
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update(skip_locked=True)
            .select_related("notification__recipient").filter(pk=delivery_id, state=EmailDelivery.State.PENDING).first()
        )
        if delivery is None:
            return "skipped"
        delivery.attempts += 1
        note = delivery.notification
        try:
            link = f"{settings.SITE_URL}{note.url}" if note.url.startswith("/") else note.url
            # In the recipient's language, whatever language the sender or the sweep had.
            send_mail(note.title_in(note.recipient.language), f"{note.body}\n\n{link}".strip(), None, [delivery.to])
        except Exception as exc:  # noqa: BLE001 - SMTP errors of every kind are retried
            delivery.last_error = repr(exc)[:1000]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.state = EmailDelivery.State.FAILED
            delivery.save(update_fields=["attempts", "last_error", "state"])
            failed = True
        else:
            delivery.state = EmailDelivery.State.SENT
            delivery.sent_at = timezone.now()
            delivery.save(update_fields=["attempts", "state", "sent_at"])
            failed = False
    if failed and delivery.state == EmailDelivery.State.PENDING:
        raise self.retry(countdown=min(3600, 30 * 2 ** (delivery.attempts - 1)))
    return "sent" if not failed else "failed"


# deliver_email's own retries (30 s doubling, MAX_ATTEMPTS tries) are over
# within about an hour; a row still pending well after that lost its retry
# (e.g. the broker was down when the retry was to be queued).
RETRIES_LOST_AFTER = datetime.timedelta(hours=2)


@shared_task(name="notifications.redeliver_pending")
def redeliver_pending(older_than_seconds=120, limit=500):
    """Re-queue deliveries whose queueing was lost: never tried after a
    while (the broker was down when they were written), or still pending
    long after their retries should have ended. A row in the middle of its
    retries is left to them, or each run would spend one of its attempts
    and a mail server down for a few minutes would fail it for good."""
    now = timezone.now()
    never_tried = Q(attempts=0, created_at__lt=now - datetime.timedelta(seconds=older_than_seconds))
    retries_lost = Q(attempts__gt=0, created_at__lt=now - RETRIES_LOST_AFTER)
    ids = list(
        EmailDelivery.objects.filter(never_tried | retries_lost, state=EmailDelivery.State.PENDING)
        .order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        deliver_email.apply_async(args=[pk], countdown=0)
    # Group robots' alerts (robots.py) by the same rule: their retries follow e-mail's.
    alerts = list(
        RobotAlert.objects.filter(never_tried | retries_lost, state=RobotAlert.State.PENDING)
        .order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    for pk in alerts:
        deliver_robot_alert.apply_async(args=[pk], countdown=0)
    return len(ids) + len(alerts)


@shared_task(name="notifications.deliver_batch", acks_late=True)
def deliver_batch(delivery_ids):
    """Deliver a sweep's e-mails; each one that fails is retried on its own."""
    sent = 0
    for pk in delivery_ids:
        try:
            if deliver_email.run(pk) == "sent":
                sent += 1
        except Exception:  # noqa: BLE001 - retried individually below
            deliver_email.apply_async(args=[pk], countdown=30)
    return sent


@shared_task(bind=True, name="notifications.deliver_robot_alert", max_retries=MAX_ATTEMPTS, acks_late=True)
def deliver_robot_alert(self, alert_id):
    """Post one escalation to a WeCom or DingTalk group robot. Idempotent as
    deliver_email: the row lock (SKIP LOCKED) and its state."""
    from .robots import post

    with transaction.atomic():
        alert = (RobotAlert.objects.select_for_update(skip_locked=True).select_related("robot")
                 .filter(pk=alert_id, state=RobotAlert.State.PENDING).first())
        if alert is None:
            return "skipped"
        alert.attempts += 1
        error = post(alert.robot, alert.text)
        if error:
            alert.last_error = error
            if alert.attempts >= MAX_ATTEMPTS:
                alert.state = RobotAlert.State.FAILED
        else:
            alert.state, alert.sent_at, alert.last_error = RobotAlert.State.SENT, timezone.now(), ""
        alert.save(update_fields=["attempts", "last_error", "state", "sent_at"])
    if error and alert.state == RobotAlert.State.PENDING:
        raise self.retry(countdown=min(3600, 30 * 2 ** (alert.attempts - 1)))
    return "failed" if error else "sent"
