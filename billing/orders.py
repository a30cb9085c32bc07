"""The work orders billing charges for, seen as tickets decides.

billing sits below tickets (docs/architecture.md, Layers): tickets asks it for
the warranty decision at creation, the blocker on resolving and the revisit
rule, and shows its entitlement; billing never imports tickets. Its quotes,
payments and stock movements are on work orders, though, and who may see
which order is tickets' rule (tickets.selectors.work_orders_visible_to):
TicketsConfig.ready() hands that rule over here (`register`), and billing
reads work orders only through `work_orders_visible_to`.
"""

from django.core.exceptions import ImproperlyConfigured

_visible_to = None


def register(*, visible_to) -> None:
    """`visible_to(user)`: the work orders (a WorkOrder queryset) the user may see."""
    global _visible_to
    _visible_to = visible_to


def work_orders_visible_to(user):
    if _visible_to is None:
        raise ImproperlyConfigured("tickets has not registered its work orders with billing (TicketsConfig.ready).")
    return _visible_to(user)
