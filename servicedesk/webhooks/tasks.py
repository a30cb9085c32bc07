from celery import shared_task

from . import delivery


@shared_task(name="webhooks.deliver", acks_late=True)
def deliver(pk, leased=False):
    """One attempt at one delivery; safe to run twice (see delivery.attempt)."""
    return delivery.attempt(pk, leased=leased)


@shared_task(name="webhooks.deliver_due")
def deliver_due(limit=500):
    """Queue every delivery whose time has come (scheduled every 10 s by a
    migration): retries whose message was lost, first attempts written while
    the broker was down."""
    ids = delivery.lease_due(limit)
    for pk in ids:
        deliver.apply_async(args=[pk], kwargs={"leased": True})
    return len(ids)
