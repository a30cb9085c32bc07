"""The navigation's entries, contributed by the apps that own the pages.

core sits below every app and imports none of them (docs/architecture.md,
Layers): each app registers its entries in its AppConfig.ready()
(`menu.register("work_orders", user_may_read_work_orders)`), and the context
processor (`context_processors.roles`) asks each entry's rule, the same
selector that guards the page itself. templates/base.html shows an entry when
`nav.<name>` is true.
"""

from __future__ import annotations

from collections.abc import Callable

_entries: dict[str, Callable] = {}


def register(name: str, allowed: Callable) -> None:
    """Offer the entry `name` to the users for whom `allowed(user)` is true."""
    if name in _entries and _entries[name] is not allowed:
        raise ValueError(f"menu entry {name!r} is registered twice")
    _entries[name] = allowed


def entries_for(user) -> dict[str, bool]:
    """{name: shown} for every registered entry."""
    return {name: bool(allowed(user)) for name, allowed in _entries.items()}


def names() -> list[str]:
    return list(_entries)
