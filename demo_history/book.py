"""Deadlines kept in memory for rows written in bulk, by the deadline
engine's own rules (servicedesk.deadlines.services): the same policy lookup,
due time, warning point and ladder as `deadline_start`; met, cancelled as
`deadline_meet` and `deadline_cancel_open` leave them; and the Escalation
rows the sweep (servicedesk.deadlines.escalation.sweep_batch) writes for
every step whose time came while the deadline was open, at that time.

Not written for the history: the notifications and e-mail of those
escalations (months-old inbox entries nobody would read; docs/measures.md,
Demo history)."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType

from servicedesk.deadlines.models import Deadline, Escalation
from servicedesk.deadlines.services import POLICIES, ladder_for, next_step_at

from .rows import insert, row

# The sweep runs every second (the waker) or every 15 s (beat): a step is taken this long after its time.
SWEEP_LAG = datetime.timedelta(seconds=3)


class DeadlineBook:
    """Deadlines of subjects not yet saved, keyed by the subject's in-memory object."""

    def __init__(self):
        self.rows: list[tuple[object, Deadline]] = []
        self._open: dict[tuple[int, str], Deadline] = {}
        self._ladders = {}
        # deadlines.services.policy_for's table, read once: it asks the shared cache (Redis) on every use.
        self._policies = POLICIES.get()

    def start(self, subject, kind, start, *, attributes=None, due_at=None) -> Deadline:
        """deadline_start: the policy decides the due time unless a promise gives it."""
        policy = self.policy_for(subject, kind, attributes or {})
        promised = due_at is not None
        if due_at is None:
            if policy is None:
                raise LookupError(f"no active SLA policy for {kind} deadlines of {subject._meta.label_lower}")
            due_at = policy.due_from(start)
        deadline = row(
            Deadline,
            content_type_id=ContentType.objects.get_for_model(subject).pk,
            kind=kind,
            policy_id=policy.pk if policy is not None else None,
            _policy=policy,
            started_at=start,
            due_at=due_at,
            warn_at=policy.warn_at(start, due_at) if policy is not None else None,
            due_promised=promised,
        )
        key = (id(subject), kind)
        if key in self._open:
            raise ValueError(f"a {kind} deadline is already open")  # deadline_one_open_per_kind
        self._open[key] = deadline
        self.rows.append((subject, deadline))
        return deadline

    def policy_for(self, subject, kind, attributes):
        """deadlines.services.policy_for over the table read once."""
        for policy in self._policies.get((subject._meta.label_lower, kind), ()):
            if policy.matches(attributes):
                return policy
        return None

    def open(self, subject, kind) -> Deadline | None:
        return self._open.get((id(subject), kind))

    def meet(self, subject, kinds, at) -> None:
        for kind in kinds:
            deadline = self._open.pop((id(subject), kind), None)
            if deadline is not None:
                deadline.met_at = at

    def cancel(self, subject, kinds, at) -> None:
        for kind in kinds:
            deadline = self._open.pop((id(subject), kind), None)
            if deadline is not None:
                deadline.cancelled_at = at

    def earliest_open_due(self, subject):
        dues = [d.due_at for (sid, _kind), d in self._open.items() if sid == id(subject)]
        return min(dues, default=None)

    def _ladder(self, policy):
        key = policy.pk if policy is not None else None
        if key not in self._ladders:
            self._ladders[key] = ladder_for(policy)
        return self._ladders[key]

    def save(self, *, now) -> tuple[int, int]:
        """Write the deadlines (their subjects saved by now) and the sweep's
        escalations up to `now`: (deadlines, escalations)."""
        deadlines = []
        for subject, deadline in self.rows:
            deadline.object_id = subject.pk
            escalate(deadline, self._ladder(deadline._policy), now=now)
            deadlines.append(deadline)
        insert(deadlines, model=Deadline)
        escalations = [e for d in deadlines for e in d._escalations]
        for e in escalations:
            e.deadline_id = e.__dict__.pop("deadline").pk
        insert(escalations, model=Escalation)
        return len(deadlines), len(escalations)


def escalate(deadline: Deadline, ladder: dict, *, now) -> list[Escalation]:
    """What the sweep writes on this deadline until it closes (or until now):
    the warning while not yet due, then each level at the due time plus its
    step's offset. Sets the deadline's level, warning time and next step as
    the sweep leaves them; the rows are kept on `deadline._escalations`."""
    end = deadline.met_at or deadline.cancelled_at or now
    rows = []
    deadline.escalation_level, deadline.warned_at = 0, None
    if deadline.warn_at is not None and deadline.warn_at + SWEEP_LAG < min(end, deadline.due_at):
        deadline.warned_at = deadline.warn_at + SWEEP_LAG
        rows.append(
            row(Escalation, deadline=deadline, level=0, at=deadline.warned_at, due_at=deadline.due_at, target="")
        )
    for level in sorted(ladder):
        at = deadline.due_at + ladder[level].after + SWEEP_LAG
        if at >= end:
            break
        deadline.escalation_level = level
        rows.append(
            row(Escalation, deadline=deadline, level=level, at=at, due_at=deadline.due_at, target=ladder[level].target)
        )
    deadline.next_escalation_at = None if deadline.met_at or deadline.cancelled_at else next_step_at(deadline, ladder)
    deadline._escalations = rows
    return rows
