"""The escalation sweep (issue 3, item 5; contract: Escalation).

Takes the open deadlines whose next step is due through the partial index
`deadline_sweep`, with SELECT ... FOR UPDATE SKIP LOCKED in batches, so any
number of sweeps can run at once without waiting on each other. For each it
writes one Escalation row per level (the unique constraint on (deadline,
level) is the proof of "once") and the notifications, in the same transaction
as the level change; e-mail goes out after commit. A worker killed mid-batch
rolls the whole batch back, and the next sweep takes it again.

Set-based (issue 18, item 4): a batch is read as plain rows (no model
instances), its level changes are a few UPDATEs (one per new level and next
step offset), its Escalation rows a few INSERT ... SELECT from the deadlines
(one per level and target) and who is told is written by notices.py in one
INSERT for the notifications and one for their e-mail. Python's share per
deadline is its title and its link.
"""

import dataclasses
import datetime
import logging

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import registry
from .models import Deadline, Escalation, EscalationStep, default_ladder
from .notices import Notices

log = logging.getLogger(__name__)

# A batch is one transaction holding its rows' locks. 2,000 (500 before issue 18) made the fixed costs per
# batch (statements, commit) small beside the rows' (docs/benchmarks.md, Speed (issue 18): the sweep).
BATCH_SIZE = 2000


@dataclasses.dataclass
class SweepResult:
    warnings: int = 0
    escalations: int = 0
    notifications: int = 0
    batches: int = 0

    def __add__(self, other):
        return SweepResult(*(a + b for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other), strict=True)))


def sweep(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE, max_batches: int | None = None,
    on_backlog=None,
) -> SweepResult:
    """Take every step that is due by `now`, batch after batch, until none is
    left (or max_batches), then run the subjects' followers. Safe to run
    concurrently and to kill.

    `on_backlog()` is called once when the first batch came full (more is
    due than one batch): the caller asks another process to sweep beside this
    one (tasks.ask_for_help), and SKIP LOCKED shares the rows between them. Not
    on SQLite, whose one writer at a time would only make them wait."""
    now = now or timezone.now()
    total = SweepResult()
    ladders, notices = Ladders(), Notices()  # read once per sweep: policies' ladders, units, supervisors, managers
    while max_batches is None or total.batches < max_batches:
        result = sweep_batch(now=now, batch_size=batch_size, ladders=ladders, notices=notices)
        if result is None:
            break
        total = total + result
        if total.batches == 1 and on_backlog is not None and backlog(result, batch_size):
            try:
                on_backlog()
            except Exception:  # the broker down: this sweep goes on alone
                log.exception("could not ask for help with a backlog of due steps")
    _sweep_followers(now)
    return total


def backlog(result: SweepResult, batch_size: int) -> bool:
    """A first batch that came full, on a database where two sweeps can write at once."""
    return connection.vendor != "sqlite" and result.warnings + result.escalations >= batch_size


def open_steps():
    """Open deadlines with a step to take (the partial index `deadline_sweep`)."""
    return Deadline.objects.filter(met_at__isnull=True, cancelled_at__isnull=True, next_escalation_at__isnull=False)


def due_steps(now):
    return open_steps().filter(next_escalation_at__lte=now)


# What a batch reads of each deadline: plain values, no model instances.
DUE_FIELDS = (
    "id",
    "policy_id",
    "escalation_level",
    "warn_at",
    "warned_at",
    "due_at",
    "content_type_id",
    "object_id",
    "kind",
)


class Ladders:
    """policy id -> {level: (after, target)}, read once per sweep for the policies its batches meet (one
    query for all of them); a policy without steps of its own, or none, climbs the default ladder."""

    DEFAULT = {s.level: (s.after, s.target) for s in default_ladder()}

    def __init__(self):
        self.known = {None: self.DEFAULT}

    def of(self, policy_ids) -> dict:
        missing = set(policy_ids) - self.known.keys()
        if missing:
            for policy_id in missing:
                self.known[policy_id] = {}
            rows = EscalationStep.objects.filter(policy_id__in=missing).values_list(
                "policy_id", "level", "after", "target"
            )
            for policy_id, level, after, target in rows:
                self.known[policy_id][level] = (after, target)
            for policy_id in missing:
                self.known[policy_id] = self.known[policy_id] or self.DEFAULT
        return self.known


def sweep_batch(*, now, batch_size=BATCH_SIZE, ladders=None, notices=None) -> SweepResult | None:
    from servicedesk.notifications.services import enqueue_after_commit
    from servicedesk.notifications.tasks import deliver_batch, deliver_robot_alert

    ladders, notices = ladders or Ladders(), notices or Notices()
    if connection.features.max_query_params:  # SQLite: a batch's ids in one IN (...) of at most 999 parameters
        batch_size = min(batch_size, connection.features.max_query_params - 10)
    with transaction.atomic():
        rows = list(
            due_steps(now)
            .select_for_update(skip_locked=True)
            .order_by("next_escalation_at")
            .values_list(*DUE_FIELDS)[:batch_size]
        )
        if not rows:
            return None
        steps, updates = _steps(rows, ladders.of({r[1] for r in rows}), now)
        _save_steps(updates, now=now)
        taken = _insert_escalations(steps, now=now)  # unique (deadline, level): a second write fails loudly
        told = notices.write(taken, {r[0]: r for r in rows})
        if told.delivery_ids:
            enqueue_after_commit(deliver_batch, told.delivery_ids)
        for pk in told.alert_ids:
            enqueue_after_commit(deliver_robot_alert, pk)
    warnings = len(steps.get((0, ""), ()))
    return SweepResult(warnings=warnings, escalations=len(taken) - warnings, notifications=told.notes, batches=1)


def _steps(rows, ladders, now):
    """The step each due row takes: ({(level, target): [ids]} of the Escalation rows to write,
    {(new level, warned now, next step - due time): [ids]} of the UPDATEs). The next step is always the
    due time plus a ladder offset (or none: the ladder ended), so a batch needs only a few of each."""
    steps, updates = {}, {}
    for pk, policy_id, level, warn_at, warned_at, due_at, *_ in rows:
        ladder = ladders[policy_id]
        if level == 0 and warned_at is None and warn_at is not None and now < due_at:
            level, target, warned = 0, "", True  # the warning before breach (level 0), once
        else:
            warned = False
            step = ladder.get(level + 1)
            if step is None:  # the ladder ended (a policy changed under it): nothing more to do
                updates.setdefault((level, False, None), []).append(pk)
                continue
            level, target = level + 1, step[1]
        following = ladder.get(level + 1)
        steps.setdefault((level, target), []).append(pk)
        updates.setdefault((level, warned, following[0] if following else None), []).append(pk)
    return steps, updates


def _save_steps(updates, *, now):
    """One UPDATE per distinct (level, warned now, next step - due time). (bulk_update's CASE WHEN id = ...
    per row cost seconds per 500 rows, in Python and in PostgreSQL; see docs/benchmarks.md, Escalation
    sweep.)"""
    for (level, warned_now, offset), ids in updates.items():
        values = {"escalation_level": level, "next_escalation_at": None if offset is None else F("due_at") + offset}
        if warned_now:
            values["warned_at"] = now
        Deadline.objects.filter(pk__in=ids).update(**values)


def _insert_escalations(steps, *, now) -> list[tuple]:
    """The batch's Escalation rows, one INSERT ... SELECT from the deadlines per (level, target):
    [(escalation id, deadline id, level, target)]."""
    qn = connection.ops.quote_name
    esc, deadline = Escalation._meta, Deadline._meta
    returning = connection.features.can_return_rows_from_bulk_insert  # PostgreSQL, SQLite 3.35+
    at = connection.ops.adapt_datetimefield_value(now)
    taken = []
    for (level, target), ids in steps.items():
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {qn(esc.db_table)} (deadline_id, level, {qn('at')}, due_at, target) "
                f"SELECT id, %s, %s, due_at, %s FROM {qn(deadline.db_table)} WHERE id IN ({marks})"
                + (" RETURNING id, deadline_id" if returning else ""),
                [level, at, target, *ids],
            )
            made = (
                cur.fetchall()
                if returning
                else list(Escalation.objects.filter(deadline_id__in=ids, level=level).values_list("id", "deadline_id"))
            )
        taken += [(pk, deadline_id, level, target) for pk, deadline_id in made]
    return taken


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
