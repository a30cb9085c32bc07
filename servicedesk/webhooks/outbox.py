"""Writing events into the outbox. Callers are the services of the state
machines, inside their transaction and holding the object's row lock: the
rows commit or roll back with the change they report, and the lock orders
the events of one object."""

import contextlib
import datetime
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation

from . import sources
from .models import Delivery, Webhook

#: a delivery is retried this long (contract: at least 24 hours)
GIVE_UP_AFTER = datetime.timedelta(hours=25)


def _hooks_for(partner_id, event):
    if not partner_id:
        return []
    # Few hooks per partner: the event filter in Python works on SQLite and PostgreSQL alike.
    return [h for h in Webhook.objects.filter(partner_id=partner_id, active=True).select_related("created_by")
            if event in h.events]


def emit(event: str, *, obj, partner_id, at=None) -> list[Delivery]:
    """Write one delivery of `event` about `obj` for each active hook of the
    partner that subscribed to it, and queue their first attempt after the
    commit (the periodic `webhooks.deliver_due` is the safety net)."""
    hooks = _hooks_for(partner_id, event)
    if not hooks:
        return []
    at = at or timezone.now()
    views = {}
    rows = []
    for hook in hooks:
        if hook.created_by_id not in views:
            # In the organisation's language, not that of whoever made the change.
            with translation.override(settings.LANGUAGE_CODE):
                views[hook.created_by_id] = sources.serialize(obj, hook.created_by)
        row = Delivery(webhook=hook, event=event, object_key=f"{obj._meta.label_lower}:{obj.pk}",
                       created_at=at, next_attempt_at=at, give_up_at=at + GIVE_UP_AFTER)
        row.body = json.dumps({"id": str(row.delivery_id), "event": event, "at": timezone.localtime(at).isoformat(),
                               "data": views[hook.created_by_id]}, cls=DjangoJSONEncoder, ensure_ascii=False)
        rows.append(row)
    Delivery.objects.bulk_create(rows)
    # PostgreSQL and SQLite 3.35+ give the ids back from the INSERT; read them only where they did not.
    ids = [r.pk for r in rows]
    if not all(ids):
        written = Delivery.objects.filter(delivery_id__in=[r.delivery_id for r in rows])
        ids = list(written.order_by("pk").values_list("pk", flat=True))

    def queue():
        from .tasks import deliver  # the task module imports the delivery code, which imports this one

        for pk in ids:
            with contextlib.suppress(Exception):  # broker down: webhooks.deliver_due picks the row up
                deliver.apply_async(args=[pk])

    transaction.on_commit(queue)
    return rows
