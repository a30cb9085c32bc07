"""Which models carry deadlines, and what the engine may ask of them.

Each app registers its subjects in its AppConfig.ready() (`register`), so a
reader following a sweep or a deadline change reaches every effect by
following calls from here, never through attribute look-ups at run time.

- `load(ids) -> {pk: obj}`: load the objects the escalation notifications
  need (default: `in_bulk`);
- `responsible(obj) -> (unit_id, assignee)`: whose supervisors hear of a late
  deadline, and who is warned (default: nobody in particular);
- `describe(ids) -> {pk: (reference, url, unit_id, assignee_id)}`: what the
  sweep's notifications say of these objects, read as plain values (issue 18:
  10,000 escalations in a second). It must answer what `str(obj)` (the
  reference), `obj.get_absolute_url()` and `responsible(obj)` answer; without
  it the sweep loads the objects (`load`) and asks them;
- `changed(ids)`: the subject keeps something derived from its open
  deadlines (the work order's next_due_at): recompute it. Called by
  deadlines.services after it opened, closed or moved deadlines; callers
  hold the subjects' row locks;
- `after_sweep(*, now)`: act on the state of its deadlines after every sweep
  (the late depot repair's exchange proposal), each in its own transaction,
  choosing rows by condition so that a failed run is made good by the next.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.db import models


@dataclasses.dataclass(frozen=True)
class DeadlineSubject:
    model: type[models.Model]
    load: Callable | None = None
    responsible: Callable | None = None
    changed: Callable | None = None
    after_sweep: Callable | None = None
    describe: Callable | None = None


_subjects: dict[str, DeadlineSubject] = {}


def register(model, *, load=None, responsible=None, changed=None, after_sweep=None, describe=None) -> DeadlineSubject:
    entry = DeadlineSubject(model=model, load=load, responsible=responsible, changed=changed, after_sweep=after_sweep,
                            describe=describe)
    _subjects[model._meta.label_lower] = entry
    return entry


def subject(model) -> DeadlineSubject | None:
    """The registration of `model` (a class or its label), or None."""
    label = model if isinstance(model, str) else model._meta.label_lower
    return _subjects.get(label)


def subjects() -> list[DeadlineSubject]:
    return list(_subjects.values())


def load(model, ids) -> dict:
    entry = subject(model)
    if entry is not None and entry.load is not None:
        return entry.load(ids)
    return model.objects.in_bulk(ids)


def responsible(obj) -> tuple:
    entry = subject(type(obj))
    if entry is not None and entry.responsible is not None:
        return entry.responsible(obj)
    return None, None


def describe(model, ids) -> dict | None:
    """The registered `describe` of `model` for these ids, or None where it has none."""
    entry = subject(model)
    if entry is not None and entry.describe is not None:
        return entry.describe(ids)
    return None


def links(model) -> Callable:
    """pk -> `get_absolute_url()` of a `model` row, from one call: the link with a marker pk, the pk put
    in its place (a `reverse()` per row cost as much as the rest of a notification). For `describe`."""
    marker = "918273645"
    made = model(pk=int(marker)).get_absolute_url()
    head, found, tail = made.partition(marker)
    if not found or marker in tail:
        return lambda pk: model(pk=pk).get_absolute_url()
    return lambda pk: f"{head}{pk}{tail}"


def changed(model, ids) -> None:
    entry = subject(model)
    if entry is not None and entry.changed is not None and ids:
        entry.changed(ids)


def keeps_derived(model) -> bool:
    entry = subject(model)
    return entry is not None and entry.changed is not None


def sweep_followers() -> list[DeadlineSubject]:
    return [s for s in _subjects.values() if s.after_sweep is not None]
