"""The escalation sweep (issue 3, item 5; contract: Escalation).

Takes the open deadlines whose next step is due through the partial index
`deadline_sweep`, with SELECT ... FOR UPDATE SKIP LOCKED in batches, so any
number of sweeps can run at once without waiting on each other. For each it
writes one Escalation row per level (the unique constraint on (deadline,
level) is the proof of "once") and the notifications, in the same transaction
as the level change; e-mail goes out after commit. A worker killed mid-batch
rolls the whole batch back, and the next sweep takes it again.
"""

import dataclasses
import datetime
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from servicedesk.accounts.models import Unit, User
from servicedesk.accounts.roles import Role
from servicedesk.notifications.models import EmailDelivery, Notification
from servicedesk.notifications.robots import alerts_write as robot_alerts_write
from servicedesk.notifications.titles import Title, render

from . import registry
from .models import Deadline, Escalation, EscalationStep, SlaPolicy
from .services import ladder_for, next_step_at

log = logging.getLogger(__name__)


@dataclasses.dataclass
class SweepResult:
    warnings: int = 0
    escalations: int = 0
    notifications: int = 0
    batches: int = 0

    def __add__(self, other):
        return SweepResult(*(a + b for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other), strict=True)))


def sweep(
    *, now: datetime.datetime | None = None, batch_size: int = 500, max_batches: int | None = None
) -> SweepResult:
    """Take every step that is due by `now`, batch after batch, until none is
    left (or max_batches), then run the subjects' followers. Safe to run
    concurrently and to kill."""
    now = now or timezone.now()
    total = SweepResult()
    while max_batches is None or total.batches < max_batches:
        result = sweep_batch(now=now, batch_size=batch_size)
        if result is None:
            break
        total = total + result
    _sweep_followers(now)
    return total


def due_steps(now):
    return Deadline.objects.filter(
        met_at__isnull=True, cancelled_at__isnull=True, next_escalation_at__isnull=False, next_escalation_at__lte=now,
    )


def sweep_batch(*, now, batch_size=500) -> SweepResult | None:
    from servicedesk.notifications.services import enqueue_after_commit
    from servicedesk.notifications.tasks import deliver_batch, deliver_robot_alert

    with transaction.atomic():
        rows = list(due_steps(now).select_for_update(skip_locked=True).order_by("next_escalation_at")[:batch_size])
        if not rows:
            return None
        # The few policies of a batch, once (a join made one policy object per row).
        policies = SlaPolicy.objects.in_bulk({d.policy_id for d in rows if d.policy_id is not None})
        ladders = {}
        escalations = []
        for d in rows:
            ladder = ladders.get(d.policy_id)
            if ladder is None:
                ladder = ladders[d.policy_id] = ladder_for(policies.get(d.policy_id))
            if d.escalation_level == 0 and d.warned_at is None and d.warn_at is not None and now < d.due_at:
                level, target = 0, ""
                d.warned_at = now
            else:
                level = d.escalation_level + 1
                step = ladder.get(level)
                if step is None:  # the ladder ended (a policy changed under it)
                    d.next_escalation_at = None
                    continue
                target = step.target
                d.escalation_level = level
            d.next_escalation_at = next_step_at(d, ladder)
            escalations.append(Escalation(deadline=d, level=level, at=now, due_at=d.due_at, target=target))
        _save_steps(rows, warned={e.deadline.pk for e in escalations if e.level == 0}, now=now)
        Escalation.objects.bulk_create(escalations)  # unique (deadline, level): a second write fails loudly
        notes, delivery_ids, alert_ids = _notify(escalations)
        if delivery_ids:
            enqueue_after_commit(deliver_batch, delivery_ids)
        for pk in alert_ids:
            enqueue_after_commit(deliver_robot_alert, pk)
    warnings = sum(1 for e in escalations if e.level == 0)
    return SweepResult(warnings=warnings, escalations=len(escalations) - warnings, notifications=notes, batches=1)


def _sweep_followers(now):
    """A subject may act on the state of its deadlines: its registered
    `after_sweep(*, now)` (deadlines.registry) is called after every sweep, each in its own
    transaction. It must choose its rows by condition (e.g. "a repair
    deadline breached and no exchange proposed yet"), never by the
    escalations of this run, so that a run that failed (or a worker killed in
    between) is made good by the next one, and be safe with two sweeps at
    once (SKIP LOCKED, a unique constraint). A follower that fails is logged
    and rolled back; it never fails the sweep (the levels are already
    reached)."""
    for entry in registry.sweep_followers():
        try:
            with transaction.atomic():
                entry.after_sweep(now=now)
        except Exception:
            log.exception("the sweep follower of %s failed", entry.model._meta.label)


def _save_steps(rows, *, warned, now):
    """Write the new level, warning time and next step of a batch's rows.

    One UPDATE per distinct (level, warned now, next step - due time): the
    next step is always the due time plus the ladder's offset, so a batch
    needs only a few statements. (bulk_update's CASE WHEN id = ... per row
    cost seconds per 500 rows, in Python and in PostgreSQL; see
    docs/benchmarks.md, Escalation sweep.)"""
    groups = {}
    for d in rows:
        offset = None if d.next_escalation_at is None else d.next_escalation_at - d.due_at
        groups.setdefault((d.escalation_level, d.pk in warned, offset), []).append(d.pk)
    for (level, warned_now, offset), ids in groups.items():
        values = {"escalation_level": level, "next_escalation_at": None if offset is None else F("due_at") + offset}
        if warned_now:
            values["warned_at"] = now
        Deadline.objects.filter(pk__in=ids).update(**values)


# --- who is told ------------------------------------------------------------------


def _subjects(escalations):
    """Load the objects behind the deadlines, one query per kind of object.
    A registered subject (deadlines.registry) may load what it needs."""
    by_type = {}
    for e in escalations:
        by_type.setdefault(e.deadline.content_type_id, set()).add(e.deadline.object_id)
    subjects = {}
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        objs = registry.load(model, ids)
        for pk, obj in objs.items():
            subjects[(ct_id, pk)] = obj
    return subjects


def _unit_chain(unit_id, units):
    chain = []
    while unit_id is not None and unit_id in units and unit_id not in chain:
        chain.append(unit_id)
        unit_id = units[unit_id].parent_id
    return chain


class _Recipients:
    """Users to notify per target, nearest unit first, cached for a batch."""

    def __init__(self):
        self.units = {u.pk: u for u in Unit.objects.all()}
        self.by_role = {}
        # distinct: someone in both groups would come back twice from the join, be notified twice
        # and break the (escalation, recipient) unique constraint, failing the whole batch for good.
        people = User.objects.filter(is_active=True, groups__name__in=[Role.SUPERVISOR, Role.MANAGER]).distinct()
        for user in people.order_by("pk").prefetch_related("groups"):
            for role in user.roles & {Role.SUPERVISOR, Role.MANAGER}:
                self.by_role.setdefault(role, []).append(user)
        self.cache = {}

    def _nearest(self, role, unit_id):
        people = self.by_role.get(role, [])
        for uid in _unit_chain(unit_id, self.units):
            found = [u for u in people if u.unit_id == uid]
            if found:
                return found
        return people

    def for_target(self, target, unit_id, assignee):
        key = (target, unit_id, assignee.pk if assignee else None)
        if key not in self.cache:
            if target == "":  # warning: the assignee, else the supervisors
                users = [assignee] if assignee else self._nearest(Role.SUPERVISOR, unit_id)
            elif target == EscalationStep.Target.SUPERVISOR:
                users = self._nearest(Role.SUPERVISOR, unit_id)
            elif target == EscalationStep.Target.MANAGER:
                users = self._nearest(Role.MANAGER, unit_id)
            else:  # leadership: managers at headquarters, else every manager
                hq = [
                    u
                    for u in self.by_role.get(Role.MANAGER, [])
                    if u.unit_id and self.units.get(u.unit_id) and self.units[u.unit_id].kind == Unit.Kind.HEADQUARTERS
                ]
                users = hq or self.by_role.get(Role.MANAGER, [])
            self.cache[key] = users
        return self.cache[key]


# The English messages, kept untranslated on the notification with its facts
# and said in the reader's language when shown (notifications/titles.py).
WARNING = gettext_noop("Due soon: %(subject)s, %(kind)s at %(due)s")
OVERDUE = gettext_noop("Overdue (level %(level)d): %(subject)s, %(kind)s was due %(due)s")

# The whole reference people know an object by, where it is not str(obj):
# a call's str() cuts its id to 12 characters.
REFERENCES = {"call": lambda call: call.call_id, "callback": lambda callback: callback.call.call_id}


def _facts(subject, deadline, level):
    model = (
        ContentType.objects.get_for_id(deadline.content_type_id).model if subject is None else subject._meta.model_name
    )
    reference = f"#{deadline.object_id}" if subject is None else REFERENCES.get(model, str)(subject)
    params = {"subject": [model, reference], "kind": deadline.kind, "due": deadline.due_at.isoformat()}
    if level:
        params["level"] = level
    return Title(OVERDUE if level else WARNING, params)


def _describe(subject, deadline, level):
    """The title (facts) and the link of a deadline's notification."""
    url = subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else ""
    return _facts(subject, deadline, level), url


def _notify(escalations) -> tuple[int, list[int], list[int]]:
    """The inbox entries and their e-mail, and the group robots' alerts
    (level 2 and up: notifications.robots): (notes, e-mail ids, alert ids)."""
    if not escalations:
        return 0, [], []
    subjects = _subjects(escalations)
    recipients = _Recipients()
    notes = []
    for_robots = []
    for e in escalations:
        d = e.deadline
        subject = subjects.get((d.content_type_id, d.object_id))
        unit_id, assignee = None, None
        if subject is not None:
            unit_id, assignee = registry.responsible(subject)
        title, url = _describe(subject, d, e.level)
        text = render(title.message, title.params)[:200]
        for_robots.append((e, unit_id, title, url))
        for user in recipients.for_target(e.target, unit_id, assignee):
            notes.append(Notification(recipient_id=user.pk, title=text, message=title.message, params=title.params,
                                      url=url, escalation=e))
    Notification.objects.bulk_create(notes)
    alert_ids = robot_alerts_write(for_robots, units=recipients.units)
    return len(notes), _queue_email([e.pk for e in escalations]), alert_ids


def _queue_email(escalation_ids) -> list[int]:
    """One pending e-mail delivery per notification of these escalations whose
    recipient has an address, in one INSERT ... SELECT, and their ids. (Made
    as objects through bulk_create they cost a second of Python per 10,000
    escalations; see docs/benchmarks.md, Escalation sweep.)"""
    qn = connection.ops.quote_name
    delivery, note, user = EmailDelivery._meta, Notification._meta, User._meta

    def col(meta, name):
        return qn(meta.get_field(name).column)

    marks = ", ".join(["%s"] * len(escalation_ids))
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {qn(delivery.db_table)} ({col(delivery, 'notification')}, {col(delivery, 'to')}, "
            f"{col(delivery, 'state')}, {col(delivery, 'attempts')}, {col(delivery, 'last_error')}, "
            f"{col(delivery, 'created_at')}) "
            f"SELECT n.{col(note, 'id')}, u.{col(user, 'email')}, %s, 0, '', %s "
            f"FROM {qn(note.db_table)} n "
            f"JOIN {qn(user.db_table)} u ON u.{col(user, 'id')} = n.{col(note, 'recipient')} "
            f"WHERE n.{col(note, 'escalation')} IN ({marks}) AND u.{col(user, 'email')} <> ''",
            [EmailDelivery.State.PENDING, connection.ops.adapt_datetimefield_value(timezone.now()), *escalation_ids],
        )
    return list(
        EmailDelivery.objects.filter(notification__escalation__in=escalation_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
