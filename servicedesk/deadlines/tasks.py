from celery import shared_task

from .escalation import BATCH_SIZE, sweep


@shared_task(name="deadlines.sweep", acks_late=True, ignore_result=True)
def sweep_task(batch_size=BATCH_SIZE, helping=False):
    """The periodic escalation sweep (django-celery-beat, every 15 s); with
    `helping`, a second sweep another one asked for (a backlog), which asks
    no further."""
    result = sweep(batch_size=batch_size, on_backlog=None if helping else ask_for_help(batch_size))
    return {"warnings": result.warnings, "escalations": result.escalations, "notifications": result.notifications}


def ask_for_help(batch_size=BATCH_SIZE):
    """What a sweep calls when more is due than one batch (issue 18, item 4):
    one more sweep queued, taken by another worker process, so two share the
    backlog through SKIP LOCKED (10,000 steps: docs/benchmarks.md)."""

    def ask():
        sweep_task.apply_async(kwargs={"batch_size": batch_size, "helping": True})

    return ask
