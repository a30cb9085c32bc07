"""Where the apps that build on work orders plug into their actions.

`tickets` never imports the apps of the visit and after it (on-site records,
the survey, messages to the customer, dispatch): they register here from
their AppConfig.ready, and the work order's services, its API and its pages
call what is registered. A reader follows an action from
`tickets.services._act` into every registered guard and effect by name.

- `add_input(action, name, make_field)`: a field the action's input accepts
  (API and page alike, see tickets.serializers.ActionInput); its value goes to
  that action's guards and effects in `extra`, never to the transition.
- `add_guard(action, guard)`: `guard(order, extra, by)` runs against the
  locked row before the transition; it raises a domain error
  (servicedesk.core.errors) to refuse the action.
- `add_effect(action, effect)`: `effect(order, at, by, extra)` runs after the
  transition, its history row and the service's own deadline effects, in the
  same transaction: what it writes commits or rolls back with the action.
- `add_answer_field(name, make_field)`: a read-only field of the order's API
  answer (tickets.serializers.WorkOrderSerializer); the field gets the whole
  order (`source="*"`) and the serializer's context (the request).
- `add_panel(name, template, context)`: a card on the order's page (its main
  column, before the history); `context(request, order)` answers the dict the
  template gets as `panel`, or None to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_inputs: dict[str, dict[str, Callable[[], Any]]] = {}
_guards: dict[str, list[Callable]] = {}
_effects: dict[str, list[Callable]] = {}
_answer_fields: dict[str, Callable[[], Any]] = {}
_panels: dict[str, tuple[str, Callable]] = {}


def add_input(action: str, name: str, make_field: Callable[[], Any]) -> None:
    _inputs.setdefault(action, {})[name] = make_field


def add_guard(action: str, guard: Callable) -> None:
    if guard not in _guards.setdefault(action, []):
        _guards[action].append(guard)


def add_effect(action: str, effect: Callable) -> None:
    if effect not in _effects.setdefault(action, []):
        _effects[action].append(effect)


def add_answer_field(name: str, make_field: Callable[[], Any]) -> None:
    _answer_fields[name] = make_field


def input_fields(action: str | None) -> dict[str, Any]:
    """Fresh DRF fields for the extension inputs of `action`."""
    return {name: make() for name, make in _inputs.get(action or "", {}).items()}


def split_extra(action: str, values: dict) -> tuple[dict, dict]:
    """Validated input -> (the service's own keyword arguments, extra)."""
    names = _inputs.get(action, {})
    own = {k: v for k, v in values.items() if k not in names}
    extra = {k: v for k, v in values.items() if k in names}
    return own, extra


def run_guards(action: str, order, extra: dict, by) -> None:
    for guard in _guards.get(action, ()):
        guard(order, extra, by)


def run_effects(action: str, order, at, by, extra: dict) -> None:
    for effect in _effects.get(action, ()):
        effect(order, at, by, extra)


def answer_fields() -> dict[str, Any]:
    return {name: make() for name, make in _answer_fields.items()}


def add_panel(name: str, template: str, context: Callable) -> None:
    _panels[name] = (template, context)


def panels(request, order) -> list[dict]:
    """The registered cards of the order's page, in registration order."""
    shown = []
    for name, (template, context) in _panels.items():
        values = context(request, order)
        if values is not None:
            shown.append({**values, "name": name, "template": template})
    return shown
