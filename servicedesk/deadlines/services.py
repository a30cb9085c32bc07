"""Starting, meeting, pausing and closing deadlines. Callers are services of
the state machines, inside their transaction and holding their object's row
lock."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.errors import ValidationFailed
from servicedesk.core.process_cache import ProcessCache
from servicedesk.core.querysets import known_rows

from . import registry
from .models import Deadline, DeadlinePause, SlaPolicy, default_ladder


def _subjects_changed(model, ids) -> None:
    """Tell the subject's model that its open deadlines changed (opened,
    closed or moved), if it keeps something derived from them: the work
    order caches its earliest open due time (registered in
    deadlines.registry by tickets). The deadline table stays the truth. Pausing changes
    neither a due time nor what is open, so it does not call this."""
    registry.changed(model, ids)


def _active_policies() -> dict:
    """(subject, kind) -> active policies, most specific first, with their ladders."""
    table = {}
    for policy in SlaPolicy.objects.filter(active=True).prefetch_related("steps").order_by("-priority", "id"):
        table.setdefault((policy.subject, policy.deadline_kind), []).append(policy)
    return table


# Read once per process, dropped when a policy or a step is saved (issue 18; watched in apps.py).
POLICIES = ProcessCache("sla-policies", _active_policies)


def policy_for(*, subject, kind: str, attributes: dict) -> SlaPolicy | None:
    for policy in POLICIES.get().get((subject._meta.label_lower, kind), ()):
        if policy.matches(attributes):
            return policy
    return None


def ladder_for(policy: SlaPolicy | None) -> dict:
    return policy.ladder() if policy is not None else {s.level: s for s in default_ladder()}


def next_step_at(deadline: Deadline, ladder) -> datetime.datetime | None:
    """When the sweep must next look at this deadline: the warning point if
    not yet warned and not yet due, else the due time of the next level.
    `ladder` may be a function that returns it, called only when needed (a
    new deadline waits for its warning first: no query for the ladder)."""
    if deadline.escalation_level == 0 and deadline.warned_at is None and deadline.warn_at is not None:
        return deadline.warn_at
    if callable(ladder):
        ladder = ladder()
    step = ladder.get(deadline.escalation_level + 1)
    return deadline.due_at + step.after if step is not None else None


def deadline_start(
    *, subject, kind: str, start: datetime.datetime, attributes: dict | None = None,
    due_at: datetime.datetime | None = None, refresh_subject: bool = True,
) -> Deadline:
    """Open a deadline of `kind` on `subject`. The matching SLA policy decides
    the due time unless an explicit due_at is given (a promise, e.g. the
    take-back's promised_by); the policy's warning point and ladder apply
    either way. A missing policy for a policy-timed deadline is a
    configuration error. refresh_subject=False: the caller refreshes what the
    subject derives from its deadlines itself. (A new subject's deadlines are
    timed before it is written: deadlines_plan, then deadlines_open.)"""
    deadline = _new_deadline(subject=subject, kind=kind, start=start, attributes=attributes, due_at=due_at)
    deadline.save()
    if refresh_subject:
        _subjects_changed(type(subject), [subject.pk])
    return deadline


def deadlines_plan(*, subject, kinds, start: datetime.datetime, attributes: dict | None = None) -> list[Deadline]:
    """The policy-timed deadlines of these kinds a new `subject` gets, not yet
    saved: their due times are known before the subject is (a new work order
    writes its next_due_at with its own INSERT, issue 18). deadlines_open
    saves them once the subject has its id."""
    return [_new_deadline(subject=subject, kind=kind, start=start, attributes=attributes) for kind in kinds]


def deadlines_open(*, subject, planned: list[Deadline]) -> list[Deadline]:
    """Save, in one INSERT, the deadlines deadlines_plan gave for `subject`,
    which has been saved since. The caller has written what the subject
    derives from them (as with deadline_start(refresh_subject=False))."""
    for deadline in planned:
        deadline.object_id = subject.pk
    return Deadline.objects.bulk_create(planned) if planned else []


def _new_deadline(*, subject, kind, start, attributes=None, due_at=None) -> Deadline:
    policy = policy_for(subject=subject, kind=kind, attributes=attributes or {})
    promised = due_at is not None
    if due_at is None:
        if policy is None:
            raise LookupError(_("No active SLA policy for %(kind)s deadlines of %(subject)s.")
                              % {"kind": kind, "subject": subject._meta.label_lower})
        due_at = policy.due_from(start)
    warn_at = policy.warn_at(start, due_at) if policy is not None else None
    deadline = Deadline(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk, kind=kind, policy=policy,
        started_at=start, due_at=due_at, warn_at=warn_at, due_promised=promised,
    )
    deadline.next_escalation_at = next_step_at(deadline, lambda: ladder_for(policy))
    return deadline


def deadlines_known(subject, deadlines) -> None:
    """Hand a new subject the deadlines just started for it, as its `deadlines`
    relation's rows (ordered as the model orders them), so rendering it reads
    none back (issue 18: the create's answer). Only for a subject with no
    other open deadline."""
    rows = sorted(deadlines, key=lambda d: (d.due_at, d.pk))
    subject._prefetched_objects_cache = {**getattr(subject, "_prefetched_objects_cache", {}),
                                         "deadlines": known_rows(subject.deadlines.all(), rows)}


def open_deadlines(subject, kinds=None):
    qs = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk,
        met_at__isnull=True, cancelled_at__isnull=True,
    )
    return qs.filter(kind__in=kinds) if kinds is not None else qs


def deadline_meet(*, subject, kinds, at: datetime.datetime) -> int:
    """Mark the open deadlines of these kinds met at `at` (a pause still open
    is ended with them)."""
    qs = open_deadlines(subject, kinds)
    DeadlinePause.objects.filter(deadline__in=qs, ended_at__isnull=True).update(ended_at=at)
    n = qs.update(met_at=at, next_escalation_at=None, paused_at=None)
    if n:
        _subjects_changed(type(subject), [subject.pk])
    return n


def deadline_cancel_open(*, subject, at: datetime.datetime, kinds=None) -> int:
    qs = open_deadlines(subject, kinds)
    DeadlinePause.objects.filter(deadline__in=qs, ended_at__isnull=True).update(ended_at=at)
    n = qs.update(cancelled_at=at, next_escalation_at=None, paused_at=None)
    if n:
        _subjects_changed(type(subject), [subject.pk])
    return n


def deadlines_pause(*, subject, by, reason: str, at: datetime.datetime | None = None, kinds=None) -> list[Deadline]:
    """The customer asked to postpone: stop the clocks of the subject's open
    deadlines (issue 3, item 4). The reason and who set it are kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the pause."), field="reason")
    at = at or timezone.now()
    with transaction.atomic():
        rows = list(open_deadlines(subject, kinds).select_for_update().filter(paused_at__isnull=True))
        if not rows:
            raise ValidationFailed(_("There is no running deadline to pause."), field="deadlines")
        for d in rows:
            DeadlinePause.objects.create(deadline=d, started_at=at, reason=reason, by=by)
            d.paused_at = at
            d.next_escalation_at = None
        Deadline.objects.bulk_update(rows, ["paused_at", "next_escalation_at"])
    return rows


def deadlines_resume(*, subject, by, at: datetime.datetime | None = None) -> list[Deadline]:
    """Restart paused clocks: each due time (and warning point not yet passed)
    moves by the paused duration."""
    at = at or timezone.now()
    with transaction.atomic():
        rows = list(
            open_deadlines(subject).select_for_update(of=("self",))  # policy is a nullable join: lock the deadline only
            .filter(paused_at__isnull=False).select_related("policy")
        )
        if not rows:
            raise ValidationFailed(_("No deadline is paused."), field="deadlines")
        for d in rows:
            paused = max(at - d.paused_at, datetime.timedelta(0))
            DeadlinePause.objects.filter(deadline=d, ended_at__isnull=True).update(ended_at=at, resumed_by=by)
            d.paused_seconds += int(paused.total_seconds())
            d.due_at += paused
            if d.warn_at is not None and d.warned_at is None:
                d.warn_at += paused
            d.paused_at = None
            d.next_escalation_at = next_step_at(d, lambda: ladder_for(d.policy))  # noqa: B023 - called at once
        Deadline.objects.bulk_update(rows, ["paused_seconds", "due_at", "warn_at", "paused_at", "next_escalation_at"])
        _subjects_changed(type(subject), [subject.pk])
    return rows


def policy_recompute_open(*, policy: SlaPolicy, batch_size: int = 1000) -> int:
    """After a policy changed: recompute the due time of its open deadlines,
    in batches (each its own transaction). Levels already reached stay. A row
    locked by a sweep or a state change is waited for, not skipped: a skipped
    row would keep the old due time for good.

    Subjects that derive something from their deadlines (a work order's
    next_due_at) are locked before their deadlines, the order their state
    changes take (subject, then its deadlines), so the two never deadlock,
    and refreshed in the same transaction."""
    ladder = ladder_for(policy)
    done = 0
    last_id = 0
    while True:
        with transaction.atomic():
            open_ = Deadline.objects.filter(
                policy=policy, met_at__isnull=True, cancelled_at__isnull=True, due_promised=False
            )
            candidates = list(
                open_.filter(id__gt=last_id)
                .order_by("id")
                .values_list("id", "content_type_id", "object_id")[:batch_size]
            )
            if not candidates:
                return done
            subjects = {}
            for _, ct_id, object_id in candidates:
                subjects.setdefault(ct_id, set()).add(object_id)
            refresh = []
            for ct_id, ids in subjects.items():
                model = ContentType.objects.get_for_id(ct_id).model_class()
                if model is not None and registry.keeps_derived(model):
                    refresh.append((model, list(
                        model.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)
                    )))
            # Locked now; one may have been met or cancelled meanwhile.
            rows = list(open_.select_for_update().filter(id__in=[c[0] for c in candidates]).order_by("id"))
            for d in rows:
                # Pauses move the warning point as far as the due time (as deadlines_resume does).
                paused = datetime.timedelta(seconds=d.paused_seconds)
                due = policy.due_from(d.started_at)
                warn = policy.warn_at(d.started_at, due)
                d.due_at = due + paused
                d.warn_at = warn + paused if warn is not None else None
                if d.paused_at is None:
                    d.next_escalation_at = next_step_at(d, ladder)
            Deadline.objects.bulk_update(rows, ["due_at", "warn_at", "next_escalation_at"])
            for model, ids in refresh:
                _subjects_changed(model, ids)
            done += len(rows)
            last_id = candidates[-1][0]
