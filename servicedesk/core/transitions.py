"""The one way a state machine's action runs (style.md habit 2).

Every machine (work orders, complaints, returns, factory returns, calls,
callbacks) describes itself once as a `Machine`; its services call
`run_action` with what is their own (the input check, the deadline effects,
the transition's arguments). The runner does the rest, in this order, in one
transaction:

1. lock the row (`select_for_update`, of the row itself);
2. check the state (409 `invalid_transition`) and the user's right to act
   (403); the machine says which comes first;
3. run the service's own `check(obj)` against the locked row;
4. run the django-fsm transition (or, for actions that keep the state such as
   postpone or hand-over, the machine's `is_open` guard and a `change`);
5. save only the fields that changed;
6. write the immutable history row (who, when, from, to, why);
7. tell the machine's `on_change` when the state changed (the partner
   webhooks' outbox row), and run the service's `effects(obj, at)` (start,
   meet or cancel deadlines);
8. queue `after_commit` callables with `transaction.on_commit`.

Of two concurrent actions on one object the second waits for the lock and
then sees the first's result: one wins, the other gets 409 (contract:
Conventions)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django_fsm import can_proceed

from .errors import InvalidTransition, PermissionDenied


@dataclasses.dataclass(frozen=True)
class Machine:
    """How the runner reaches one state machine."""

    model: type[models.Model]
    history: type[models.Model]
    #: the history row's foreign key to the subject
    history_fk: str
    #: action name (the API's) -> transition method name on the model
    actions: dict[str, str]
    #: may_take(user, obj, action) -> bool; the one permission rule (selectors)
    may_take: Callable[[Any, Any, str], bool]
    #: actions_allowed_in(state) -> list of action names, for the 409
    allowed_in: Callable[[str], list[str]]
    #: select_related for the locked read
    related: tuple[str, ...] = ()
    #: check the state before the permission: the loser of a race gets 409
    #: even when the winner took the object away from them (work orders)
    state_first: bool = True
    #: is_open(obj) -> bool, for actions that keep the state (postpone,
    #: resume, hand-over): a closed object refuses them with 409
    is_open: Callable[[Any], bool] | None = None
    #: field names a deadline hook may change in the table behind the
    #: instance's back (work orders' next_due_at): re-read after effects
    refresh_after_effects: tuple[str, ...] = ()
    #: the permission error's message for an action, when not the generic one
    denied_message: Callable[[str], Any] | None = None
    #: on_change(obj, from_state, action, at): after the history row of an
    #: action that changed the state, in the same transaction (the partner
    #: webhooks' outbox row, written with the change it reports)
    on_change: Callable[[Any, str, str, Any], None] | None = None

    def refuse(self, obj, action) -> InvalidTransition:
        return InvalidTransition(
            action=action, state=obj.state, state_label=obj.get_state_display(), allowed=self.allowed_in(obj.state)
        )

    def lock(self, pk, *, lookup: str = "pk"):
        qs = self.model.objects.select_for_update(of=("self",))
        if self.related:
            qs = qs.select_related(*self.related)
        return qs.get(**{lookup: pk})

    def record(self, *, obj, action, from_state, by, at, note="", data=None, to_state=None, **extra):
        """Write the history row. Rows are immutable (core.history)."""
        return self.history.objects.create(
            **{self.history_fk: obj}, action=action, from_state=from_state,
            to_state=obj.state if to_state is None else to_state, by=by, at=at, note=note or "", data=data or {},
            **extra,
        )


def _snapshot(obj) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}


def _changed_fields(obj, before: dict[str, Any]) -> list[str]:
    changed = [name for name, value in before.items() if getattr(obj, name) != value]
    names = {f.attname: f.name for f in obj._meta.concrete_fields}
    fields = [names[a] for a in changed]
    # auto_now fields (updated_at) are set by save() itself: name them so they are written.
    for f in obj._meta.concrete_fields:
        if getattr(f, "auto_now", False) and f.name not in fields:
            fields.append(f.name)
    return fields


def save_changed(obj, before: dict[str, Any]) -> list[str]:
    """Save only what changed since `before` (a `_snapshot`)."""
    fields = _changed_fields(obj, before)
    if fields:
        obj.save(update_fields=fields)
    return fields


def run_action(
    machine: Machine,
    *,
    pk,
    action: str,
    by,
    method: str | None = None,
    note: str = "",
    data: dict | None = None,
    check: Callable[[Any], None] | None = None,
    effects: Callable[[Any, Any], None] | None = None,
    after_commit: Iterable[Callable[[], None]] = (),
    stamp: bool = False,
    lookup: str = "pk",
    obj=None,
    kwargs: dict | None = None,
):
    """Run `action` on the object `pk` of `machine` and answer the object.

    `method` names the transition when it differs from `machine.actions[action]`;
    with `stamp` the transition also gets `at`, the time taken under the lock,
    so the object's own timestamp equals its history row's and deadlines'.
    `check(obj)` validates input against the locked row; `effects(obj, at)`
    moves deadlines; `data` may be a callable `data(obj)` when it depends on
    the locked row. `obj`, when given, is a row the caller already locked in
    this transaction."""
    kwargs = dict(kwargs or {})
    with transaction.atomic():
        if obj is None:
            obj = machine.lock(pk, lookup=lookup)
        transition = getattr(obj, method or machine.actions[action])

        def state_ok():
            if not can_proceed(transition):
                raise machine.refuse(obj, action)

        def permitted():
            if not machine.may_take(by, obj, action):
                raise PermissionDenied(machine.denied_message(action) if machine.denied_message else None)

        for step in ((state_ok, permitted) if machine.state_first else (permitted, state_ok)):
            step()
        if check:
            check(obj)
        from_state = obj.state
        at = timezone.now()
        if stamp:
            kwargs["at"] = at
        before = _snapshot(obj)
        transition(**kwargs)
        save_changed(obj, before)
        machine.record(obj=obj, action=action, from_state=from_state, by=by, at=at, note=note,
                       data=data(obj) if callable(data) else data)
        if machine.on_change is not None and obj.state != from_state:
            machine.on_change(obj, from_state, action, at)
        if effects:
            effects(obj, at)
            if machine.refresh_after_effects:
                obj.refresh_from_db(fields=list(machine.refresh_after_effects))
        for callback in after_commit:
            transaction.on_commit(callback)
    return obj


def run_state_kept(
    machine: Machine,
    *,
    pk,
    action: str,
    by,
    change: Callable[[Any, Any], Any],
    note: str = "",
    data: dict | Callable[[Any, Any], dict] | None = None,
    check: Callable[[Any], None] | None = None,
    after_commit: Iterable[Callable[[], None]] = (),
    lookup: str = "pk",
):
    """An action that keeps the state (postpone, resume, hand-over): lock,
    refuse a closed object with the same 409, authorise, `change(obj, at)`
    (which saves what it changes), and a history row whose from-state equals
    its to-state. `data(obj, result)` may depend on what `change` answered."""
    with transaction.atomic():
        obj = machine.lock(pk, lookup=lookup)
        if machine.is_open is not None and not machine.is_open(obj):
            raise machine.refuse(obj, action)
        if not machine.may_take(by, obj, action):
            raise PermissionDenied(machine.denied_message(action) if machine.denied_message else None)
        if check:
            check(obj)
        at = timezone.now()
        result = change(obj, at)
        if machine.refresh_after_effects:
            obj.refresh_from_db(fields=list(machine.refresh_after_effects))
        machine.record(obj=obj, action=action, from_state=obj.state, by=by, at=at, note=note,
                       data=data(obj, result) if callable(data) else data)
        for callback in after_commit:
            transaction.on_commit(callback)
    return obj
