"""What other apps add to the documents (issue 14): the on-site app registers
the checklist and the rectification items here from its AppConfig.ready, and
the documents render what is registered. `documents` never imports them.

`register(name, fn, kinds=("service_record",))`: `fn(order)` answers None
(nothing to show) or a section, a dict of JSON values:
`{"title": str, "head": [str, ...], "table": [[str, ...], ...]}` or
`{"title": str, "rows": [[label, value], ...]}`. It is called while the
document is made, in the organisation's language of the documents (Chinese),
so labels may be gettext strings; what it answers is stored in the document
and never read again.
"""

from __future__ import annotations

from collections.abc import Callable

_sections: dict[str, tuple[Callable, tuple[str, ...]]] = {}


def register(name: str, fn: Callable, kinds: tuple[str, ...] = ("service_record",)) -> None:
    _sections[name] = (fn, tuple(kinds))


def unregister(name: str) -> None:
    _sections.pop(name, None)


def sections_for(kind: str, order) -> list[dict]:
    shown = []
    for fn, kinds in _sections.values():
        if kind in kinds:
            section = fn(order)
            if section:
                shown.append({key: section[key] for key in ("title", "head", "table", "rows") if key in section})
    return shown
