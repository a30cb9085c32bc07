"""Periodic tasks of the calls app (scheduled in django-celery-beat's tables,
seeded by calls/migrations/0004_close_stale_rings_schedule.py)."""

from celery import shared_task

from .services import calls_close_stale_rings


@shared_task(name="calls.close_stale_rings", acks_late=True, ignore_result=True)
def close_stale_rings_task(batch_size=500):
    """Close as abandoned the calls whose hang-up the switch never reported
    (every minute). Idempotent: a call closed once is no longer ringing."""
    return {"closed": calls_close_stale_rings(batch_size=batch_size)}
