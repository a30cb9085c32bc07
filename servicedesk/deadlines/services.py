"""Starting, meeting and closing deadlines. Callers are services of the
state machines, inside their transaction and holding their object's row lock."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from .models import Deadline, SlaPolicy


def policy_for(*, subject, kind: str, attributes: dict) -> SlaPolicy | None:
    label = subject._meta.label_lower
    for policy in SlaPolicy.objects.filter(subject=label, deadline_kind=kind, active=True).order_by("-priority", "id"):
        if policy.matches(attributes):
            return policy
    return None


def deadline_start(
    *, subject, kind: str, start: datetime.datetime, attributes: dict | None = None,
    due_at: datetime.datetime | None = None,
) -> Deadline:
    """Open a deadline of `kind` on `subject`. Without an explicit due_at the
    matching SLA policy decides; a missing policy is a configuration error."""
    policy = None
    if due_at is None:
        policy = policy_for(subject=subject, kind=kind, attributes=attributes or {})
        if policy is None:
            raise LookupError(_("No active SLA policy for %(kind)s deadlines of %(subject)s.")
                              % {"kind": kind, "subject": subject._meta.label_lower})
        due_at = policy.due_from(start)
    return Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=kind,
        policy=policy,
        started_at=start,
        due_at=due_at,
        next_escalation_at=due_at,
    )


def _open(subject, kinds):
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind__in=kinds,
        met_at__isnull=True,
        cancelled_at__isnull=True,
    )


def deadline_meet(*, subject, kinds, at: datetime.datetime) -> int:
    """Mark the open deadlines of these kinds met at `at`."""
    return _open(subject, kinds).update(met_at=at, next_escalation_at=None)


def deadline_cancel_open(*, subject, at: datetime.datetime, kinds=None) -> int:
    qs = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk,
        met_at__isnull=True, cancelled_at__isnull=True,
    )
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    return qs.update(cancelled_at=at, next_escalation_at=None)
