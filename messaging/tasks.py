from celery import shared_task

from . import sending


@shared_task(name="messaging.send", acks_late=True)
def send(pk, leased=False):
    """One attempt at one message to the customer; safe to run twice (sending.claim)."""
    return sending.send(pk, leased=leased)


@shared_task(name="messaging.send_due")
def send_due(limit=500):
    """Queue every message whose time has come (beat, every 30 s): retries,
    first attempts whose queueing was lost, claims of killed workers."""
    ids = sending.lease_due(limit)
    for pk in ids:
        send.apply_async(args=[pk], kwargs={"leased": True})
    return len(ids)
