"""Demo data (api-contract.md, Demo data), contributed by the apps that own it.

`manage.py seed_demo` lives in core, which imports no other app
(docs/architecture.md, Layers): each app registers its part in its
AppConfig.ready() (`demo.register(30, seed_work_orders, name="work orders")`),
and the command runs the parts in their order: the organisation (accounts),
categories (customers), technicians, work orders, complaints, calls, billing.
Every part is idempotent (running it twice changes nothing).

A part is `seed(run)`, `run` a `DemoRun`: `run.people` is shared between the
parts (the organisation puts the demo users in it by username, customers its
categories by slug, technicians the first four technicians as "techs"); a part
that adds command-line options declares them (`arguments`); what the closing
line reports goes into `run.counts` ("300 work orders (0 new)") and
`run.notes` (the users and their password).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

# The demo users' password when DEMO_PASSWORD is not set.
DEFAULT_PASSWORD = "demo-servicedesk"


@dataclasses.dataclass
class DemoRun:
    password: str
    seed: int
    options: dict
    stdout: object
    people: dict = dataclasses.field(default_factory=dict)
    counts: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def rng(self, offset: int = 0) -> random.Random:
        """A generator of its own for a part, so each part draws the same
        values whatever the other parts draw (`offset` tells them apart)."""
        return random.Random(self.seed + offset)


@dataclasses.dataclass(frozen=True)
class DemoPart:
    order: int
    seed: Callable[[DemoRun], None]
    name: str
    # (flag, argparse keyword arguments) the part reads from run.options.
    arguments: tuple = ()


_parts: dict[str, DemoPart] = {}


def register(order: int, seed: Callable[[DemoRun], None], *, name: str, arguments=()) -> DemoPart:
    """Run `seed(run)` as part `name` of seed_demo, after the parts of a lower `order`."""
    part = DemoPart(order=order, seed=seed, name=name, arguments=tuple(arguments))
    if name in _parts and _parts[name].seed is not seed:
        raise ValueError(f"demo part {name!r} is registered twice")
    _parts[name] = part
    return part


def parts() -> list[DemoPart]:
    return sorted(_parts.values(), key=lambda p: (p.order, p.name))
