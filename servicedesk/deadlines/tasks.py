from celery import shared_task

from .escalation import BATCH_SIZE, sweep


@shared_task(name="deadlines.sweep", acks_late=True, ignore_result=True)
def sweep_task(batch_size=BATCH_SIZE):
    """The periodic escalation sweep (django-celery-beat, every 15 s)."""
    result = sweep(batch_size=batch_size)
    return {"warnings": result.warnings, "escalations": result.escalations, "notifications": result.notifications}
