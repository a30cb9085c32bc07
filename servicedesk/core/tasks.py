from celery import shared_task

from .idempotency import idempotency_keys_purge


@shared_task(name="core.purge_idempotency_keys", acks_late=True, ignore_result=True)
def purge_idempotency_keys_task():
    """Deletes the Idempotency-Key answers past their 24 hours (django-celery-beat, hourly)."""
    return idempotency_keys_purge()
