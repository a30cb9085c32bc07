"""Compliance with the standards on site (seeds/004 服务人员考核: 规范执行;
seeds/001: the "12345" and "five ones" rules), for the technician scorecards.

The checklists are another app's (`onsite`); measures does not import it:
that app hands over, from its AppConfig.ready, a function answering, for one
technician and a period, (items recorded and passed, items) of the checklists
of the orders that technician resolved in the period. Without it, or with no
checklist item in the period, the criterion has no data."""

from __future__ import annotations

from collections.abc import Callable

_provider: list[Callable] = []


def register(provider: Callable) -> None:
    _provider[:] = [provider]


def counts(*, technician_id: int, start, end) -> tuple[int, int] | None:
    if not _provider:
        return None
    recorded, items = _provider[0](technician_id=technician_id, start=start, end=end)
    return (recorded, items) if items else None
